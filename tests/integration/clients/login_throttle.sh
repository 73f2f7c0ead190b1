#!/usr/bin/env bash
# Failed logins: counted per client address (the TCP peer, or the client a --trusted-proxy names),
# 429 with Retry-After beyond --max-login-failures a minute, the password unchecked; each failure one
# log line that the shipped fail2ban filter matches (checked with fail2ban-regex), and a user name
# built to forge a line cannot.
set -u
. "$(dirname "$0")/spawn_server.sh"
samples=$(cd "$(dirname "$0")/../../../samples/fail2ban" && pwd)
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
command -v htpasswd >/dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
command -v fail2ban-regex >/dev/null || fail "fail2ban-regex is not installed (apt-get install fail2ban)"
root=$(mktemp -d -t keepdav-logins.XXXXXX); keys=$(mktemp -d -t keepdav-logins.XXXXXX)
trap 'keepdav_cleanup; rm -rf "$root" "$keys"' EXIT
echo hello >"$root/a.txt"
htpasswd -B -C 5 -b -c "$keys/users" alice 'correct horse' 2>/dev/null
htpasswd -B -C 5 -b "$keys/users" bob 'battery staple' 2>/dev/null
# (-H "X-Forwarded-For: ADDR": as the trusted proxy, 127.0.0.1, names its client)
c() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(c "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; echo "ok: $want for $*"; }

start_keepdav "$root" --state-dir none --auth-file "$keys/users" --max-login-failures 3 --trusted-proxy 127.0.0.1
url=$KEEPDAV_URL/a.txt
# An honest client logs in once from 192.0.2.1: its credentials are remembered.
expect 200 -u 'alice:correct horse' -H "X-Forwarded-For: 192.0.2.1" "$url"
# No credentials at all is a challenge, not a failure.
for i in 1 2 3 4; do expect 401 -H "X-Forwarded-For: 192.0.2.1" "$url"; done
for i in 1 2 3; do expect 401 -u "alice:guess$i" -H "X-Forwarded-For: 192.0.2.1" "$url"; done
expect 429 -u 'alice:guess4' -H "X-Forwarded-For: 192.0.2.1" "$url"
headers=$(curl -s -D - -o /dev/null -u 'alice:guess5' -H "X-Forwarded-For: 192.0.2.1" "$url")
grep -q '^HTTP/1.1 429' <<<"$headers" || fail "no 429: $headers"
retry=$(sed -n 's/^Retry-After: \([0-9]*\)\r$/\1/p' <<<"$headers")
[ -n "$retry" ] && [ "$retry" -ge 1 ] && [ "$retry" -le 20 ] || fail "Retry-After '$retry' (3 a minute: one every 20 s)"
# Throttled, a right password that was never checked is refused unchecked too; one remembered from
# before still passes (a guesser behind the same NAT does not lock out who logged in).
expect 429 -u 'bob:battery staple' -H "X-Forwarded-For: 192.0.2.1" "$url"
expect 200 -u 'alice:correct horse' -H "X-Forwarded-For: 192.0.2.1" "$url"
# Another address is not throttled.
expect 401 -u 'mallory:x' -H "X-Forwarded-For: 192.0.2.2" "$url"
expect 200 -u 'alice:correct horse' -H "X-Forwarded-For: 2001:db8::2" "$url"
# A user name made to forge a log line: it stays inside the quotes of its own line, in the error
# log and the access log alike (the user name ends at the first colon, so a forged line cannot even
# carry a time).
forged=$(printf 'x" (wrong password)\nforged info: auth failed: from=203.0.113.66 user="root" (wrong password):pw' | base64 -w0)
expect 401 -H "Authorization: Basic $forged" -H "X-Forwarded-For: 192.0.2.3" "$url"
wait_until 5 grep -q 'from=192.0.2.3' "$KEEPDAV_LOG" || fail "no line for the forged name"
grep -qF 'info: auth failed: from=192.0.2.3 user="x\" (wrong password)\x0aforged info" (unknown user)' "$KEEPDAV_LOG" ||
    fail "the forged name is not escaped: $(grep 192.0.2.3 "$KEEPDAV_LOG")"
grep -q '^forged' "$KEEPDAV_LOG" && fail "a user name forged a log line"
stop_keepdav

# The shipped filter, for real, on this log: every failure and only the failures, by address.
grep -c 'auth failed:' "$KEEPDAV_LOG" | grep -qx 5 || fail "expected 5 auth failed lines: $(grep 'auth' "$KEEPDAV_LOG")"
matched=$(fail2ban-regex "$KEEPDAV_LOG" "$samples/keepdav.conf" | sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p')
[ "$matched" = 5 ] || fail "fail2ban-regex matched '$matched' lines, wanted 5"
ips=$(fail2ban-regex -o ip "$KEEPDAV_LOG" "$samples/keepdav.conf" | sort | uniq -c | awk '{print $2"x"$1}' | tr '\n' ' ')
[ "$ips" = "192.0.2.1x3 192.0.2.2x1 192.0.2.3x1 " ] || fail "fail2ban saw addresses: $ips"
echo "ok: fail2ban-regex matched 5 lines: $ips"
grep -q '^filter *= *keepdav$' "$samples/keepdav.local" || fail "the jail names no keepdav filter"

# The peer itself when nobody is trusted; --max-login-failures 0: never throttled.
start_keepdav "$root" --state-dir none --auth-file "$keys/users" --max-login-failures 0
for i in $(seq 1 12); do expect 401 -u "alice:guess$i" -H "X-Forwarded-For: 192.0.2.9" "$KEEPDAV_URL/a.txt"; done
expect 200 -u 'alice:correct horse' "$KEEPDAV_URL/a.txt"
grep -q 'auth failed: from=127.0.0.1 user="alice" (wrong password)' "$KEEPDAV_LOG" || fail "the peer's address is not logged"
grep -q 'from=192.0.2.9' "$KEEPDAV_LOG" && fail "an untrusted peer's X-Forwarded-For was believed"
echo "login_throttle: all checks passed"
