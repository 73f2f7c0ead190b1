#!/usr/bin/env bash
# Downloads over TLS arrive byte for byte: a multi-MiB body (sent in many TLS records), a range of
# it, a body right at the size where plain TCP switches to sendfile, and a small one; the server
# says once at startup which path its TLS file bodies take.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
root=$(mktemp -d -t keepdav-tls_download.XXXXXX); keys=$(mktemp -d -t keepdav-tls_download.XXXXXX)
trap 'keepdav_cleanup; rm -rf "$root" "$keys"' EXIT
head -c $((12 * 1024 * 1024 + 12345)) /dev/urandom >"$root/big.bin"
head -c $((64 * 1024)) /dev/urandom >"$root/edge.bin"
head -c 4096 /dev/urandom >"$root/small.bin"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$keys/key.pem" -out "$keys/cert.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || fail "openssl"
start_keepdav "$root" --state-dir none --tls-cert "$keys/cert.pem" --tls-key "$keys/key.pem"
https=${KEEPDAV_URL/http:/https:}
get() { curl -sf --cacert "$keys/cert.pem" "$@"; }

for f in big.bin edge.bin small.bin; do
    get -o "$keys/$f" "$https/$f" || fail "GET $f over TLS"
    cmp "$root/$f" "$keys/$f" || fail "GET $f over TLS differs"
    echo "ok: $f byte for byte"
done
# A range in the middle, starting off any record or page boundary.
get -r 1000003-7000002 -o "$keys/range" "$https/big.bin" || fail "range GET over TLS"
cmp <(tail -c +1000004 "$root/big.bin" | head -c 6000000) "$keys/range" || fail "range over TLS differs"
echo "ok: a 6,000,000-byte range byte for byte"
# Two downloads on one connection: the first body's end leaves the stream ready for the next response.
get -o "$keys/one" "$https/big.bin" -o "$keys/two" "$https/small.bin" || fail "two GETs on one TLS connection"
cmp "$root/big.bin" "$keys/one" && cmp "$root/small.bin" "$keys/two" || fail "two GETs on one TLS connection differ"
echo "ok: two bodies on one connection"
length=$(get -I "$https/big.bin" | tr -d '\r' | sed -n 's/^Content-Length: //Ip')
[ "$length" = $((12 * 1024 * 1024 + 12345)) ] || fail "HEAD over TLS says Content-Length $length"

[ "$(grep -c 'file bodies over TLS: ' "$KEEPDAV_LOG")" = 1 ] || fail "no single startup line for the TLS send path"
echo "ok: $(grep -o 'file bodies over TLS: .*' "$KEEPDAV_LOG")"
echo "tls_download: all checks passed"
