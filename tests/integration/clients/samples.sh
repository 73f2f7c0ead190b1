#!/usr/bin/env bash
# The client samples in samples/clients run against keepdav in test mode and succeed: the Python one
# shows the http.client pitfall and its fix, curl and Node.js see the 102s.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -20 "$KEEPDAV_LOG"; exit 1; }
samples=$(cd "$(dirname "$0")/../../../samples" && pwd)
trap keepdav_cleanup EXIT
start_keepdav "$samples/share" --state-dir none --test-hooks
url="$KEEPDAV_URL/README.txt"

out=$(python3 "$samples/clients/python_http_client.py" "$url" 2.5) || fail "python sample: $out"
echo "$out"
grep -q "naive http.client: status 102" <<<"$out" || fail "the pitfall did not show"
grep -q "fixed http.client: status 200 OK, body 238 bytes, after 2 interim responses" <<<"$out" || fail "the fix did not work"
grep -q "same connection, next request: status 200" <<<"$out" || fail "the connection fell out of step"

out=$(bash "$samples/clients/curl.sh" "$url" 2.5) || fail "curl sample: $out"
echo "$out"
[ "$(grep -c '^< HTTP/1.1 102 Processing' <<<"$out")" -ge 1 ] || fail "curl saw no 102"
grep -q "^final: 200" <<<"$out" || fail "curl had no final 200"

if command -v node >/dev/null; then
    out=$(node "$samples/clients/node_client.mjs" "$url" 2.5) || fail "node sample: $out"
    echo "$out"
    grep -q "^final: 200" <<<"$out" || fail "node had no final 200"
else
    echo "node is not installed: the Node.js sample was not run"
fi
echo "samples: all checks passed"
