#!/usr/bin/env bash
# The WebDAV conformance suite litmus against the built server: every suite named must pass 100%.
# Usage: litmus.sh "basic copymove" [PREFIX]
# With PREFIX (/dav), keepdav serves under --prefix PREFIX and litmus is pointed at it there.
set -u
. "$(dirname "$0")/spawn_server.sh"
command -v litmus >/dev/null || { echo "litmus is not installed (apt-get install litmus)"; exit 1; }
root=$(mktemp -d -t keepdav-litmus.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root"' EXIT
prefix=${2:-}
start_keepdav "$root" ${prefix:+--prefix "$prefix"}
out=$(cd "$root" && TESTS="$1" timeout 10 litmus "$KEEPDAV_URL$prefix/" 2>&1)
echo "$out"
status=0
for suite in $1; do
    summary=$(grep "summary for \`$suite'" <<<"$out")
    [ -n "$summary" ] || { echo "FAIL: suite $suite did not run"; status=1; continue; }
    grep -q " 0 failed" <<<"$summary" || { echo "FAIL: $summary"; status=1; }
done
[ $status = 0 ] || { echo "--- server log ---"; tail -50 "$KEEPDAV_LOG"; }
exit $status
