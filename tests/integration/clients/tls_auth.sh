#!/usr/bin/env bash
# The doors: HTTPS only on a TLS port, Basic authentication on every method, a read-only mode.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
command -v htpasswd >/dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
root=$(mktemp -d -t keepdav-tls_auth.XXXXXX); keys=$(mktemp -d -t keepdav-tls_auth.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root" "$keys"' EXIT
echo hello >"$root/a.txt"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$keys/key.pem" -out "$keys/cert.pem" -days 2 \
    -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || fail "openssl"
htpasswd -B -b -c "$keys/users" alice 'correct horse' 2>/dev/null
htpasswd -5 -b "$keys/users" bob 'battery staple' 2>/dev/null
start_keepdav "$root" --state-dir none --tls-cert "$keys/cert.pem" --tls-key "$keys/key.pem" \
    --auth-file "$keys/users" --test-hooks
https=${KEEPDAV_URL/http:/https:}
c() { curl -s --cacert "$keys/cert.pem" -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(c "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; echo "ok: $want for $*"; }

expect 401 "$https/a.txt"
curl -s --cacert "$keys/cert.pem" -D - -o /dev/null "$https/a.txt" | grep -qi '^WWW-Authenticate: Basic realm="keepdav"' \
    || fail "no WWW-Authenticate challenge"
expect 401 -u 'alice:wrong' "$https/a.txt"
expect 401 -u 'mallory:correct horse' "$https/a.txt"
expect 200 -u 'alice:correct horse' "$https/a.txt"
expect 200 -u 'bob:battery staple' "$https/a.txt"
for method in OPTIONS PROPFIND PUT DELETE MKCOL LOCK; do expect 401 -X "$method" "$https/x"; done
expect 201 -u 'bob:battery staple' -T "$keys/cert.pem" "$https/up.pem"
cmp "$root/up.pem" "$keys/cert.pem" || fail "upload over TLS differs"
# 102s over TLS.
out=$(curl -s -v --cacert "$keys/cert.pem" -u 'alice:correct horse' -H 'Keepdav-Interim-Count: 2' \
    -H 'Keepdav-Interim-Interval: 0.1' "$https/a.txt" 2>&1)
[ "$(grep -c '^< HTTP/1.1 102 Processing' <<<"$out")" = 2 ] || fail "102s over TLS: $out"
# An asynchronous operation's monitor is its owner's alone, and named with the scheme the client used.
mkdir -p "$root/olddir/sub" && echo x >"$root/olddir/sub/x.txt"
headers=$(curl -s --cacert "$keys/cert.pem" -u 'alice:correct horse' -D - -o /dev/null -X DELETE \
    -H 'Prefer: respond-async' "$https/olddir/")
grep -q '^HTTP/1.1 202' <<<"$headers" || fail "async DELETE: $headers"
monitor=$(sed -n 's/^Location: \(.*\)\r$/\1/p' <<<"$headers")
[[ "$monitor" == "$https/.keepdav-operations/"* ]] || fail "monitor URL $monitor"
expect 401 "$monitor"
expect 404 -u 'bob:battery staple' "$monitor"
expect 404 -u 'bob:battery staple' -X DELETE "$monitor"
wait_until 10 bash -c "curl -s --cacert '$keys/cert.pem' -u 'alice:correct horse' '$monitor' | grep -q '\"state\":\"done\"'" ||
    fail "alice's monitor never said done"
[ ! -e "$root/olddir" ] || fail "the asynchronous DELETE left olddir"
# No plain HTTP on the TLS port.
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$KEEPDAV_URL/a.txt")
[ "$code" = 000 ] || fail "plain HTTP on the TLS port got $code"
stop_keepdav

# Read-only: every method that writes is 403, reads work.
start_keepdav "$root" --state-dir none --read-only
expect 200 "$KEEPDAV_URL/a.txt"
expect 207 -X PROPFIND -H 'Depth: 1' "$KEEPDAV_URL/"
expect 403 -T "$keys/cert.pem" "$KEEPDAV_URL/new.pem"
expect 403 -X DELETE "$KEEPDAV_URL/a.txt"
expect 403 -X MKCOL "$KEEPDAV_URL/dir"
expect 403 -X COPY -H "Destination: $KEEPDAV_URL/b.txt" "$KEEPDAV_URL/a.txt"
expect 403 -X MOVE -H "Destination: $KEEPDAV_URL/b.txt" "$KEEPDAV_URL/a.txt"
expect 403 -X PROPPATCH --data '<D:propertyupdate xmlns:D="DAV:"/>' "$KEEPDAV_URL/a.txt"
expect 403 -X LOCK --data '<D:lockinfo xmlns:D="DAV:"/>' "$KEEPDAV_URL/a.txt"
[ -f "$root/a.txt" ] && [ ! -e "$root/new.pem" ] && [ ! -e "$root/b.txt" ] || fail "a read-only server changed the tree"
echo "tls_auth: all checks passed"
