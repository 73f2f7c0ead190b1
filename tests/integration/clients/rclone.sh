#!/usr/bin/env bash
# rclone as a WebDAV client: upload a tree whose names carry non-ASCII and reserved characters,
# verify it with rclone check, move a file server-side, and purge the tree.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -30 "$KEEPDAV_LOG"; exit 1; }
command -v rclone >/dev/null || fail "rclone is not installed (apt-get install rclone)"
root=$(mktemp -d -t keepdav-rclone.XXXXXX); src=$(mktemp -d -t keepdav-rclone.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root" "$src"' EXIT
start_keepdav "$root" --state-dir none
export RCLONE_CONFIG=/dev/null
remote=":webdav,url='$KEEPDAV_URL/',vendor=other:"
mkdir -p "$src/dir é ü/sub #1" "$src/100% done" "$src/a b"
echo one >"$src/dir é ü/file with spaces.txt"
echo two >"$src/dir é ü/sub #1/hash#name.txt"
echo three >"$src/100% done/per%cent.txt"
echo four >"$src/a b/plus+and&amp;.txt"
head -c 5000000 /dev/urandom >"$src/big.bin"

rclone copy "$src" "${remote}up" 2>&1 || fail "rclone copy"
rclone check "$src" "${remote}up" 2>&1 || fail "rclone check"
diff -r "$src" "$root/up" || fail "the files on disk differ from the source"
rclone moveto "${remote}up/big.bin" "${remote}up/a b/moved.bin" 2>&1 || fail "rclone moveto"
grep -q '"MOVE /up/big.bin' "$KEEPDAV_LOG" || fail "rclone did not move server-side"
cmp "$src/big.bin" "$root/up/a b/moved.bin" || fail "the moved file differs"
[ ! -e "$root/up/big.bin" ] || fail "the source of the move still exists"
rclone purge "${remote}up" 2>&1 || fail "rclone purge"
[ ! -e "$root/up" ] || fail "the tree is still there after purge"
echo "rclone: all checks passed"
