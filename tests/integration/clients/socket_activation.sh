#!/usr/bin/env bash
# keepdav started by socket activation as systemd does it (systemd-socket-activate: LISTEN_FDS with
# a TCP and a unix listening socket, no --listen): both sockets served, READY=1 sent to NOTIFY_SOCKET
# once serving and STOPPING=1 on SIGTERM, and the sample units pass systemd-analyze verify.
set -u
. "$(dirname "$0")/spawn_server.sh"
for tool in systemd-socket-activate curl python3; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d -t keepdav-activation.XXXXXX)
activator_pid= notify_pid=
stop_pid() { if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then kill -TERM "$1"; wait "$1" 2>/dev/null; fi; }
cleanup() { stop_pid "$activator_pid"; stop_pid "$notify_pid"; rm -rf "$tmp"; }
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    echo "--- keepdav:"; tail -20 "$tmp/keepdav.log"
    echo "--- notifications:"; cat "$tmp/notify.txt"
    exit 1
}
expect() { # WHAT EXPECTED ACTUAL
    [ "$2" = "$3" ] || fail "$1: expected $2, got $3"
    echo "ok: $1 ($3)"
}
mkdir -p "$tmp/share"; echo hello >"$tmp/share/file.txt"
: >"$tmp/notify.txt"

# What systemd's NOTIFY_SOCKET is: a datagram socket; every message goes to notify.txt as it comes.
python3 -u - "$tmp/notify.sock" "$tmp/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n")
        out.flush()
PY
notify_pid=$!
wait_until 10 test -S "$tmp/notify.sock" || fail "the notify socket was not made"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sock=$tmp/keepdav.sock
# systemd-socket-activate binds both, waits for the first connection, then execs keepdav in its place
# with the sockets as descriptors 3 and 4 (LISTEN_FDS=2, LISTEN_PID its own).
systemd-socket-activate -l "127.0.0.1:$port" -l "$sock" -E "NOTIFY_SOCKET=$tmp/notify.sock" \
    "$KEEPDAV_BIN" --root "$tmp/share" --state-dir none >"$tmp/keepdav.out" 2>"$tmp/keepdav.log" &
activator_pid=$!
wait_until 10 test -S "$sock" || fail "systemd-socket-activate did not listen"
expect "GET over the inherited TCP socket (starts keepdav)" hello "$(curl -s --max-time 10 "http://127.0.0.1:$port/file.txt")"
ready() { grep -q '^READY=1' "$tmp/notify.txt"; }
wait_until 10 ready || fail "no READY=1"
echo "ok: READY=1 received"
expect "GET over the inherited unix socket" hello "$(curl -s --unix-socket "$sock" http://localhost/file.txt)"
grep -q "^listening on 127.0.0.1:$port$" "$tmp/keepdav.out" || fail "no 'listening on 127.0.0.1:$port': $(cat "$tmp/keepdav.out")"
grep -q "^listening on unix:$sock$" "$tmp/keepdav.out" || fail "no 'listening on unix:$sock': $(cat "$tmp/keepdav.out")"
echo "ok: both inherited sockets announced"
kill -TERM "$activator_pid"; wait "$activator_pid"
expect "exit status after SIGTERM" 0 $?
activator_pid=
grep -q '^STOPPING=1' "$tmp/notify.txt" || fail "no STOPPING=1"
echo "ok: STOPPING=1 received"
# An inherited unix socket belongs to systemd, which removes it: keepdav leaves it alone.
[ -S "$sock" ] || fail "keepdav removed the socket file it was handed"
echo "ok: the inherited socket file is left to its owner"

# The sample units, as systemd itself reads them (where a container lets systemd-analyze run).
units=$here/../../../samples/systemd
if command -v systemd-analyze >/dev/null; then
    mkdir -p "$tmp/units"; cp "$units/keepdav.service" "$units/keepdav.socket" "$tmp/units/"
    # ExecStart must name an existing binary: point it at the one built.
    sed -i "s|/usr/bin/keepdav|$KEEPDAV_BIN|" "$tmp/units/keepdav.service"
    # --man=no: the man page is not installed here. An unknown key is only a warning: any line fails.
    if out=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$tmp/units/keepdav.socket" "$tmp/units/keepdav.service" 2>&1) &&
        [ -z "$out" ]; then
        echo "ok: systemd-analyze verify"
    else
        echo "$out"; fail "systemd-analyze verify found problems"
    fi
fi
echo "PASS"
