#!/usr/bin/env bash
# The command line is a contract scripts rely on: --help, exit 2 on bad usage, the "listening on"
# line with the real port for every --listen, and a clean exit 0 on SIGTERM.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; exit 1; }
root=$(mktemp -d -t keepdav-cli.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root"' EXIT

"$KEEPDAV_BIN" --help >"$root/help" || fail "--help did not exit 0"
for option in --root --listen --processing-interval --processing-after --no-processing --no-processing-for --hide-os-litter; do
    grep -q -- "$option" "$root/help" || fail "--help does not document $option"
done

expect_usage_error() {
    local out; out=$("$KEEPDAV_BIN" "$@" 2>&1 >/dev/null); local rc=$?
    [ $rc = 2 ] || fail "keepdav $* exited $rc, not 2"
    [ -n "$out" ] || fail "keepdav $* printed no message"
    echo "ok: keepdav $* -> exit 2: $out" | head -1
}
expect_usage_error --bogus
expect_usage_error --root "$root" --listen nonsense
expect_usage_error --root "$root" --listen 127.0.0.1:99999
expect_usage_error --root "$root" --processing-interval abc
expect_usage_error --root "$root" --processing-interval -1
expect_usage_error --root "$root" --no-processing-for '('
expect_usage_error --root "$root" --lock-store mysql://db/keepdav
expect_usage_error --root "$root" --lock-store "postgresql://db/keepdav extra"
expect_usage_error --listen 127.0.0.1:0
expect_usage_error --root "$root" --max-login-failures 2000000
expect_usage_error --root "$root" --max-login-failures many
expect_usage_error --root "$root" --metrics-listen nonsense
grep -q -- '--max-login-failures N (=10)' "$root/help" || fail "--help does not give --max-login-failures' default"
grep -q -- '--metrics-listen HOST:PORT' "$root/help" || fail "--help does not document --metrics-listen"

# Beast keeps a field's offsets in 16 bits: past 65000 a long header field would throw out of the
# parser (issue 10), so a larger limit is refused at start, and the message names the bound.
msg=$("$KEEPDAV_BIN" --root "$root" --listen 127.0.0.1:0 --max-header-bytes 65001 2>&1 >/dev/null); rc=$?
[ $rc = 2 ] || fail "--max-header-bytes 65001: exit $rc, not 2"
grep -q -- "--max-header-bytes must be at most 65000" <<<"$msg" || fail "--max-header-bytes 65001: unclear message: $msg"
echo "ok: --max-header-bytes 65001 -> exit 2: $(head -1 <<<"$msg")"

# Two addresses, each reported with its real port (and the largest header limit is accepted).
out="$root.stdout"; mkfifo "$out"; trap 'keepdav_cleanup; rm -rf "$root" "$out"' EXIT
"$KEEPDAV_BIN" --root "$root" --listen 127.0.0.1:0 --listen 127.0.0.1:0 --max-header-bytes 65000 >"$out" 2>/dev/null &
pid=$!
KEEPDAV_PID=$pid # a failure below stops it through the EXIT trap
exec 3<"$out"
read -r -t 10 first <&3 || fail "no first listening line"
read -r -t 10 second <&3 || fail "no second listening line"
exec 3<&-; rm -f "$out"
for line in "$first" "$second"; do
    [[ $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] || fail "unexpected line: $line"
    port=${BASH_REMATCH[1]}
    [ "$port" != 0 ] || fail "port 0 reported"
    curl -sf -o /dev/null -X OPTIONS "http://127.0.0.1:$port/" || fail "nothing answers on $port"
done
[ "$first" != "$second" ] || fail "both listeners report the same port"
kill -TERM $pid; wait $pid; rc=$?; KEEPDAV_PID=
[ $rc = 0 ] || fail "SIGTERM: exit $rc, not 0"

# A root that does not exist is refused at start, with a message.
msg=$("$KEEPDAV_BIN" --root "$root/missing" --listen 127.0.0.1:0 2>&1 >/dev/null); rc=$?
[ $rc != 0 ] || fail "a missing root was accepted"
grep -q "missing" <<<"$msg" || fail "no readable message for a missing root: $msg"
echo "cli: all checks passed"
