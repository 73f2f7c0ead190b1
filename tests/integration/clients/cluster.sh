#!/usr/bin/env bash
# Three keepdav nodes on one root sharing one lock table in PostgreSQL, behind HAProxy round robin,
# started by samples/cluster/start-cluster.sh (PostgreSQL in a temporary directory on loopback):
#   - litmus, all five suites, through the balancer: 100 %;
#   - clients on different nodes competing for exclusive locks on one file and one collection: never
#     two holders, tokenless writes through any node 423 (cluster_locks.py compete);
#   - expiry and refresh across nodes, by the database's clock (cluster_locks.py expiry);
#   - ETags and hrefs agree across nodes;
#   - an asynchronous COPY started through one node, polled through another, cancelled through a
#     third (cluster_locks.py async);
#   - the database stopped and started under a lock workload: 503s while down, no lock lost or
#     doubled after (cluster_locks.py outage);
#   - the lock-workload throughput of one node on the file store and of the cluster, in one run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
samples=$(cd "$here/../../../samples/cluster" && pwd)
. "$here/spawn_server.sh"
for tool in haproxy litmus python3 psql; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
tmp=$(mktemp -d -t keepdav-cluster-test.XXXXXX); chmod 755 "$tmp"
cluster_pid=
cleanup() {
    if [ -n "$cluster_pid" ] && kill -0 "$cluster_pid" 2>/dev/null; then kill -TERM "$cluster_pid"; wait "$cluster_pid"; fi
    keepdav_cleanup
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$tmp"/cluster/node*.log "$tmp"/cluster/haproxy.log; do [ -s "$f" ] && { echo "--- $f"; grep -v " info: " "$f" | tail -15; }; done
    exit 1
}

mkdir -p "$tmp/share" "$tmp/cluster"
mkfifo "$tmp/cluster.out"
CLUSTER_DIR=$tmp/cluster bash "$samples/start-cluster.sh" "$tmp/share" >"$tmp/cluster.out" 2>"$tmp/cluster.err" &
cluster_pid=$!
exec 3<"$tmp/cluster.out"
read -r -t 60 line <&3 || fail "the cluster did not start: $(cat "$tmp/cluster.err")"
url=${line#cluster at }
read -r -t 5 line <&3; db=${line#database at }
read -r -t 5 line <&3; read -r -a nodes <<<"${line#nodes at }"
echo "cluster at $url over ${nodes[*]}; database $db"
pg_port=$(cat "$tmp/cluster/pg_port")
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_db=; [ "$(id -u)" != 0 ] || as_db="runuser -u nobody --" # PostgreSQL refuses to run as root

# --- litmus through the balancer -------------------------------------------------------------------
out=$(cd "$tmp" && TESTS="basic copymove props locks http" timeout 60 litmus "$url" 2>&1)
echo "$out" | grep -E "summary|FAIL" 
for suite in basic copymove props locks http; do
    summary=$(grep "summary for \`$suite'" <<<"$out")
    [ -n "$summary" ] || fail "litmus suite $suite did not run"
    grep -q " 0 failed" <<<"$summary" || fail "litmus: $summary"
done

# --- ETags and hrefs agree across nodes --------------------------------------------------------------
curl -s -o /dev/null -X PUT --data-binary "same" "${nodes[0]}same.txt"
etags=$(for n in "${nodes[@]}"; do curl -sI "${n}same.txt" | tr -d '\r' | grep -i '^etag:'; done | sort -u | wc -l)
[ "$etags" = 1 ] || fail "the nodes disagree on an ETag"
hrefs=$(for n in "${nodes[@]}"; do
    curl -s -X PROPFIND -H "Depth: 1" -H "Content-Type: application/xml" \
        --data '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>' "$n" |
        md5sum; done | sort -u | wc -l)
[ "$hrefs" = 1 ] || fail "the nodes' PROPFIND answers (hrefs and ETags) differ"
echo "ETags and hrefs: the three nodes agree"

# --- locks across nodes --------------------------------------------------------------------------------
python3 "$here/cluster_locks.py" compete "${nodes[@]}" "$url" || fail "competing for locks"
python3 "$here/cluster_locks.py" expiry "${nodes[@]}" || fail "expiry and refresh across nodes"
mkdir -p "$tmp/share/small/sub" && echo one >"$tmp/share/small/sub/1.txt"
python3 -c 'import os, sys
for d in range(100):
    os.makedirs(f"{sys.argv[1]}/big/{d}")
    for f in range(200):
        open(f"{sys.argv[1]}/big/{d}/{f}.txt", "w").write("x")' "$tmp/share"
python3 "$here/cluster_locks.py" async "${nodes[@]}" || fail "asynchronous operations across nodes"
pg_opts="-h 127.0.0.1 -p $pg_port -k $tmp/cluster/pg -c fsync=off"
rows="psql -At -h 127.0.0.1 -p $pg_port -U keepdav postgres -c \"SELECT token FROM keepdav_locks WHERE root LIKE 'outage-%' AND (expires IS NULL OR expires > now())\""
stop="$as_db $pgbin/pg_ctl -D $tmp/cluster/pg -m fast -w stop >/dev/null"
start="$as_db $pgbin/pg_ctl -D $tmp/cluster/pg -l $tmp/cluster/pg/server.log -w -o '$pg_opts' start >/dev/null"
python3 "$here/cluster_locks.py" outage "$stop" "$start" "$rows" "${nodes[@]}" || fail "the database's outage"
grep -h "503 (lock table" "$tmp"/cluster/node*.log | head -2
grep -q "the database is unreachable" "$tmp"/cluster/node*.log || fail "no node logged the outage"

# --- throughput: one node on the file store, then the cluster ------------------------------------------
mkdir -p "$tmp/single" "$tmp/state"
start_keepdav "$tmp/single" --state-dir "$tmp/state"
single=$(python3 "$samples/lock_bench.py" "$KEEPDAV_URL/" 3 8) || fail "bench, one node: $single"
clustered=$(python3 "$samples/lock_bench.py" "$url" 3 8) || fail "bench, the cluster: $clustered"
echo "lock workload, one node on the file store: $single"
echo "lock workload, three nodes on PostgreSQL through HAProxy: $clustered"
echo "cluster: all checks passed"
