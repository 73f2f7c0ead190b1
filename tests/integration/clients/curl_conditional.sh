#!/usr/bin/env bash
# curl for Range and conditional requests against the built server.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
root=$(mktemp -d -t keepdav-curl_conditional.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root"' EXIT
printf '0123456789abcdefghij' >"$root/f.txt"
start_keepdav "$root" --state-dir none
u="$KEEPDAV_URL/f.txt"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(code "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; echo "ok: $want for $*"; }

[ "$(curl -s -r 2-5 "$u")" = "2345" ] || fail "bytes 2-5"
[ "$(curl -s -r -3 "$u")" = "hij" ] || fail "suffix range"
[ "$(curl -s -r 15- "$u")" = "fghij" ] || fail "open range"
curl -s -D - -o /dev/null -r 2-5 "$u" | grep -qi '^Content-Range: bytes 2-5/20' || fail "Content-Range"
expect 206 -r 0-0 "$u"
expect 416 -r 50-60 "$u"
curl -s -D - -o /dev/null -r 50-60 "$u" | grep -qi '^Content-Range: bytes \*/20' || fail "416 Content-Range"
etag=$(curl -s -D - -o /dev/null "$u" | sed -n 's/^ETag: *//Ip' | tr -d '\r')
modified=$(curl -s -D - -o /dev/null "$u" | sed -n 's/^Last-Modified: *//Ip' | tr -d '\r')
[ -n "$etag" ] && [ -n "$modified" ] || fail "no validators"
expect 304 -H "If-None-Match: $etag" "$u"
expect 200 -H 'If-None-Match: "other"' "$u"
expect 304 -H "If-Modified-Since: $modified" "$u"
expect 200 -H "If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT" "$u"
expect 412 -H 'If-Match: "other"' "$u"
expect 200 -H "If-Match: $etag" "$u"
expect 206 -r 0-1 -H "If-Range: $etag" "$u"
expect 200 -r 0-1 -H 'If-Range: "stale"' "$u"
expect 412 -X PUT --data new -H 'If-Match: "other"' "$u"
expect 412 -X PUT --data new -H 'If-None-Match: *' "$u"
expect 201 -X PUT --data new -H 'If-None-Match: *' "$KEEPDAV_URL/created.txt"
[ "$(cat "$root/f.txt")" = "0123456789abcdefghij" ] || fail "a failed conditional PUT changed the file"
headers=$(curl -s -I "$u")
grep -qi '^Content-Length: 20' <<<"$headers" || fail "HEAD Content-Length"
# Two HEADs on one connection: a body after the first would garble the second response.
two=$(curl -s -v -I "$u" "$u" 2>&1)
[ "$(grep -c '^HTTP/1.1 200' <<<"$two")" = 2 ] || fail "HEAD twice on one connection: $two"
grep -q 'Re-using existing connection' <<<"$two" || fail "curl did not reuse the connection after HEAD"
echo "curl_conditional: all checks passed"
