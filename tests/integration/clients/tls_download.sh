#!/usr/bin/env bash
# Downloads over TLS arrive byte for byte: a multi-MiB body (sent in many TLS records), a range of
# it, a body right at the size where plain TCP switches to sendfile, and a small one; the server
# says once at startup which path its TLS file bodies take. The write timeout bounds a wait for a
# client to read, not a whole body: a slow reader gets all of it, one that stops reading is cut off.
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
start_keepdav "$root" --state-dir none --test-hooks --write-timeout 1 --tls-cert "$keys/cert.pem" --tls-key "$keys/key.pem"
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
# A request that waited first (here a test hook's hold) has a read in flight that watches for the
# client leaving; its file body then goes through the TLS stream, not in batches beside it.
get -H 'Keepdav-Delay: 0.3' -o "$keys/held" "$https/big.bin" || fail "a held GET over TLS"
cmp "$root/big.bin" "$keys/held" || fail "a held GET over TLS differs"
echo "ok: a body sent after a wait, byte for byte"
length=$(get -I "$https/big.bin" | tr -d '\r' | sed -n 's/^Content-Length: //Ip')
[ "$length" = $((12 * 1024 * 1024 + 12345)) ] || fail "HEAD over TLS says Content-Length $length"

# 12 MiB at 4 MB/s: three times the write timeout, and never a second without progress.
get --limit-rate 4M -o "$keys/slow" "$https/big.bin" || fail "a slow reader was cut off (curl exit $?)"
cmp "$root/big.bin" "$keys/slow" || fail "the slow download differs"
echo "ok: a reader slower than the write timeout gets the whole body"
# A client that asks and then stops reading: once the socket buffers are full, the server gives up
# one write timeout later (its access line says so), and the client finds the body cut short.
python3 - "${KEEPDAV_URL#http://}" "$KEEPDAV_LOG" $((12 * 1024 * 1024 + 12345)) <<'PY' || fail "a client that stopped reading was not cut off"
import socket, ssl, sys, time
address, log, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = address.split(":")
context = ssl.create_default_context()
context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
raw = socket.create_connection((host, int(port)), timeout=10)
raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
conn = context.wrap_socket(raw)
conn.sendall(b"GET /big.bin HTTP/1.1\r\nHost: stalled\r\n\r\n")
got = len(conn.recv(1))  # the response has begun; from here on nothing is read until the server gives up
deadline = time.monotonic() + 8
while "write-error=" not in open(log).read().split('"GET /big.bin HTTP/1.1" 200')[-1]:
    if time.monotonic() > deadline:
        sys.exit("the server never gave up on the client that stopped reading")
    time.sleep(0.05)  # polling the log, with a deadline
try:
    while chunk := conn.recv(1 << 16):
        got += len(chunk)
except (ssl.SSLError, OSError):
    pass
print(f"ok: a client that stopped reading was cut off after {got} of {size} bytes")
sys.exit(0 if got < size else 1)
PY

[ "$(grep -c 'file bodies over TLS: ' "$KEEPDAV_LOG")" = 1 ] || fail "no single startup line for the TLS send path"
echo "ok: $(grep -o 'file bodies over TLS: .*' "$KEEPDAV_LOG")"
echo "tls_download: all checks passed"
