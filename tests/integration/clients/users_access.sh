#!/usr/bin/env bash
# Who a request is: anonymous (--anonymous read: reads without credentials, a write asks for them with
# 401), or the user a trusted proxy names in --auth-header (a header from any other peer is ignored).
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
command -v htpasswd >/dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
dir=$(mktemp -d -t keepdav-users_access.XXXXXX); trap 'keepdav_cleanup; rm -rf "$dir"' EXIT
mkdir -p "$dir/srv/alice"; echo public >"$dir/srv/p.txt"; echo "alice's" >"$dir/srv/alice/a.txt"
cat >"$dir/keepdav.toml" <<TOML
state-dir = "none"
[[user]]
name = "alice"
password = '$(htpasswd -nbB x 'alice pw' | cut -d: -f2)'
root = "$dir/srv/alice"
TOML
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(code "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; echo "ok: $want for $*"; }

start_keepdav "$dir/srv" --config "$dir/keepdav.toml" --anonymous read
[ "$(curl -s "$KEEPDAV_URL/p.txt")" = public ] || fail "anonymous GET"
expect 207 -X PROPFIND -H 'Depth: 1' "$KEEPDAV_URL/"
expect 401 -T "$dir/keepdav.toml" "$KEEPDAV_URL/new.txt"
curl -s -D - -o /dev/null -X DELETE "$KEEPDAV_URL/p.txt" | grep -qi '^WWW-Authenticate: Basic' || fail "no challenge for an anonymous write"
expect 401 -u 'alice:wrong' "$KEEPDAV_URL/p.txt" # wrong credentials are not anonymous
[ "$(curl -s -u 'alice:alice pw' "$KEEPDAV_URL/a.txt")" = "alice's" ] || fail "with credentials, alice's own root"
expect 201 -u 'alice:alice pw' -T "$dir/keepdav.toml" "$KEEPDAV_URL/new.txt"
[ -f "$dir/srv/alice/new.txt" ] && [ -f "$dir/srv/p.txt" ] || fail "files moved"
stop_keepdav
echo "ok: anonymous read"

# --auth-header from a trusted proxy (here: curl on 127.0.0.1) names the user; no password needed.
start_keepdav "$dir/srv" --config "$dir/keepdav.toml" --trusted-proxy 127.0.0.1 --auth-header X-Forwarded-User
[ "$(curl -s -H 'X-Forwarded-User: alice' "$KEEPDAV_URL/a.txt")" = "alice's" ] || fail "auth header from a trusted peer"
expect 403 -H 'X-Forwarded-User: mallory' "$KEEPDAV_URL/a.txt"
grep -q 'X-Forwarded-User names no user: "mallory"' "$KEEPDAV_LOG" || fail "no log line for an unknown user"
grep -q ' - alice \[.*"GET /a.txt' "$KEEPDAV_LOG" || fail "the access line does not name the proxy's user"
expect 401 "$KEEPDAV_URL/a.txt"
stop_keepdav
# From a peer that is no trusted proxy the header is ignored (401), with a warning, once.
start_keepdav "$dir/srv" --config "$dir/keepdav.toml" --trusted-proxy 10.0.0.0/8 --auth-header X-Forwarded-User
expect 401 -H 'X-Forwarded-User: alice' "$KEEPDAV_URL/a.txt"
expect 401 -H 'X-Forwarded-User: alice' "$KEEPDAV_URL/a.txt"
[ "$(grep -c 'X-Forwarded-User from a peer that is no --trusted-proxy' "$KEEPDAV_LOG")" = 1 ] \
    || fail "the warning for an untrusted auth header is not there once"
stop_keepdav
msg=$("$KEEPDAV_BIN" --root "$dir/srv" --auth-header X-Forwarded-User 2>&1); [ $? = 2 ] && grep -q 'needs --trusted-proxy' <<<"$msg" \
    || fail "--auth-header without --trusted-proxy: $msg"
echo "users_access: all checks passed"
