#!/usr/bin/env bash
# keepdav on a unix socket (--listen unix:PATH): curl --unix-socket, the socket file's mode, a stale
# file taken over and a live one refused, the file removed at exit, the peer logged as a unix one and
# trusted as a local proxy (its X-Forwarded-Host is believed), and nginx and HAProxy in front over it.
set -u
. "$(dirname "$0")/spawn_server.sh"
. "$(dirname "$0")/nginx_conf.sh"
for tool in nginx haproxy curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d -t keepdav-unix.XXXXXX)
proxy_pid=
stop_proxy() {
    if [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; then kill -TERM "$proxy_pid"; wait "$proxy_pid" 2>/dev/null; fi
    proxy_pid=
}
cleanup() { stop_proxy; keepdav_cleanup; rm -rf "$tmp"; }
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$tmp"/*.log; do [ -s "$f" ] && { echo "--- $f:"; tail -20 "$f"; }; done
    echo "--- keepdav log:"; tail -20 "$KEEPDAV_LOG"
    exit 1
}
expect() { # WHAT EXPECTED ACTUAL
    [ "$2" = "$3" ] || fail "$1: expected $2, got $3"
    echo "ok: $1 ($3)"
}
sock=$tmp/keepdav.sock
mkdir -p "$tmp/share/dir"; echo hello >"$tmp/share/dir/file.txt"

# A stale socket file (its server gone without removing it) is taken over.
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$sock"
[ -S "$sock" ] || fail "no stale socket made"
start_keepdav "$tmp/share" --state-dir none --listen "unix:$sock" --test-hooks --processing-after 0.1 --processing-interval 0.1
[ -S "$sock" ] || fail "no socket at $sock"
expect "socket file mode" 660 "$(stat -c %a "$sock")"
expect "GET over the unix socket" hello "$(curl -s --unix-socket "$sock" http://localhost/dir/file.txt)"
expect "PUT over the unix socket" 201 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -T - http://localhost/new.txt <<<"put")"
expect "PROPFIND over the unix socket" 207 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X PROPFIND -H 'Depth: 1' http://localhost/dir/)"
grep -q "unix:uid=$(id -u) - .*GET /dir/file.txt HTTP/1.1\" 200" "$KEEPDAV_LOG" || fail "the access log does not name the unix peer"
echo "ok: access log names the peer unix:uid=$(id -u)"
# A unix-socket peer is a local proxy: the host it forwards is believed (not over TCP).
expect "COPY naming the forwarded host, over the unix socket" 201 "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
    -X COPY -H 'X-Forwarded-Host: dav.example.com' -H 'Destination: http://dav.example.com/copy.txt' http://localhost/dir/file.txt)"
expect "the same over TCP" 502 "$(curl -s -o /dev/null -w '%{http_code}' \
    -X COPY -H 'X-Forwarded-Host: dav.example.com' -H 'Destination: http://dav.example.com/copy2.txt' "$KEEPDAV_URL/dir/file.txt")"
# ... and, as a proxy that does not name itself, gets --proxy-interims (4) 1xx of a held request.
interims() { grep -c '^HTTP/1.1 102' <<<"$1"; }
expect "102s to a unix-socket peer" 4 "$(interims "$(curl -s -D - -o /dev/null --unix-socket "$sock" -H 'Keepdav-Delay: 1' http://localhost/dir/file.txt)")"

# A socket another keepdav listens on is not taken: the second exits 1 and says so.
"$KEEPDAV_BIN" --root "$tmp/share" --state-dir none --listen "unix:$sock" >/dev/null 2>"$tmp/second.log"
expect "a second server on a live socket exits" 1 $?
grep -q "another server listens on it" "$tmp/second.log" || fail "no reason given: $(cat "$tmp/second.log")"
expect "the first still serves" hello "$(curl -s --unix-socket "$sock" http://localhost/dir/file.txt)"
"$KEEPDAV_BIN" --root "$tmp/share" --listen "unix:" >/dev/null 2>&1
expect "--listen unix: with no path" 2 $?
"$KEEPDAV_BIN" --root "$tmp/share" --listen "unix:$sock" --socket-mode 999 >/dev/null 2>&1
expect "--socket-mode 999" 2 $?

# nginx in front over the socket.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
nginx_conf "$tmp/nginx" "$port" "location / { proxy_pass http://unix:$sock:; proxy_set_header Host \$http_host; }"
# As root nginx's workers become nobody:nogroup, who must reach the socket: through the directory,
# and by the socket's group (mode 0660), as a proxy's group is given access in production.
if [ "$(id -u)" = 0 ]; then chmod 0711 "$tmp"; chgrp nogroup "$sock"; fi
nginx_foreground "$tmp/nginx" >"$tmp/nginx.log" 2>&1 &
proxy_pid=$!
wait_until 10 listening || fail "nginx did not listen on $port"
expect "GET through nginx over the unix socket" hello "$(curl -s "http://127.0.0.1:$port/dir/file.txt")"
expect "COPY through nginx over the unix socket" 201 "$(curl -s -o /dev/null -w '%{http_code}' -X COPY \
    -H "Destination: http://127.0.0.1:$port/dir/copy3.txt" "http://127.0.0.1:$port/dir/file.txt")"
stop_proxy

# HAProxy in front over the socket; it relays 102s (Via names it).
cat >"$tmp/haproxy.cfg" <<CONF
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend dav
    bind 127.0.0.1:$port
    http-request set-header Via "1.1 haproxy"
    default_backend keepdav
backend keepdav
    server keepdav unix@$sock
CONF
haproxy -f "$tmp/haproxy.cfg" -db >"$tmp/haproxy.log" 2>&1 &
proxy_pid=$!
wait_until 10 listening || fail "HAProxy did not listen on $port"
expect "PROPFIND through HAProxy over the unix socket" 207 "$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 1' "http://127.0.0.1:$port/dir/")"
# HAProxy names itself in Via: the stream of 102s, about one per 0.1 s of the 1 s hold.
n=$(interims "$(curl -s -D - -o /dev/null -H 'Keepdav-Delay: 1' "http://127.0.0.1:$port/dir/file.txt")")
[ "$n" -gt 4 ] || fail "HAProxy over the unix socket got $n 102s, not the stream"
echo "ok: HAProxy over the unix socket gets the stream ($n 102s)"
stop_proxy

# At exit the socket file goes.
stop_keepdav
[ ! -e "$sock" ] || fail "the socket file outlived the server"
echo "ok: socket file removed at exit"
echo "PASS"
