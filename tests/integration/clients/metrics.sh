#!/usr/bin/env bash
# --metrics-listen: a known set of requests, then the endpoint scraped with curl gives exactly their
# counts; promtool accepts the page; anything but GET /metrics is 404 there; off by default.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
command -v promtool >/dev/null || fail "promtool is not installed (apt-get install prometheus)"
command -v htpasswd >/dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
root=$(mktemp -d -t keepdav-metrics.XXXXXX); keys=$(mktemp -d -t keepdav-metrics.XXXXXX)
trap 'keepdav_cleanup; rm -rf "$root" "$keys"' EXIT
echo hello >"$root/a.txt"
head -c 1000 /dev/zero >"$keys/upload.bin"
htpasswd -B -C 5 -b -c "$keys/users" alice 'correct horse' 2>/dev/null
start_keepdav "$root" --state-dir none --auth-file "$keys/users" --test-hooks --metrics-listen 127.0.0.1:0
wait_until 5 grep -q 'metrics on ' "$KEEPDAV_LOG" || fail "no 'metrics on' line"
metrics_url="http://$(sed -n 's/.*metrics on \([^ ]*\) .*/\1/p' "$KEEPDAV_LOG")/metrics"
c() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(c "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; }
u=(-u 'alice:correct horse')
for i in 1 2 3; do expect 200 "${u[@]}" "$KEEPDAV_URL/a.txt"; done
expect 200 "${u[@]}" -H 'Keepdav-Interim-Count: 2' -H 'Keepdav-Interim-Interval: 0.05' "$KEEPDAV_URL/a.txt"
expect 201 "${u[@]}" -T "$keys/upload.bin" "$KEEPDAV_URL/up.bin"
expect 404 "${u[@]}" "$KEEPDAV_URL/missing"
expect 207 "${u[@]}" -X PROPFIND -H 'Depth: 0' "$KEEPDAV_URL/"
expect 401 "$KEEPDAV_URL/a.txt"
expect 401 -u 'alice:wrong' "$KEEPDAV_URL/a.txt"
expect 404 "${metrics_url%/metrics}/"
expect 404 -X POST "$metrics_url"
# Each curl closed its connection; the server's side closes a moment later.
wait_until 5 bash -c "curl -s '$metrics_url' | grep -qx 'keepdav_connections_open 0'" || fail "connections still open"
page=$(curl -s -D "$keys/headers" "$metrics_url")
grep -qi '^Content-Type: text/plain; version=0.0.4' "$keys/headers" || fail "content type: $(cat "$keys/headers")"
want() { grep -qxF "$1" <<<"$page" || fail "no line '$1' in:
$page"; echo "ok: $1"; }
want 'keepdav_requests_total{method="GET",code="200"} 4'
want 'keepdav_requests_total{method="GET",code="401"} 2'
want 'keepdav_requests_total{method="GET",code="404"} 1'
want 'keepdav_requests_total{method="PUT",code="201"} 1'
want 'keepdav_requests_total{method="PROPFIND",code="207"} 1'
[ "$(grep -c '^keepdav_requests_total{' <<<"$page")" = 5 ] || fail "other request series: $(grep '^keepdav_requests_total{' <<<"$page")"
want 'keepdav_request_duration_seconds_count 9'
want 'keepdav_request_duration_seconds_bucket{le="+Inf"} 9'
want 'keepdav_request_body_bytes_total 1000'
want 'keepdav_interim_responses_total{code="102"} 2'
want 'keepdav_failed_logins_total 1'
want 'keepdav_throttled_logins_total 0'
want 'keepdav_operations_running 0'
out=$(sed -n 's/^keepdav_response_body_bytes_total //p' <<<"$page")
[ "${out:-0}" -ge 24 ] || fail "response bytes $out (4 GETs of 6 bytes at least)"
promtool check metrics <<<"$page" || fail "promtool rejects the page"
echo "ok: promtool check metrics"
stop_keepdav

# Off by default: no metrics line, nothing listening for them.
start_keepdav "$root" --state-dir none
expect 200 "$KEEPDAV_URL/a.txt"
grep -q 'metrics on' "$KEEPDAV_LOG" && fail "metrics served without --metrics-listen"
echo "metrics: all checks passed"
