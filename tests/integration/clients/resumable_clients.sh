#!/usr/bin/env bash
# Resumable uploads with real clients: curl -v shows the 104 naming the upload resource; a 10 MB
# upload goes through nginx with client_max_body_size 1m as a creation and nine appends of 1 MB; the
# Node sample resumes an upload after a deliberate Keepdav-Close-After; tus-js-client (its IETF draft
# mode), when installed, uploads through keepdav's upload resources.
set -u
. "$(dirname "$0")/spawn_server.sh"
. "$(dirname "$0")/nginx_conf.sh"
for tool in curl nginx python3 cmp; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
samples=$(cd "$(dirname "$0")/../../../samples" && pwd)
tmp=$(mktemp -d -t keepdav-resumable.XXXXXX)
nginx_pid=
trap '[ -z "$nginx_pid" ] || { kill -TERM "$nginx_pid"; wait "$nginx_pid" 2>/dev/null; }; keepdav_cleanup; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- keepdav:"; tail -20 "$KEEPDAV_LOG"; [ ! -f "$tmp/nginx-error.log" ] || tail -5 "$tmp/nginx-error.log"; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
mkdir -p "$tmp/share"
draft='Upload-Draft-Interop-Version: 8'
# Where keepdav can tell nginx from a client (X-Forwarded-For), it sends it no 1xx (README: nginx takes one as final).
start_keepdav "$tmp/share" --state-dir "$tmp/state" --test-hooks --proxy-interims 0

# 1. curl -v prints the interim responses: the 104 names the upload resource.
head -c 300000 /dev/urandom >"$tmp/small.bin"
curl -sS -v -X PUT -H 'Upload-Complete: ?1' -H "$draft" --data-binary @"$tmp/small.bin" "$KEEPDAV_URL/small.bin" \
    -o /dev/null 2>"$tmp/curl.txt" || fail "curl PUT failed"
grep -q '^< HTTP/1.1 104 Upload Resumption Supported' "$tmp/curl.txt" || fail "curl saw no 104: $(grep '^<' "$tmp/curl.txt")"
grep -qi '^< location: http://127.0.0.1:[0-9]*/.keepdav-uploads/[0-9a-f]\{32\}' "$tmp/curl.txt" || fail "the 104 names no upload resource"
grep -q '^< HTTP/1.1 201' "$tmp/curl.txt" || fail "curl: no 201 after the 104"
cmp -s "$tmp/small.bin" "$tmp/share/small.bin" || fail "curl's upload differs"
echo "ok: curl -v shows the 104 with the upload's Location, then 201"

# 2. 10 MB through nginx, which takes bodies of at most 1 MB: a creation with the first piece, then appends.
port=$(free_port)
# Bodies stay in memory: nginx's workers may not write into this test's private directory.
nginx_conf "$tmp/nginx" "$port" "client_max_body_size 1m;
		client_body_buffer_size 2m;
		location / {
			proxy_pass http://${KEEPDAV_URL#http://};
			proxy_http_version 1.1;
			proxy_set_header Host \$http_host;
			proxy_set_header X-Forwarded-For \$remote_addr;
		}"
nginx_foreground "$tmp/nginx" &
nginx_pid=$!
wait_until 10 listening "$port" || fail "nginx did not start"
proxy="http://127.0.0.1:$port"
head -c 10000000 /dev/urandom >"$tmp/big.bin"
code=$(curl -sS -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$tmp/big.bin" "$proxy/whole.bin")
[ "$code" = 413 ] || fail "nginx let a 10 MB body through ($code)"
piece=1000000
head -c $piece "$tmp/big.bin" >"$tmp/piece"
curl -sS -D "$tmp/h" -o /dev/null -X PUT -H 'Upload-Complete: ?0' -H "$draft" -H 'Upload-Length: 10000000' \
    --data-binary @"$tmp/piece" "$proxy/big.bin" || fail "creation through nginx failed"
grep -q '^HTTP/1.1 201' "$tmp/h" || fail "creation through nginx: $(head -1 "$tmp/h")"
location=$(grep -i '^location:' "$tmp/h" | tr -d '\r' | cut -d' ' -f2)
case $location in "$proxy"/.keepdav-uploads/*) ;; *) fail "the upload's Location is not nginx's: $location" ;; esac
for i in 1 2 3 4 5 6 7 8 9; do
    complete='?0'; [ $i = 9 ] && complete='?1'
    tail -c +$((i * piece + 1)) "$tmp/big.bin" | head -c $piece >"$tmp/piece"
    code=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -H "Upload-Complete: $complete" -H "Upload-Offset: $((i * piece))" \
        -H 'Content-Type: application/partial-upload' -H "$draft" --data-binary @"$tmp/piece" "$location")
    { [ $i -lt 9 ] && [ "$code" = 204 ]; } || { [ $i = 9 ] && [ "$code" = 201 ]; } || fail "append $i through nginx: $code"
done
cmp -s "$tmp/big.bin" "$tmp/share/big.bin" || fail "the 10 MB upload through nginx differs"
echo "ok: 10 MB through nginx (client_max_body_size 1m) in ten pieces, byte for byte"

# 3. The Node sample: 104s seen, the connection dropped on purpose, the upload resumed and completed.
if command -v node >/dev/null; then
    out=$(node "$samples/clients/node_resumable.mjs" "$KEEPDAV_URL/resumed.bin" 2>&1) || fail "node sample: $out"
    grep -q '104 Upload Resumption Supported.*location' <<<"$out" || fail "node saw no 104 with a location: $out"
    grep -q 'the same bytes' <<<"$out" || fail "node sample: $out"
    echo "ok: the Node sample resumes after Keepdav-Close-After"

    # 4. tus-js-client, in its IETF draft mode, when it is installed (tools/install-deps.sh).
    tus=$(npm root -g 2>/dev/null)/tus-js-client
    if [ -d "$tus" ]; then
        out=$(NODE_PATH=$(npm root -g) node "$(dirname "$0")/tus_upload.cjs" "$KEEPDAV_URL/tus.bin" "$tmp/small.bin" 2>&1) ||
            fail "tus-js-client: $out"
        cmp -s "$tmp/small.bin" "$tmp/share/tus.bin" || fail "tus-js-client's upload differs: $out"
        echo "ok: tus-js-client ($out)"
    else
        echo "skipped: tus-js-client is not installed"
    fi
else
    echo "skipped: node is not installed"
fi
echo "resumable_clients: all checks passed"
