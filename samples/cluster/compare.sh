#!/usr/bin/env bash
# The lock-workload throughput of one node on the file store against three nodes on PostgreSQL behind
# HAProxy, measured in one run with lock_bench.py (LOCK/UNLOCK cycles, each client on a file of its own).
#   compare.sh [SECONDS=10] [CLIENTS=8]        KEEPDAV_BIN: the keepdav binary (default: on PATH)
# The database syncs each commit to disk (CLUSTER_FSYNC=on), as the file store syncs each change.
set -u
here=$(cd "$(dirname "$0")" && pwd)
keepdav=${KEEPDAV_BIN:-$(command -v keepdav)}
seconds=${1:-10} clients=${2:-8}
t=$(mktemp -d -t keepdav-compare.XXXXXX); chmod 755 "$t"; mkdir -p "$t/single" "$t/state" "$t/share" "$t/cluster"
single_pid= cluster_pid=
cleanup() {
    for pid in $single_pid $cluster_pid; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$t"
}
trap cleanup EXIT
mkfifo "$t/single.out" "$t/cluster.out"
"$keepdav" --root "$t/single" --state-dir "$t/state" --listen 127.0.0.1:0 >"$t/single.out" 2>/dev/null &
single_pid=$!
read -r line <"$t/single.out"; single="http://${line#listening on }/"
CLUSTER_DIR=$t/cluster CLUSTER_FSYNC=on KEEPDAV_BIN=$keepdav bash "$here/start-cluster.sh" "$t/share" >"$t/cluster.out" 2>&1 &
cluster_pid=$!
exec 3<"$t/cluster.out"; read -r line <&3; cluster=${line#cluster at }
echo "one node, file store:                   $(python3 "$here/lock_bench.py" "$single" "$seconds" "$clients")"
echo "three nodes, PostgreSQL, through HAProxy: $(python3 "$here/lock_bench.py" "$cluster" "$seconds" "$clients")"
