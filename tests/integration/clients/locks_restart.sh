#!/usr/bin/env bash
# Locks survive a restart: lock, stop the server, start it again on the same --state-dir; the lock
# still keeps other writers out and its token still works.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
root=$(mktemp -d -t keepdav-locks_restart.XXXXXX); state=$(mktemp -d -t keepdav-locks_restart.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root" "$state"' EXIT
echo original >"$root/f.txt"
start_keepdav "$root" --state-dir "$state"
token=$(curl -s -D - -o /dev/null -X LOCK -H 'Timeout: Second-600' --data \
    '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>restart test</D:owner></D:lockinfo>' \
    "$KEEPDAV_URL/f.txt" | sed -n 's/^Lock-Token: *<\(.*\)>.*/\1/Ip' | tr -d '\r')
[ -n "$token" ] || fail "no lock token"
stop_keepdav
ls "$state"/locks-*.tsv >/dev/null || fail "no lock table in the state directory"

start_keepdav "$root" --state-dir "$state"
code=$(curl -s -o /dev/null -w '%{http_code}' -T /etc/hostname "$KEEPDAV_URL/f.txt")
[ "$code" = 423 ] || fail "after a restart a PUT without the token got $code, not 423"
curl -s -X PROPFIND -H 'Depth: 0' --data '<D:propfind xmlns:D="DAV:"><D:prop><D:lockdiscovery/></D:prop></D:propfind>' \
    "$KEEPDAV_URL/f.txt" | grep -q "restart test" || fail "lockdiscovery lost the owner after a restart"
code=$(curl -s -o /dev/null -w '%{http_code}' -T /etc/hostname -H "If: (<$token>)" "$KEEPDAV_URL/f.txt")
[ "$code" = 204 ] || fail "the token stopped working after a restart ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -X UNLOCK -H "Lock-Token: <$token>" "$KEEPDAV_URL/f.txt")
[ "$code" = 204 ] || fail "UNLOCK after a restart got $code"

# A state directory inside the served tree would expose the lock table: refused at start.
msg=$("$KEEPDAV_BIN" --root "$root" --listen 127.0.0.1:0 --state-dir "$root/.state" 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "a state directory inside the root was accepted (exit $rc)"
echo "locks_restart: all checks passed"
