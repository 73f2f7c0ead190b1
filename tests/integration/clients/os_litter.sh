#!/usr/bin/env bash
# --hide-os-litter with cadaver and curl: what Finder and Explorer leave (._*, .DS_Store, Thumbs.db,
# desktop.ini, .Trashes/...) is accepted and dropped, never listed; what was just written reads back
# empty until deleted; litter already on disk stays there, unseen and never served. Without the option the same names are ordinary files.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -30 "$KEEPDAV_LOG"; exit 1; }
command -v cadaver >/dev/null || fail "cadaver is not installed (apt-get install cadaver)"
root=$(mktemp -d -t keepdav-litter.XXXXXX); work=$(mktemp -d -t keepdav-litter.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root" "$work"' EXIT
mkdir -p "$root/photos/.Spotlight-V100"
echo old >"$root/photos/Thumbs.db"; echo old >"$root/photos/.Spotlight-V100/store"
echo jpeg >"$work/photo.jpg"; echo fork >"$work/fork"
start_keepdav "$root" --state-dir none --hide-os-litter

# cadaver, as a Mac would write a file and its AppleDouble companion.
{
    echo "cd photos"; echo "put $work/photo.jpg photo.jpg"; echo "lock ._photo.jpg"; echo "put $work/fork ._photo.jpg"
    echo "unlock ._photo.jpg"
    echo "put $work/fork .DS_Store"; echo "mkcol .Trashes"; echo "ls"; echo "quit"
} | timeout 10 cadaver "$KEEPDAV_URL/" >"$work/out" 2>&1
cat "$work/out"
for step in "Uploading .*photo.jpg" "Locking \`._photo.jpg'" "Uploading .*._photo.jpg" "Unlocking \`._photo.jpg'" "Uploading .*.DS_Store" "Creating \`.Trashes'"; do
    grep -q "$step.*succeeded" "$work/out" || fail "cadaver step did not succeed: $step"
done
[ -f "$root/photos/photo.jpg" ] || fail "photo.jpg was not stored"
for litter in ._photo.jpg .DS_Store .Trashes; do [ ! -e "$root/photos/$litter" ] || fail "$litter was stored"; done
sed -n '/Listing collection/,$p' "$work/out" | grep -Eq '\._photo|DS_Store|Thumbs|Spotlight|Trashes' && fail "cadaver ls lists litter"
sed -n '/Listing collection/,$p' "$work/out" | grep -q 'photo.jpg' || fail "cadaver ls does not list photo.jpg"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# What a client just wrote, it finds again (Finder reads its ._ file back): an empty file, until deleted.
[ "$(code -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/photos/._photo.jpg")" = 207 ] || fail "PROPFIND of litter just written"
[ "$(curl -s -w '%{http_code}:%{size_download}' -o /dev/null "$KEEPDAV_URL/photos/._photo.jpg")" = 200:0 ] || fail "GET of litter just written"
[ "$(code -X DELETE "$KEEPDAV_URL/photos/._photo.jpg")" = 204 ] || fail "DELETE of litter just written"
[ "$(code -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/photos/._photo.jpg")" = 404 ] || fail "litter deleted is still found"
[ "$(code -T "$work/fork" "$KEEPDAV_URL/photos/desktop.ini")" = 201 ] || fail "PUT desktop.ini"
[ ! -e "$root/photos/desktop.ini" ] || fail "desktop.ini was stored"
[ "$(code "$KEEPDAV_URL/photos/Thumbs.db")" = 404 ] || fail "GET of litter on disk is served"
[ "$(code -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/photos/.Spotlight-V100/")" = 404 ] || fail "PROPFIND of a litter folder"
[ "$(code -X DELETE "$KEEPDAV_URL/photos/Thumbs.db")" = 204 ] || fail "DELETE of litter"
[ -f "$root/photos/Thumbs.db" ] || fail "DELETE of hidden litter touched the disk"
[ "$(code -X MOVE -H "Destination: $KEEPDAV_URL/photos/._x" "$KEEPDAV_URL/photos/photo.jpg")" = 403 ] || fail "MOVE onto a litter name"
listing=$(curl -s -X PROPFIND -H 'Depth: infinity' "$KEEPDAV_URL/photos/")
grep -Eq 'Thumbs|Spotlight|DS_Store|_photo' <<<"$listing" && fail "PROPFIND lists litter: $listing"
curl -s "$KEEPDAV_URL/photos/" | grep -Eq 'Thumbs|Spotlight' && fail "the HTML index lists litter"

# The same PUT without the option is an ordinary file.
stop_keepdav
start_keepdav "$root" --state-dir none
[ "$(code -T "$work/fork" "$KEEPDAV_URL/photos/._photo.jpg")" = 201 ] && [ -f "$root/photos/._photo.jpg" ] \
    || fail "without --hide-os-litter, ._photo.jpg is not stored"
curl -s -X PROPFIND -H 'Depth: 1' "$KEEPDAV_URL/photos/" | grep -q 'Thumbs.db' || fail "without the option, Thumbs.db is not listed"
echo "os_litter: all checks passed"
