#!/usr/bin/env bash
# keepdav-probe against the built server: a COPY of a tree, watched with a read timeout far shorter
# than the copy is allowed to take. The 102s arrive, the copy completes, the trees are identical.
set -u
. "$(dirname "$0")/spawn_server.sh"
: "${KEEPDAV_PROBE_BIN:?}"
fail() { echo "FAIL: $*"; [ -n "${KEEPDAV_LOG:-}" ] && tail -20 "$KEEPDAV_LOG"; exit 1; }
root=$(mktemp -d -t keepdav-probe_copy.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root"' EXIT
mkdir -p "$root/src/a/b"
for i in $(seq 1 20); do head -c $((8 * 1024 * 1024)) /dev/urandom >"$root/src/a/f$i.bin"; done
echo small >"$root/src/a/b/small.txt"
start_keepdav "$root" --processing-after 0.001 --processing-interval 0.002

"$KEEPDAV_PROBE_BIN" -X COPY -H "Destination: $KEEPDAV_URL/dst/" --read-timeout 5 "$KEEPDAV_URL/src/" >"$root/probe.out"
rc=$?
cat "$root/probe.out"
[ $rc = 0 ] || fail "keepdav-probe exited $rc"
grep -q "^+[0-9.]*s 201 Created" "$root/probe.out" || fail "no 201 final response"
grep -q "^+[0-9.]*s 102 Processing" "$root/probe.out" || fail "no 102 Processing seen"
grep -qi "Keepdav-Progress: items=" "$root/probe.out" || fail "no progress header on the 102s"
diff -r "$root/src" "$root/dst" || fail "destination differs from source"
[ -z "$(find "$root" -name '.keepdav-tmp-*')" ] || fail "temporary files left"

# HTTP/1.0: the same copy, not one 1xx.
"$KEEPDAV_PROBE_BIN" -X COPY -H "Destination: $KEEPDAV_URL/dst10/" --http1.0 "$KEEPDAV_URL/src/" >"$root/probe10.out" || fail "HTTP/1.0 copy failed"
cat "$root/probe10.out"
grep -q "^interim responses: 0$" "$root/probe10.out" || fail "HTTP/1.0 client got a 1xx"

# --async: 202 at once, the monitor followed to the end with a progress line, the same tree.
"$KEEPDAV_PROBE_BIN" --async --poll-interval 0.02 -X COPY -H "Destination: $KEEPDAV_URL/dst_async/" "$KEEPDAV_URL/src/" \
    >"$root/async.out" 2>"$root/async.err"
rc=$?
cat "$root/async.out" "$root/async.err"
[ $rc = 0 ] || fail "keepdav-probe --async exited $rc"
grep -q "^COPY: 202 Accepted, monitor $KEEPDAV_URL/.keepdav-operations/" "$root/async.out" || fail "no 202 with a monitor"
tail -1 "$root/async.err" | grep -q "^\[####################\] 100% 24/24 items, 160.0 MiB/160.0 MiB, .*, done (201)$" ||
    fail "the last progress line does not say done at 100%"
diff -r "$root/src" "$root/dst_async" || fail "asynchronous copy differs from source"
# A failing one exits 1 and says why: the destination's parent does not exist (409).
"$KEEPDAV_PROBE_BIN" --async -X COPY -H "Destination: $KEEPDAV_URL/no/such/dst/" "$KEEPDAV_URL/src/" >"$root/async409.out" 2>&1
rc=$?
cat "$root/async409.out"
[ $rc = 1 ] || fail "keepdav-probe --async of a failing COPY exited $rc"

# The probe's own contract: a read timeout exits 3 (nothing listens behind this held-open socket).
python3 - "$KEEPDAV_PROBE_BIN" <<'PY' || fail "probe read-timeout exit status"
import socket, subprocess, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
port = s.getsockname()[1]
p = subprocess.run([sys.argv[1], "--read-timeout", "0.3", f"http://127.0.0.1:{port}/"], capture_output=True, text=True)
print(p.stdout)
sys.exit(0 if p.returncode == 3 and "read timeout" in p.stdout else 1)
PY
echo "probe_copy: all checks passed"
