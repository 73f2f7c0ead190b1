#!/usr/bin/env bash
# SIGHUP reloads the users of the --config file without dropping connections: a user added, a
# password changed, a download in flight finishing as it started; a bad file keeps the old users and
# says why in the log.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
command -v htpasswd >/dev/null || fail "htpasswd is not installed (apt-get install apache2-utils)"
dir=$(mktemp -d -t keepdav-reload.XXXXXX); trap 'keepdav_cleanup; rm -rf "$dir"' EXIT
mkdir -p "$dir/srv"; echo hello >"$dir/srv/a.txt"
head -c 20000000 /dev/urandom >"$dir/srv/big.bin"
user() { printf '[[user]]\nname = "%s"\npassword = '"'"'%s'"'"'\n' "$1" "$(htpasswd -nbB x "$2" | cut -d: -f2)"; }
{ echo 'state-dir = "none"'; user alice one; } >"$dir/keepdav.toml"
start_keepdav "$dir/srv" --config "$dir/keepdav.toml"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect() { local want=$1; shift; local got; got=$(code "$@"); [ "$got" = "$want" ] || fail "curl $* -> $got, wanted $want"; echo "ok: $want for $*"; }
expect 200 -u alice:one "$KEEPDAV_URL/a.txt"
expect 401 -u bob:two "$KEEPDAV_URL/a.txt"

# A download held open across the reload: a client with a small receive buffer reads 1 MB, then waits
# for the gate file, so the server is still sending 20 MB when the users change.
python3 - "$KEEPDAV_URL" "$dir" <<'PY' &
import base64, hashlib, os, socket, sys, time
url, d = sys.argv[1], sys.argv[2]
host, port = url.split("//")[1].split(":")
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.connect((host, int(port)))
auth = base64.b64encode(b"alice:one").decode()
s.sendall(f"GET /big.bin HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {auth}\r\nConnection: close\r\n\r\n".encode())
data = b""
while len(data) < 1000000:
    chunk = s.recv(65536)
    if not chunk:
        break  # closed early: the check below says the download is incomplete
    data += chunk
open(f"{d}/started", "w").close()
deadline = time.monotonic() + 20
while not os.path.exists(f"{d}/go") and time.monotonic() < deadline:
    time.sleep(0.01)
while chunk := s.recv(1 << 20):
    data += chunk
head, body = data.split(b"\r\n\r\n", 1)
ok = head.startswith(b"HTTP/1.1 200") and hashlib.sha256(body).digest() == hashlib.sha256(open(f"{d}/srv/big.bin", "rb").read()).digest()
open(f"{d}/download.code", "w").write("complete" if ok else f"incomplete: {head[:40]!r} {len(body)} bytes")
PY
download=$!
wait_until 10 test -e "$dir/started" || fail "the download did not start"
{ echo 'state-dir = "none"'; user alice three; user bob two; } >"$dir/keepdav.toml"
kill -HUP "$KEEPDAV_PID"
wait_until 10 grep -q 'SIGHUP: users reloaded: 2' "$KEEPDAV_LOG" || fail "no reload line"
expect 200 -u bob:two "$KEEPDAV_URL/a.txt"
expect 401 -u alice:one "$KEEPDAV_URL/a.txt"
expect 200 -u alice:three "$KEEPDAV_URL/a.txt"
! grep -q '"GET /big.bin' "$KEEPDAV_LOG" || fail "the download was answered before the reload: not in flight"
touch "$dir/go"; wait "$download"
[ "$(cat "$dir/download.code")" = complete ] || fail "the download in flight: $(cat "$dir/download.code")"
echo "ok: a user added, a password changed, the download in flight completed"

# A bad file keeps the old users, and the log says why.
printf 'state-dir = "none"\n[[user]]\nname = "carol"\naccess = "sometimes"\n' >"$dir/keepdav.toml"
kill -HUP "$KEEPDAV_PID"
wait_until 10 grep -q 'not reloaded.*keepdav.toml:4: access must be' "$KEEPDAV_LOG" || fail "no log line for a bad file"
expect 200 -u bob:two "$KEEPDAV_URL/a.txt"
{ echo 'state-dir = "none"'; user carol four; echo "root = \"$dir/missing\""; } >"$dir/keepdav.toml"
kill -HUP "$KEEPDAV_PID"
wait_until 10 grep -q 'not reloaded.*carol.*missing' "$KEEPDAV_LOG" || fail "no log line for a bad root"
expect 200 -u alice:three "$KEEPDAV_URL/a.txt"
expect 401 -u carol:four "$KEEPDAV_URL/a.txt"
kill -0 "$KEEPDAV_PID" || fail "the server is gone"
echo "reload: all checks passed"
