#!/usr/bin/env bash
# keepdav under --prefix /dav, directly and behind nginx routing by path (location /dav/): requests
# outside the prefix are 404; PROPFIND hrefs (streamed and not), a LOCK's lockroot, a COPY whose
# Destination names the prefix, Status-URI and an asynchronous COPY's monitor Location all live under
# it; a Destination outside it is another server's (502).
set -u
. "$(dirname "$0")/spawn_server.sh"
. "$(dirname "$0")/nginx_conf.sh"
for tool in nginx curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
: "${KEEPDAV_PROBE_BIN:?KEEPDAV_PROBE_BIN must point at keepdav-probe}"
tmp=$(mktemp -d -t keepdav-prefix.XXXXXX)
nginx_pid=
cleanup() {
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then kill -TERM "$nginx_pid"; wait "$nginx_pid" 2>/dev/null; fi
    keepdav_cleanup; rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -s "$tmp/nginx-error.log" ] && { echo "--- nginx:"; tail -20 "$tmp/nginx-error.log"; }
    echo "--- keepdav log:"; tail -20 "$KEEPDAV_LOG"
    exit 1
}
expect() { # WHAT EXPECTED ACTUAL
    [ "$2" = "$3" ] || fail "$1: expected $2, got $3"
    echo "ok: $1 ($3)"
}

mkdir -p "$tmp/share/dir/sub"
echo hello >"$tmp/share/dir/file.txt"
for i in 1 2 3; do echo "$i" >"$tmp/share/dir/sub/f$i"; done
start_keepdav "$tmp/share" --prefix /dav --state-dir none --test-hooks --processing-after 0.1 --processing-interval 0.1
direct=$KEEPDAV_URL

# Directly: only the prefix is served.
expect "GET outside the prefix" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$direct/dir/file.txt")"
expect "PROPFIND of / outside the prefix" 404 "$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "$direct/")"
expect "GET under the prefix" hello "$(curl -s "$direct/dav/dir/file.txt")"
expect "PROPFIND /dav (the root, no slash)" 207 "$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 0' "$direct/dav")"

# A browser's HTML index and ?davmount link under the prefix.
index=$(curl -s "$direct/dav/dir/")
for link in 'href="/dav/dir/file.txt"' 'href="/dav/dir/sub/"' 'href="/dav/"'; do
    grep -qF "$link" <<<"$index" || { echo "$index"; fail "the HTML index lacks $link"; }
done
grep -qF "<dm:url>$direct/dav/dir/</dm:url>" <<<"$(curl -s "$direct/dav/dir/?davmount")" || fail "davmount's URL without the prefix"
echo "ok: the HTML index and ?davmount link under the prefix"

# Status-URI names the request under the prefix (a held GET whose 102s carry it).
probe=$("$KEEPDAV_PROBE_BIN" -H 'Keepdav-Delay: 0.4' -H 'Keepdav-Interim-Status-URI: on' "$direct/dav/dir/file.txt" 2>&1)
grep -qi "status-uri: 200 <$direct/dav/dir/file.txt>" <<<"$probe" || { echo "$probe"; fail "Status-URI without the prefix"; }
echo "ok: Status-URI under the prefix"

# nginx routes /dav/ to keepdav, anything else elsewhere.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
nginx_conf "$tmp/nginx" "$port" "location /dav/ { proxy_pass http://${direct#http://}; proxy_set_header Host \$http_host; }
		location / { return 418; }"
nginx_foreground "$tmp/nginx" >"$tmp/nginx.out" 2>&1 &
nginx_pid=$!
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
wait_until 10 listening || fail "nginx did not listen on $port"
proxy=http://127.0.0.1:$port

expect "outside /dav/ nginx answers itself" 418 "$(curl -s -o /dev/null -w '%{http_code}' "$proxy/dir/file.txt")"
expect "GET through nginx" hello "$(curl -s "$proxy/dav/dir/file.txt")"

# PROPFIND Depth 1 of a collection streams its 207: every href under /dav/.
body=$(curl -s -X PROPFIND -H 'Depth: 1' "$proxy/dav/dir/")
hrefs=$(grep -o '<D:href>[^<]*</D:href>' <<<"$body" | sed 's/<[^>]*>//g' | sort | tr '\n' ' ')
expect "streamed PROPFIND hrefs" "/dav/dir/ /dav/dir/file.txt /dav/dir/sub/ " "$hrefs"
body=$(curl -s -X PROPFIND -H 'Depth: 0' "$proxy/dav/dir/file.txt")
expect "PROPFIND Depth 0 href" "/dav/dir/file.txt" "$(grep -o '<D:href>[^<]*</D:href>' <<<"$body" | sed 's/<[^>]*>//g')"

# COPY with a Destination under the prefix, through the proxy's own URL.
expect "COPY to a prefixed Destination" 201 \
    "$(curl -s -o /dev/null -w '%{http_code}' -X COPY -H "Destination: $proxy/dav/copy.txt" "$proxy/dav/dir/file.txt")"
[ "$(cat "$tmp/share/copy.txt" 2>/dev/null)" = hello ] || fail "the copy is not at share/copy.txt"
expect "COPY to a Destination outside the prefix" 502 \
    "$(curl -s -o /dev/null -w '%{http_code}' -X COPY -H "Destination: $proxy/elsewhere.txt" "$proxy/dav/dir/file.txt")"
expect "MOVE to a prefixed absolute path" 201 \
    "$(curl -s -o /dev/null -w '%{http_code}' -X MOVE -H "Destination: /dav/moved.txt" "$proxy/dav/copy.txt")"
[ -f "$tmp/share/moved.txt" ] || fail "the move did not land at share/moved.txt"

# A LOCK's lockroot names the locked resource under the prefix.
lock=$(curl -s -X LOCK -H 'Content-Type: application/xml' --data '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' "$proxy/dav/moved.txt")
grep -q '<D:lockroot><D:href>/dav/moved.txt</D:href></D:lockroot>' <<<"$lock" || { echo "$lock"; fail "lockroot without the prefix"; }
echo "ok: lockroot under the prefix"

# An asynchronous COPY: its monitor is under the prefix, and polled through nginx to done.
headers=$(curl -s -D - -o /dev/null -X COPY -H "Destination: $proxy/dav/dir2/" -H 'Prefer: respond-async' "$proxy/dav/dir/")
grep -q '^HTTP/1.1 202' <<<"$headers" || { echo "$headers"; fail "the asynchronous COPY was not accepted"; }
location=$(sed -n 's/^[Ll]ocation: *\([^\r]*\)\r*$/\1/p' <<<"$headers")
[[ $location == "$proxy/dav/.keepdav-operations/"* ]] || fail "monitor Location $location is not under $proxy/dav/"
echo "ok: monitor Location $location"
done_state() { curl -s "$location" | grep -q '"state":"done"'; }
wait_until 10 done_state || fail "the monitor at $location never said done: $(curl -s "$location")"
[ "$(cat "$tmp/share/dir2/sub/f3")" = 3 ] || fail "the asynchronous copy is incomplete"
echo "ok: asynchronous COPY done through nginx"
expect "the monitor outside the prefix" 404 "$(curl -s -o /dev/null -w '%{http_code}' "$direct/.keepdav-operations/${location##*/}")"
echo "PASS"
