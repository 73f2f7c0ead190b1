#!/usr/bin/env bash
# Faults lose nothing and leave nothing half-written: a full disk during PUT and COPY (507), a client
# that drops mid-upload, a server killed with SIGKILL during a COPY and restarted.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; [ -n "${KEEPDAV_LOG:-}" ] && tail -20 "$KEEPDAV_LOG"; exit 1; }
work=$(mktemp -d -t keepdav-faults.XXXXXX); small="$work/small"; mkdir -p "$small"
# The tmpfs comes off only once the server that had it open has exited (stop_keepdav waits); if it
# will not come off, say so and leave the directory around it alone (rm -rf would empty the mount).
unmount_small() {
    mountpoint -q "$small" || return 0
    umount "$small" && return 0
    echo "FAIL: cannot unmount the test tmpfs at $small; still held by:"
    fuser -vm "$small" 2>&1 | grep -v "^Cannot stat" || true
    return 1
}
cleanup() {
    local rc=$?
    keepdav_cleanup
    unmount_small || exit 1
    rm -rf "$work"
    exit $rc
}
trap cleanup EXIT
temp_names() { find "$1" -name '.keepdav-tmp-*' | head -5; }

# --- a full disk: a 1 MiB tmpfs ---------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m keepdav-faults "$small" 2>/dev/null; then
    head -c 400000 /dev/urandom >"$small/seed.bin"
    start_keepdav "$small" --state-dir none
    head -c 2000000 /dev/urandom >"$work/big.bin"
    code=$(curl -s -o /dev/null -w '%{http_code}' -T "$work/big.bin" "$KEEPDAV_URL/big.bin")
    [ "$code" = 507 ] || fail "PUT onto a full disk got $code, not 507"
    [ ! -e "$small/big.bin" ] || fail "a partial upload is visible"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X COPY -H "Destination: $KEEPDAV_URL/c1.bin" "$KEEPDAV_URL/seed.bin")
    [ "$code" = 201 ] || fail "the first COPY got $code"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X COPY -H "Destination: $KEEPDAV_URL/c2.bin" "$KEEPDAV_URL/seed.bin")
    [ "$code" = 507 ] || fail "COPY onto a full disk got $code, not 507"
    [ ! -e "$small/c2.bin" ] || fail "a partial copy is visible"
    cmp "$small/seed.bin" "$small/c1.bin" || fail "the completed copy differs"
    [ -z "$(temp_names "$small")" ] || fail "temporary files left: $(temp_names "$small")"
    # The server is still fine once there is room again.
    rm -f "$small/c1.bin"
    code=$(printf 'after' | curl -s -o /dev/null -w '%{http_code}' -T - "$KEEPDAV_URL/after.txt")
    [ "$code" = 201 ] && [ "$(cat "$small/after.txt")" = after ] || fail "PUT after freeing space got $code"
    stop_keepdav
    unmount_small || fail "the tmpfs stayed mounted after the server exited"
    echo "ok: full disk -> 507, nothing partial visible"
else
    echo "skipped the full-disk checks: cannot mount a tmpfs here (needs root)"
fi

# --- a client that drops mid-upload -------------------------------------------------------------------
root="$work/root"; mkdir -p "$root"
start_keepdav "$root" --state-dir none
python3 - "${KEEPDAV_URL#http://}" <<'PY' || fail "mid-upload drop"
import socket, sys
host, port = sys.argv[1].split(":")
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(b"PUT /dropped.bin HTTP/1.1\r\nHost: h\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n")
# The server's 100 Continue: it has taken the upload on and reads its body from here.
reply = s.recv(100)
assert reply.startswith(b"HTTP/1.1 100 "), reply
s.sendall(b"x" * 1000000)
s.close()
PY
# Wait until the server has seen the client go (its log says so), then look.
wait_until 10 grep -q "before the body ended" "$KEEPDAV_LOG" || fail "the server did not notice the dropped upload"
[ ! -e "$root/dropped.bin" ] || fail "a dropped upload left a file"
[ -z "$(temp_names "$root")" ] || fail "a dropped upload left a temporary file"
echo "ok: dropped upload leaves nothing"

# --- SIGKILL during a COPY, then a restart -------------------------------------------------------------
mkdir -p "$root/src"
for i in $(seq 1 40); do head -c $((4 << 20)) /dev/urandom >"$root/src/f$i.bin"; done
stop_keepdav
start_keepdav "$root" --state-dir none
curl -s -o /dev/null -X COPY -H "Destination: $KEEPDAV_URL/dst/" "$KEEPDAV_URL/src/" &
curl_pid=$!
dst_has_a_file() { [ -n "$(ls "$root/dst" 2>/dev/null | head -1)" ]; }
wait_until 10 dst_has_a_file || fail "the COPY did not start"
kill -KILL "$KEEPDAV_PID"; wait "$KEEPDAV_PID" 2>/dev/null; KEEPDAV_PID=
wait $curl_pid 2>/dev/null
copied=$(ls "$root/dst" 2>/dev/null | wc -l)
echo "killed with $copied of 40 files copied"
# A crash leftover of the fallback kind (file systems without O_TMPFILE) is swept at start.
touch "$root/src/.keepdav-tmp-424242-1-1"
start_keepdav "$root" --state-dir none
# The sweep runs in the background after "listening on" and logs what it removed.
wait_until 10 grep -q "temporary file(s) left by an earlier run" "$KEEPDAV_LOG" || fail "no sweep of leftovers logged"
[ -z "$(temp_names "$root")" ] || fail "temporary files still there after a restart: $(temp_names "$root")"
for f in "$root"/dst/*; do
    [ -e "$f" ] || continue
    cmp -s "$f" "$root/src/$(basename "$f")" || fail "$(basename "$f") in the copy is incomplete after SIGKILL"
done
listing=$(curl -s -X PROPFIND -H 'Depth: 1' "$KEEPDAV_URL/dst/")
grep -q 'keepdav-tmp' <<<"$listing" && fail "a temporary name is listed to clients"
echo "ok: after SIGKILL and a restart every copied file is complete and no temporary file is visible"
echo "faults: all checks passed"
