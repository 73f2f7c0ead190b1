#!/usr/bin/env bash
# [[user]] entries: two users with their own roots and a shared read-only path, rules on paths and on
# Destination, what a user may not see left out of every listing, and --auth-file users beside them.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
command -v htpasswd >/dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
dir=$(mktemp -d -t keepdav-users.XXXXXX); trap 'keepdav_cleanup; rm -rf "$dir"' EXIT
mkdir -p "$dir/srv/alice/shared" "$dir/srv/alice/private/deep" "$dir/srv/alice/docs/secret" "$dir/srv/bob/inbox"
echo "alice's" >"$dir/srv/alice/a.txt"; echo team >"$dir/srv/alice/shared/team.txt"
echo hidden >"$dir/srv/alice/private/p.txt"; echo deeper >"$dir/srv/alice/private/deep/d.txt"
echo secret >"$dir/srv/alice/docs/secret/s.txt"; echo doc >"$dir/srv/alice/docs/d.txt"
echo "bob's" >"$dir/srv/bob/b.txt"
hash() { htpasswd -nbB x "$1" | cut -d: -f2; }
htpasswd -5 -b -c "$dir/htpasswd" carol 'carol pw' 2>/dev/null
cat >"$dir/keepdav.toml" <<TOML
root = "$dir/srv"
state-dir = "none"
auth-file = "$dir/htpasswd"

[[user]]
name = "alice"
password = '$(hash 'alice pw')'
root = "$dir/srv/alice"
rules = { "/shared" = "read", "/private" = "none", "/docs/secret" = "none" }

[[user]]
name = "bob"
password = '$(hash 'bob pw')'
root = "$dir/srv/bob"
access = "read"
rules = { "/inbox" = "write" }
TOML
start_keepdav "$dir/srv" --config "$dir/keepdav.toml"
A=(-u 'alice:alice pw'); B=(-u 'bob:bob pw'); C=(-u 'carol:carol pw')
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(code "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; echo "ok: $want for ${*: -3}"; }

# Each user sees their own root as "/".
[ "$(curl -s "${A[@]}" "$KEEPDAV_URL/a.txt")" = "alice's" ] || fail "alice's GET /a.txt"
[ "$(curl -s "${B[@]}" "$KEEPDAV_URL/b.txt")" = "bob's" ] || fail "bob's GET /b.txt"
expect 404 "${A[@]}" "$KEEPDAV_URL/b.txt"
expect 404 "${B[@]}" "$KEEPDAV_URL/a.txt"
expect 200 "${C[@]}" "$KEEPDAV_URL/alice/a.txt" # --auth-file users: the server's root, writable
expect 401 -u 'alice:wrong' "$KEEPDAV_URL/a.txt"
expect 401 "$KEEPDAV_URL/a.txt"
echo "ok: each user sees their own root"

# Listings: alice's Depth 1 and infinity leave out what she may not see; bob's show only his.
for depth in 1 infinity; do
    out=$(curl -s "${A[@]}" -X PROPFIND -H "Depth: $depth" "$KEEPDAV_URL/")
    grep -q '<D:href>/a.txt</D:href>' <<<"$out" || fail "alice's Depth $depth listing lacks /a.txt: $out"
    grep -q '/shared/' <<<"$out" || fail "alice's Depth $depth listing lacks /shared/"
    ! grep -q 'private\|secret' <<<"$out" || fail "alice's Depth $depth listing shows a none path: $out"
    out=$(curl -s "${B[@]}" -X PROPFIND -H "Depth: $depth" "$KEEPDAV_URL/")
    grep -q '/b.txt' <<<"$out" || fail "bob's Depth $depth listing lacks /b.txt"
    ! grep -q 'alice\|a\.txt' <<<"$out" || fail "bob sees alice's files: $out"
done
out=$(curl -s "${A[@]}" -X PROPFIND -H "Depth: infinity" "$KEEPDAV_URL/docs/")
grep -q '/docs/d.txt' <<<"$out" && ! grep -q secret <<<"$out" || fail "Depth infinity of /docs/ shows /docs/secret: $out"
echo "ok: PROPFIND Depth 1 and infinity list nothing a user may not see"

# A none path is 404 whatever the method: its existence is not revealed.
expect 404 "${A[@]}" "$KEEPDAV_URL/private/p.txt"
expect 404 "${A[@]}" -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/private/"
expect 404 "${A[@]}" -T "$dir/keepdav.toml" "$KEEPDAV_URL/private/new.txt"
expect 404 "${A[@]}" -X DELETE "$KEEPDAV_URL/private/"
# Read-only: reads work, writes are 403.
expect 200 "${A[@]}" "$KEEPDAV_URL/shared/team.txt"
expect 403 "${A[@]}" -T "$dir/keepdav.toml" "$KEEPDAV_URL/shared/new.txt"
expect 403 "${A[@]}" -X DELETE "$KEEPDAV_URL/shared/team.txt"
expect 403 "${A[@]}" -X MKCOL "$KEEPDAV_URL/shared/sub/"
expect 403 "${A[@]}" -X PROPPATCH --data '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x xmlns="urn:x">1</x></D:prop></D:set></D:propertyupdate>' "$KEEPDAV_URL/shared/team.txt"
expect 403 "${B[@]}" -T "$dir/keepdav.toml" "$KEEPDAV_URL/new.txt" # bob's access = "read"
expect 201 "${B[@]}" -T "$dir/keepdav.toml" "$KEEPDAV_URL/inbox/new.txt"
[ -f "$dir/srv/bob/inbox/new.txt" ] || fail "bob's PUT into /inbox/ is not in his root"
# Destination: COPY into a read-only path 403; MOVE from a none path 404; into a none path 403.
expect 403 "${A[@]}" -X COPY -H "Destination: $KEEPDAV_URL/shared/a.txt" "$KEEPDAV_URL/a.txt"
expect 404 "${A[@]}" -X MOVE -H "Destination: $KEEPDAV_URL/p.txt" "$KEEPDAV_URL/private/p.txt"
expect 403 "${A[@]}" -X MOVE -H "Destination: $KEEPDAV_URL/private/a.txt" "$KEEPDAV_URL/a.txt"
expect 201 "${A[@]}" -X COPY -H "Destination: $KEEPDAV_URL/a2.txt" "$KEEPDAV_URL/shared/team.txt"
# A tree holding a none or read-only path is refused as a whole, and nothing in it is touched.
expect 403 "${A[@]}" -X DELETE "$KEEPDAV_URL/docs/"
expect 403 "${A[@]}" -X MOVE -H "Destination: $KEEPDAV_URL/docs2/" "$KEEPDAV_URL/docs/"
expect 403 "${A[@]}" -X COPY -H "Destination: $KEEPDAV_URL/docs2/" "$KEEPDAV_URL/docs/"
[ -f "$dir/srv/alice/docs/secret/s.txt" ] && [ -f "$dir/srv/alice/docs/d.txt" ] && [ ! -e "$dir/srv/alice/docs2" ] \
    || fail "a refused tree operation touched the tree"
expect 403 "${A[@]}" -X DELETE "$KEEPDAV_URL/"
expect 204 "${A[@]}" -X DELETE "$KEEPDAV_URL/a2.txt"
echo "ok: rules hold on targets, Destinations and whole trees"

# Locks stay in each user's tree: alice's lock on /x.txt is not on bob's /x.txt.
echo x >"$dir/srv/alice/x.txt"; echo x >"$dir/srv/bob/inbox/x.txt"
lock='<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>'
expect 200 "${A[@]}" -X LOCK --data "$lock" "$KEEPDAV_URL/x.txt"
expect 201 "${C[@]}" -X LOCK --data "$lock" "$KEEPDAV_URL/x.txt" # the server's root: another tree
expect 200 "${B[@]}" -X LOCK --data "$lock" "$KEEPDAV_URL/inbox/x.txt"
expect 423 "${A[@]}" -T "$dir/keepdav.toml" "$KEEPDAV_URL/x.txt"
out=$(curl -s "${B[@]}" -X PROPFIND -H 'Depth: 0' --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' "$KEEPDAV_URL/b.txt")
! grep -q 'locktoken' <<<"$out" || fail "bob sees a lock on /b.txt: $out"
echo "ok: locks stay within each user's tree"

# litmus, all five suites, as alice in her own root (beside her rules).
command -v litmus >/dev/null || fail "litmus is not installed (apt-get install litmus)"
out=$(cd "$dir" && TESTS="basic copymove props locks http" timeout 20 litmus "$KEEPDAV_URL/" alice 'alice pw' 2>&1)
for suite in basic copymove props locks http; do
    grep "summary for \`$suite'" <<<"$out" | grep -q " 0 failed" || fail "litmus $suite as alice: $out"
done
[ -d "$dir/srv/alice/litmus" ] || [ ! -e "$dir/srv/litmus" ] || fail "litmus wrote outside alice's root"
echo "ok: litmus passes as alice in her own root"
echo "users: all checks passed"
