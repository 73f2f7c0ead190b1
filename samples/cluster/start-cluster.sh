#!/usr/bin/env bash
# A local keepdav cluster to try out: PostgreSQL in a temporary directory, three keepdav nodes on one
# root sharing its lock table, HAProxy round robin in front. Stops everything on Ctrl-C or SIGTERM.
#
#   start-cluster.sh ROOT [FRONT_PORT]       (FRONT_PORT 0 or absent: one the system picks)
#
# Prints "cluster at http://127.0.0.1:PORT/" when every part answers, then "database at URL" and
# "nodes at URL URL URL". Environment: KEEPDAV_BIN (default: keepdav on PATH), CLUSTER_DIR (where
# the database and the logs go; default: a new temporary directory, removed at the end),
# KEEPDAV_ARGS (more options for every node), CLUSTER_FSYNC (on: PostgreSQL syncs each commit to disk,
# as in production; default off, a throwaway database).
# PostgreSQL refuses to run as root: as root, the database runs as the user nobody.
set -u
root=$(cd "${1:?usage: start-cluster.sh ROOT [FRONT_PORT]}" && pwd)
front=${2:-0}
keepdav=${KEEPDAV_BIN:-$(command -v keepdav)}
here=$(cd "$(dirname "$0")" && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "HAProxy is not installed (apt-get install haproxy)" >&2; exit 1; }

made_dir=
dir=${CLUSTER_DIR:-}
[ -n "$dir" ] || { dir=$(mktemp -d -t keepdav-cluster.XXXXXX); made_dir=1; }
chmod 755 "$dir"
pids=()
as_db() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
stop_all() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    [ -d "$dir/pg" ] && as_db "$pgbin/pg_ctl" -D "$dir/pg" -m fast stop >/dev/null 2>&1
    [ -z "$made_dir" ] || rm -rf "$dir"
}
trap 'stop_all; exit 0' TERM INT
trap stop_all EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # SECONDS COMMAND...: polls until COMMAND succeeds
    local until=$((SECONDS + $1)); shift
    until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 0.05; done
}

# --- PostgreSQL, on loopback only, its socket in the cluster directory ----------------------------
pg_port=$(free_port)
mkdir -p "$dir/pg" && chown "$(as_db id -u)" "$dir/pg" 2>/dev/null; chmod 700 "$dir/pg"
as_db "$pgbin/initdb" -D "$dir/pg" -U keepdav -A trust >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
as_db "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w \
    -o "-h 127.0.0.1 -p $pg_port -k $dir/pg -c fsync=${CLUSTER_FSYNC:-off}" start >/dev/null || { cat "$dir/pg/server.log" >&2; exit 1; }
db="postgresql://keepdav@127.0.0.1:$pg_port/postgres"
echo "$pg_port" >"$dir/pg_port"

# --- three nodes on one root ----------------------------------------------------------------------
node_ports=()
for n in 1 2 3; do
    fifo=$dir/node$n.out; rm -f "$fifo"; mkfifo "$fifo"
    # shellcheck disable=SC2086 # KEEPDAV_ARGS is split on purpose
    "$keepdav" --root "$root" --listen 127.0.0.1:0 --lock-store "$db" --state-dir none ${KEEPDAV_ARGS:-} \
        >"$fifo" 2>"$dir/node$n.log" &
    pids+=($!)
    read -r -t 10 line <"$fifo" || { echo "node $n did not start:" >&2; cat "$dir/node$n.log" >&2; exit 1; }
    rm -f "$fifo"
    node_ports+=("${line##*:}")
done
echo "${pids[*]}" >"$dir/node_pids"

# --- HAProxy, round robin over the three -----------------------------------------------------------
[ "$front" != 0 ] || front=$(free_port)
sed -e "s/@FRONT_PORT@/$front/" -e "s/@NODE1_PORT@/${node_ports[0]}/" -e "s/@NODE2_PORT@/${node_ports[1]}/" \
    -e "s/@NODE3_PORT@/${node_ports[2]}/" "$here/haproxy.cfg" >"$dir/haproxy.cfg"
haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 &
pids+=($!)
wait_for 10 answers "$front" || { echo "HAProxy did not start:" >&2; cat "$dir/haproxy.log" >&2; exit 1; }

echo "cluster at http://127.0.0.1:$front/"
echo "database at $db"
echo "nodes at http://127.0.0.1:${node_ports[0]}/ http://127.0.0.1:${node_ports[1]}/ http://127.0.0.1:${node_ports[2]}/"
echo "logs in $dir"
wait "${pids[@]}"
