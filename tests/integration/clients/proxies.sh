#!/usr/bin/env bash
# Real reverse proxies in front of keepdav, each given a PROPFIND held 1.5 s (about fourteen 102s at
# 0.1 s): keepdav's interim policy must send each only as many 1xx as it survives.
#   Apache 2.4  the 10th 1xx is a 502. Its default mod_proxy adds X-Forwarded-* and no Via: an unnamed
#               proxy, --proxy-interims (4). "ProxyVia On" adds "Via: 1.1 HOST:PORT", which names no
#               product either (4); only "ProxyVia Full" appends "(Apache/2.4.x)": the Apache cap (8).
#   Caddy 2.6   (Go 1.19) the 6th 1xx is a 502. It adds X-Forwarded-* and no Via: 4.
#   HAProxy     relays any number; configured to say so (Via "1.1 haproxy") it gets the stream, which
#               alone keeps the request alive past "timeout server 1s".
#   nginx       by default speaks HTTP/1.0 upstream, and an HTTP/1.0 request never gets a 1xx.
#   lighttpd    relays 1xx; it adds X-Forwarded-For and no Via: an unnamed proxy, 4.
#   Varnish     its X-Varnish names it: no 1xx (its "pass" turns the first into a 503); it pipes
#               WebDAV methods by default.
# nginx and Varnish pass no 102 at all: there a long operation goes Prefer: respond-async, and its
# monitor is polled through the proxy.
# The controls show the counts are what matters: the uncapped stream fails Caddy and Apache, and
# without 102s HAProxy gives up (504).
set -u
. "$(dirname "$0")/spawn_server.sh"
. "$(dirname "$0")/nginx_conf.sh"
for tool in haproxy apache2 caddy nginx lighttpd varnishd curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done

tmp=$(mktemp -d -t keepdav-proxies.XXXXXX)
proxy_pid= proxy_name= proxy_log=
stop_proxy() {
    if [ -n "$proxy_pid" ] && kill -0 "$proxy_pid" 2>/dev/null; then
        kill -TERM "$proxy_pid"; wait "$proxy_pid" 2>/dev/null
    fi
    proxy_pid=
}
cleanup() { stop_proxy; keepdav_cleanup; rm -rf "$tmp"; }
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    if [ -n "$proxy_log" ]; then echo "--- $proxy_name log:"; tail -20 "$proxy_log"; fi
    for f in "$tmp"/*error.log; do [ -s "$f" ] && { echo "--- $f:"; tail -20 "$f"; }; done
    echo "--- keepdav log:"; tail -20 "$KEEPDAV_LOG"
    echo "--- transcript:"; tail -5 "$transcript"
    exit 1
}

transcript=$tmp/transcript.jsonl
mkdir -p "$tmp/share/dir"; echo hello >"$tmp/share/dir/file.txt"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# keepdav with the policy's defaults except for its extra OPTIONS; sets upstream (HOST:PORT)
keepdav() {
    stop_keepdav
    start_keepdav "$tmp/share" --state-dir none --test-hooks --transcript "$transcript" \
        --processing-after 0.1 --processing-interval 0.1 "$@"
    upstream=${KEEPDAV_URL#http://}
}

# Each proxy: write its configuration for $port -> $upstream, run it in the foreground, wait until
# it accepts connections. Sets proxy_url.
start_proxy() {
    local name=$1; shift
    stop_proxy
    proxy_name=$name proxy_log=$tmp/$name.log
    "$@" >"$proxy_log" 2>&1 &
    proxy_pid=$!
    wait_until 10 listening "$port" || fail "$name did not listen on $port"
    kill -0 "$proxy_pid" 2>/dev/null || fail "$name exited"
    proxy_url=http://127.0.0.1:$port
}
run_apache() { # [ProxyVia VALUE]
    local name=apache${1:+-via-$1} dir=$tmp/apache-${1:-default}
    port=$(free_port); mkdir -p "$dir"
    {
        echo "ServerRoot $dir"
        echo "DefaultRuntimeDir $dir"
        echo "PidFile $dir/apache.pid"
        echo "ErrorLog $tmp/$name-error.log"
        echo "ServerName 127.0.0.1"
        echo "Listen 127.0.0.1:$port"
        # As root Apache needs someone to become; as anyone else it stays who it is.
        [ "$(id -u)" != 0 ] || printf 'User www-data\nGroup www-data\n'
        for m in mpm_event authz_core proxy proxy_http; do
            echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
        done
        echo "ProxyPass / http://$upstream/"
        [ -z "${1:-}" ] || echo "ProxyVia $1"
    } >"$dir/apache.conf"
    start_proxy "$name" apache2 -f "$dir/apache.conf" -DFOREGROUND
}
run_caddy() {
    port=$(free_port); mkdir -p "$tmp/caddy"
    cat >"$tmp/caddy/Caddyfile" <<EOF
{
	admin off
	auto_https off
}
http://127.0.0.1:$port {
	reverse_proxy $upstream
}
EOF
    # Caddy keeps an autosave of its configuration under XDG_CONFIG_HOME: this test's, not ~/.config
    start_proxy caddy env XDG_CONFIG_HOME="$tmp/caddy" XDG_DATA_HOME="$tmp/caddy" \
        caddy run --config "$tmp/caddy/Caddyfile" --adapter caddyfile
}
run_haproxy() {
    port=$(free_port)
    cat >"$tmp/haproxy.cfg" <<EOF
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	# shorter than the 1.5 s hold: only the 102s keep the request alive
	timeout server 1s
	option forwardfor
frontend proxies
	bind 127.0.0.1:$port
	# the configuration keepdav's README documents: say it is HAProxy, and get the stream
	http-request set-header Via "1.1 haproxy"
	default_backend keepdav
backend keepdav
	server keepdav $upstream
EOF
    start_proxy haproxy haproxy -f "$tmp/haproxy.cfg" -db
}
run_nginx() {
    port=$(free_port)
    # The Host the client used, so that a Destination naming the proxy names keepdav too.
    nginx_conf "$tmp/nginx" "$port" "location / { proxy_pass http://$upstream; proxy_set_header Host \$http_host; }"
    start_proxy nginx nginx_foreground "$tmp/nginx"
}

run_lighttpd() {
    port=$(free_port)
    cat >"$tmp/lighttpd.conf" <<EOF
server.document-root = "$tmp"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$tmp/lighttpd-error.log"
server.modules = ("mod_proxy")
proxy.server = ("" => (("host" => "${upstream%:*}", "port" => ${upstream##*:})))
EOF
    start_proxy lighttpd lighttpd -D -f "$tmp/lighttpd.conf"
}
run_varnish() {
    port=$(free_port)
    # The builtin VCL: unknown methods (PROPFIND, COPY, ...) are piped, GET and DELETE passed or cached.
    start_proxy varnish varnishd -F -n "$tmp/varnish" -a "127.0.0.1:$port" -b "$upstream" -s malloc,16m
}

# async LABEL: a COPY with Prefer: respond-async through the running proxy, its monitor polled through
# the proxy until done, the copy checked.
async() {
    local label=$1
    mkdir -p "$tmp/share/tree/sub"; for i in 1 2 3; do echo "$i" >"$tmp/share/tree/sub/$i.txt"; done
    rm -rf "$tmp/share/tree-copy"
    headers=$(curl -sS -D - -o /dev/null -X COPY -H "Destination: $proxy_url/tree-copy/" -H 'Prefer: respond-async' \
        "$proxy_url/tree/")
    grep -q '^HTTP/1.1 202' <<<"$headers" || fail "$label: asynchronous COPY: $headers"
    monitor=$(sed -n 's/^Location: \(.*\)\r$/\1/p' <<<"$headers")
    [[ "$monitor" == /* ]] && monitor=$proxy_url$monitor
    [[ "$monitor" == "$proxy_url/.keepdav-operations/"* ]] || fail "$label: the monitor $monitor is not behind the proxy"
    wait_until 10 bash -c "curl -s '$monitor' | grep -q '\"state\":\"done\",.*\"status\":201'" ||
        fail "$label: the monitor never said done: $(curl -s "$monitor")"
    diff -r "$tmp/share/tree" "$tmp/share/tree-copy" || fail "$label: the asynchronous copy differs"
    printf '%-18s 202, monitor polled through the proxy: done\n' "$label (async):"
}

# held LABEL: the held PROPFIND through the running proxy, as curl -v. Its user agent names LABEL (and
# starts with curl/, as curl's own does), to find its transcript line. Sets code, body, client_102
# (the 102s curl saw), and, from the transcript, kd_status, kd_interims, kd_version.
held() {
    local label=$1
    body=$tmp/$label.body
    code=$(curl -sS -v -X PROPFIND -H 'Depth: 1' -H 'Keepdav-Delay: 1.5' -A "curl/proxies.sh-$label" \
        --max-time 20 "$proxy_url/dir/" -o "$body" -w '%{http_code}' 2>"$tmp/$label.curl")
    client_102=$(grep -c '^< HTTP/1.1 102' "$tmp/$label.curl")
    # keepdav writes the line once the request is over: after the response, so maybe after curl ends
    wait_until 5 grep -q "\"user_agent\":\"curl/proxies.sh-$label\"" "$transcript" ||
        fail "$label: keepdav's transcript has no line for the request (curl said $code)"
    read -r kd_status kd_interims kd_version < <(python3 - "$transcript" "curl/proxies.sh-$label" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in rows if r["user_agent"] == sys.argv[2] and r["method"] == "PROPFIND"][-1]
assert all(i["status"] == 102 for i in r["interim"]), r
print(r["status"], len(r["interim"]), r["http_version"])
PY
    )
    [ -n "$kd_interims" ] || fail "$label: cannot read keepdav's transcript"
    printf '%-18s %s, keepdav sent %2s x 102 (status %s, HTTP/%s upstream), client saw %s x 102\n' \
        "$label:" "$code" "$kd_interims" "$kd_status" "$kd_version" "$client_102"
}
listed() { [ "$code" = 207 ] && grep -q '<D:href>/dir/file.txt</D:href>' "$body"; }

keepdav # the defaults: --proxy-interims 4

run_apache
held apache
listed || fail "apache: $code, or the listing lacks file.txt"
[ "$kd_interims" = 4 ] || fail "apache (X-Forwarded-For, no Via): keepdav sent $kd_interims x 102, not 4"

run_apache On
held apache-via-on
listed || fail "apache ProxyVia On: $code, or the listing lacks file.txt"
[ "$kd_interims" = 4 ] || fail "apache ProxyVia On (Via: 1.1 HOST:PORT): keepdav sent $kd_interims x 102, not 4"

run_apache Full
held apache-via-full
listed || fail "apache ProxyVia Full: $code, or the listing lacks file.txt"
[ "$kd_interims" = 8 ] || fail "apache ProxyVia Full (Via names Apache): keepdav sent $kd_interims x 102, not 8"

run_caddy
held caddy
listed || fail "caddy: $code, or the listing lacks file.txt"
[ "$kd_interims" = 4 ] || fail "caddy: keepdav sent $kd_interims x 102, not 4"

run_haproxy
held haproxy
listed || fail "haproxy: $code, or the listing lacks file.txt"
(( kd_interims > 8 )) || fail "haproxy: keepdav sent $kd_interims x 102, not the stream"
[ "$client_102" = "$kd_interims" ] || fail "haproxy relayed $client_102 of keepdav's $kd_interims x 102 to curl"
# The same through a client that reads the bytes as they come: each 102 a status line of its own.
python3 - "$port" <<'PY' || fail "haproxy: a raw client did not see the 102s then the 207"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"PROPFIND /dir/ HTTP/1.1\r\nHost: 127.0.0.1\r\nDepth: 1\r\nKeepdav-Delay: 1.5\r\n"
          b"User-Agent: proxies.sh-raw\r\nConnection: close\r\n\r\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
lines = [l for l in data.split(b"\r\n") if l.startswith(b"HTTP/1.1 ")]
n = sum(l.startswith(b"HTTP/1.1 102 ") for l in lines)
assert n > 8 and lines[-1].startswith(b"HTTP/1.1 207 ") and b"/dir/file.txt" in data, lines
print(f"haproxy (raw):     {n} lines 'HTTP/1.1 102', then {lines[-1].decode()}")
PY

run_nginx
held nginx
listed || fail "nginx: $code, or the listing lacks file.txt"
[ "$kd_version" = 1.0 ] || fail "nginx spoke HTTP/$kd_version upstream, not 1.0"
[ "$kd_interims" = 0 ] || fail "nginx: keepdav sent $kd_interims x 102 to an HTTP/1.0 request"
# Where no 102 gets through, an asynchronous operation does (nginx rewrites the monitor's Location).
async nginx

run_lighttpd
held lighttpd
listed || fail "lighttpd: $code, or the listing lacks file.txt"
[ "$kd_interims" = 4 ] || fail "lighttpd (X-Forwarded-For, no Via): keepdav sent $kd_interims x 102, not 4"
[ "$client_102" = 4 ] || fail "lighttpd relayed $client_102 of keepdav's 4 x 102"

run_varnish
held varnish
listed || fail "varnish: $code, or the listing lacks file.txt"
[ "$kd_interims" = 0 ] || fail "varnish (X-Varnish): keepdav sent $kd_interims x 102, not none"
async varnish

# Controls. The uncapped stream (--proxy-interims stream) fails Caddy at its 6th 1xx and Apache at
# its 10th: without the caps above, those requests would have failed too.
keepdav --proxy-interims stream
run_caddy
held caddy-stream
[ "$code" = 502 ] || fail "caddy survived the uncapped stream ($code): its check above proves nothing"
run_apache
held apache-stream
[ "$code" = 502 ] || fail "apache survived the uncapped stream ($code): its check above proves nothing"
# lighttpd relays the whole stream: --proxy-interims stream (with --trusted-proxy) is safe behind it.
run_lighttpd
held lighttpd-stream
listed || fail "lighttpd did not survive the stream: $code"
(( kd_interims > 8 )) && [ "$client_102" = "$kd_interims" ] || fail "lighttpd relayed $client_102 of $kd_interims x 102"
# Without 102s, "timeout server 1s" ends the 1.5 s request: the stream is what kept it alive.
keepdav --no-processing
run_haproxy
held haproxy-silent
[ "$code" = 504 ] || fail "haproxy did not time out a silent request ($code): its check above proves nothing"
[ "$kd_interims" = 0 ] || fail "keepdav --no-processing sent $kd_interims x 102"

echo "proxies: all checks passed"
