#!/usr/bin/env bash
# keepdav behind a TLS-terminating HAProxy: the client's Destination says https://PUBLIC-HOST while
# keepdav sees plain HTTP from 127.0.0.1. With --trusted-proxy, COPY and MOVE succeed and a 102's
# Status-URI names https:// URLs; without it, the Destination is another server's (502), and
# forwarding headers from a peer that is not trusted change nothing. --public-url does the same
# for a proxy that forwards nothing.
set -u
. "$(dirname "$0")/spawn_server.sh"
for tool in haproxy openssl curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d -t keepdav-tlsproxy.XXXXXX)
proxy_pid=
stop_proxy() {
    if [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; then kill -TERM "$proxy_pid"; wait "$proxy_pid" 2>/dev/null; fi
    proxy_pid=
}
trap 'stop_proxy; keepdav_cleanup; rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; echo "--- haproxy:"; tail -10 "$tmp/haproxy.log"; echo "--- keepdav:"; tail -20 "$KEEPDAV_LOG"; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null ||
    fail "openssl could not make a certificate"
cat "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/haproxy.pem"
mkdir -p "$tmp/share/src/sub"
for i in 1 2 3; do echo "file $i" >"$tmp/share/src/f$i.txt"; done
echo deep >"$tmp/share/src/sub/deep.txt"

# HAProxy terminates TLS and says so (X-Forwarded-Proto); it passes Host through unchanged.
run_proxy() { # [keep: on the port already chosen]
    stop_proxy
    [ "${1:-}" = keep ] || port=$(free_port)
    cat >"$tmp/haproxy.cfg" <<CFG
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend tls
	bind 127.0.0.1:$port ssl crt $tmp/haproxy.pem
	option forwardfor
	http-request set-header X-Forwarded-Proto https
	http-request set-header Via "1.1 haproxy"
	default_backend keepdav
backend keepdav
	server keepdav ${KEEPDAV_URL#http://}
CFG
    haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
    proxy_pid=$!
    wait_until 10 listening "$port" || fail "haproxy did not listen"
    public=https://localhost:$port
}
dav() { curl -sk -o "$tmp/body" -w '%{http_code}' "$@"; }

# 1. Trusted: COPY and MOVE with an https:// Destination.
start_keepdav "$tmp/share" --state-dir none --trusted-proxy 127.0.0.1 --test-hooks
run_proxy
code=$(dav -X COPY -H "Destination: $public/copy/" "$public/src/")
[ "$code" = 201 ] || fail "COPY through the TLS proxy: $code $(cat "$tmp/body")"
diff -r "$tmp/share/src" "$tmp/share/copy" || fail "the copy differs"
code=$(dav -X MOVE -H "Destination: $public/moved/" "$public/copy/")
[ "$code" = 201 ] || fail "MOVE through the TLS proxy: $code"
[ -d "$tmp/share/moved" ] && [ ! -e "$tmp/share/copy" ] || fail "MOVE did not move"
# A Destination on another host is still another server's.
code=$(dav -X COPY -H "Destination: https://elsewhere.example:$port/x/" "$public/src/")
[ "$code" = 502 ] || fail "a Destination on another host got $code, not 502"
# The 102s of a held request name the public https:// URL.
curl -sk -v -X PROPFIND -H 'Depth: 0' -H 'Keepdav-Delay: 0.6' -H 'Keepdav-Interim-After: 0.1' \
    -H 'Keepdav-Interim-Interval: 0.1' -H 'Keepdav-Interim-Status-URI: 1' "$public/src/" -o /dev/null 2>"$tmp/verbose"
grep -qi "^< status-uri: 200 <$public/src/\?>" "$tmp/verbose" || fail "Status-URI does not name $public: $(grep -i status-uri "$tmp/verbose" | head -2)"
echo "tls_proxy: trusted proxy: COPY 201, MOVE 201, other host 502, Status-URI $public/src/"

# 2. Not trusted: the same Destination is another server's, and a client's own X-Forwarded-Proto is ignored.
stop_keepdav
start_keepdav "$tmp/share" --state-dir none
run_proxy
code=$(dav -X COPY -H "Destination: $public/copy2/" "$public/src/")
[ "$code" = 502 ] || fail "without --trusted-proxy the https Destination got $code, not 502: the check above proves nothing"
code=$(curl -s -o /dev/null -w '%{http_code}' -X COPY -H "X-Forwarded-Proto: https" \
    -H "Destination: https://${KEEPDAV_URL#http://}/copy3/" "$KEEPDAV_URL/src/")
[ "$code" = 502 ] || fail "an untrusted peer's X-Forwarded-Proto was believed ($code)"
echo "tls_proxy: untrusted: 502 both ways"

# 3. --public-url, for a proxy that forwards nothing.
stop_keepdav
stop_proxy
port=$(free_port) public=https://localhost:$port
start_keepdav "$tmp/share" --state-dir none --public-url "$public"
run_proxy keep
code=$(dav -X COPY -H "Destination: $public/copy4/" "$public/src/")
[ "$code" = 201 ] || fail "COPY with --public-url: $code"
echo "tls_proxy: --public-url: COPY 201"
echo "tls_proxy: all checks passed"
