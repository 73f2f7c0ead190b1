#!/usr/bin/env bash
# rclone (Go 1.19: its 6th 1xx fails the request) against a request held long enough for about ten
# 102s: with the default policy it gets four and succeeds; the same request under another user agent
# gets the whole stream, and rclone fails — which shows the cap is what saves it.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -30 "$KEEPDAV_LOG"; exit 1; }
command -v rclone >/dev/null || fail "rclone is not installed (apt-get install rclone)"
root=$(mktemp -d -t keepdav-rclone1xx.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root"' EXIT
transcript=$root.transcript
mkdir -p "$root/share/dir"; echo hello >"$root/share/dir/file.txt"
start_keepdav "$root/share" --state-dir none --test-hooks --transcript "$transcript" \
    --processing-after 0.1 --processing-interval 0.1
export RCLONE_CONFIG=/dev/null
remote=":webdav,url='$KEEPDAV_URL/',vendor=other:"
held=(--header "Keepdav-Delay: 1.2" --timeout 10s --low-level-retries 1 --retries 1)

out=$(rclone lsf "${held[@]}" "${remote}dir" 2>&1) || fail "rclone failed on a held request: $out"
[ "$out" = "file.txt" ] || fail "rclone listed: $out"
python3 - "$transcript" <<'PY' || fail "the transcript does not show a capped request"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
held = [l for l in lines if l["user_agent"].startswith("rclone/") and l["method"] == "PROPFIND"]
assert held, lines
r = held[-1]
assert r["status"] == 207, r
n = len(r["interim"])
assert n == 4, f"rclone got {n} interim responses, not 4"
print(f"rclone: PROPFIND held 1.2 s, {n} x 102, then {r['status']}")
PY

# The control: the same request as another client gets the stream, and Go gives up at the 6th.
if out=$(rclone lsf "${held[@]}" --user-agent "curl/7.88.1" "${remote}dir" 2>&1); then
    fail "rclone survived the uncapped stream: the test above proves nothing ($out)"
fi
grep -q "too many 1xx" <<<"$out" || fail "rclone failed, but not on the 1xx count: $out"
echo "rclone_interims: all checks passed"
