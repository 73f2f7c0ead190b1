#!/usr/bin/env bash
# keepdav against nginx, Apache, lighttpd and rclone on this machine, in one run, same data, workloads
# interleaved, medians of 3. A benchmark, not a test: it asserts nothing and is not part of CI.
#
#   tests/bench/bench.sh [DATA_DIR]        (default /var/tmp/keepdav-bench; about 2.5 GB, kept between runs)
#   SECTIONS="copy idle" tests/bench/bench.sh   only some of: workloads latency copy idle cadence
#   BASELINE=REV tests/bench/bench.sh          also runs keepdav as of git revision REV ("keepdav-base") in the
#                                              same rounds, for a before/after ratio that the machine's noise
#                                              touches alike
#
# Needs root (Apache runs as www-data, caches are dropped between COPY rounds) and ../shared/peers.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
peers=$(cd "$repo/../shared/peers" 2>/dev/null && pwd) || { echo "../shared/peers is missing"; exit 2; }
data=${1:-/var/tmp/keepdav-bench}
sections=" ${SECTIONS:-workloads latency copy idle cadence} "
want() { [[ $sections == *" $1 "* ]]; }
work=$(mktemp -d /tmp/keepdav-bench.XXXXXX)
export PEERS_RUN=$work/peers
started=()
cleanup() {
    for s in "${started[@]}"; do "$peers/stop.sh" "${s%%:*}" "${s#*:}" >/dev/null 2>&1; done
    [ -n "${kd_pid:-}" ] && kill "$kd_pid" 2>/dev/null
    [ -n "${kd2_pid:-}" ] && kill "$kd2_pid" 2>/dev/null
    [ -n "${base_pid:-}" ] && kill "$base_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work" "$data"/tree-copy-* "$data"/tree-cadence
}
trap cleanup EXIT

need=()
for p in apache2 nginx libnginx-mod-http-dav-ext lighttpd lighttpd-mod-webdav rclone wrk bc curl python3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || exit 2
fi

echo "# keepdav benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r)"

echo "building keepdav (Release)..."
cmake -S "$repo" -B "$repo/build-release" -DCMAKE_BUILD_TYPE=Release -DKEEPDAV_TESTS=OFF >/dev/null &&
    cmake --build "$repo/build-release" -j"$(nproc)" >/dev/null || exit 1
kd=$repo/build-release/keepdav probe=$repo/build-release/keepdav-probe
"$peers/gen_data.sh" "$data" >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_kd() { # start_kd VAR_PID VAR_URL options...
    local out; out=$(mktemp -u "$work/kd.XXXX"); mkfifo "$out"
    ulimit -n 65536 2>/dev/null
    "${kd_bin:-$kd}" --root "$data" --listen 127.0.0.1:0 --state-dir none --access-log off --max-connections 20000 "${@:3}" >"$out" 2>"$work/kd.log" &
    printf -v "$1" '%s' "$!"
    local line; read -r line <"$out"; rm -f "$out"
    printf -v "$2" 'http://%s' "${line#listening on }"
}
start_kd kd_pid kd_url
servers=("keepdav=$kd_url")
pids=("keepdav=$kd_pid")
if [ -n "${BASELINE:-}" ]; then
    echo "building keepdav $BASELINE (Release) as keepdav-base..."
    git -C "$repo" worktree add --detach "$work/baseline" "$BASELINE" >/dev/null 2>&1 || exit 1
    cmake -S "$work/baseline" -B "$repo/build-baseline" -DCMAKE_BUILD_TYPE=Release -DKEEPDAV_TESTS=OFF >/dev/null &&
        cmake --build "$repo/build-baseline" -j"$(nproc)" >/dev/null || exit 1
    git -C "$repo" worktree remove --force "$work/baseline"
    kd_bin=$repo/build-baseline/keepdav start_kd base_pid base_url
    servers+=("keepdav-base=$base_url")
    pids+=("keepdav-base=$base_pid")
fi
for name in nginx lighttpd apache rclone; do
    port=$(free_port)
    if "$peers/start.sh" "$name" "$data" "$port" >"$work/$name.start" 2>&1; then
        started+=("$name:$port")
        servers+=("$name=http://127.0.0.1:$port")
        pid=$(cat "$PEERS_RUN/$name-$port/"*.pid 2>/dev/null | head -1)
        pids+=("$name=$pid")
    else
        echo "$name did not start: $(tail -2 "$work/$name.start")"
    fi
done
sleep 1

if want workloads; then
echo; echo "## The shared workloads (../shared/peers/workloads.sh: medians of 3 rounds, interleaved)"
"$peers/workloads.sh" "$data" "${servers[@]}" | tee "$work/workloads.md"
python3 - "$work/workloads.md" <<'PY'
import sys
rows = [l.strip().strip("|").split("|") for l in open(sys.argv[1]) if l.startswith("|") and "---" not in l]
head, body = [c.strip() for c in rows[0]], {r[0].strip(): [c.strip() for c in r[1:]] for r in rows[1:]}
base = body.get("keepdav-base")
print("\n| workload | keepdav | best peer | keepdav / best peer |" + (" keepdav / keepdav-base |" if base else ""))
print("|---|---|---|---|" + ("---|" if base else ""))
for i, name in enumerate(head[1:]):
    lower_is_better = "(s)" in name
    peers = {n: float(v[i]) for n, v in body.items() if not n.startswith("keepdav") and v[i] not in ("", "0")}
    if "keepdav" not in body or not peers:
        continue
    best = min(peers, key=peers.get) if lower_is_better else max(peers, key=peers.get)
    mine = float(body["keepdav"][i])
    row = f"| {name} | {mine:g} | {best} {peers[best]:g} | {mine / peers[best]:.2f}{' (lower is better)' if lower_is_better else ''} |"
    if base and base[i] not in ("", "0"):
        row += f" {mine / float(base[i]):.2f} |"
    print(row)
PY

echo; echo "keepdav's peak RSS over these workloads (PROPFIND of 10,000 entries and 512 MiB bodies included): $(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' /proc/$kd_pid/status)"

fi

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
if want latency; then
echo; echo "## GET 4 KiB p99 latency (wrk -t2 -c64 -d5s --latency, median of 3)"
declare -A p99
for round in 1 2 3; do
    for s in "${servers[@]}"; do
        n=${s%%=*} u=${s#*=}
        v=$(wrk -t2 -c64 -d5s --latency "$u/small.bin" | awk '$1 == "99%" {print $2}')
        case $v in *us) v=$(echo "${v%us} / 1000" | bc -l) ;; *ms) v=${v%ms} ;; *s) v=$(echo "${v%s} * 1000" | bc -l) ;; esac
        p99[$n]="${p99[$n]:-} $v"
    done
done
for s in "${servers[@]}"; do n=${s%%=*}; printf '| %s | %.2f ms |\n' "$n" "$(echo ${p99[$n]} | median)"; done
fi

if want copy; then
# Both timed the same way: until the command returns, dirty pages not yet written (neither syncs).
echo; echo "## COPY of tree/ (1,500 x 1 MiB) vs cp -r, cold cache each round (median of 5, seconds)"
copies=() cps=()
for round in 1 2 3 4 5; do
    sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
    t=$(curl -s -o /dev/null -w '%{time_total}' -X COPY -H "Destination: $kd_url/tree-copy-kd/" "$kd_url/tree/")
    copies+=("$t"); rm -rf "$data/tree-copy-kd"
    sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
    start=$(date +%s.%N); cp -r "$data/tree" "$data/tree-copy-cp"
    cps+=("$(echo "$(date +%s.%N) - $start" | bc -l)"); rm -rf "$data/tree-copy-cp"
done
kd_copy=$(echo "${copies[*]}" | median) cp_copy=$(echo "${cps[*]}" | median)
printf '| keepdav COPY | %.3f s |\n| cp -r | %.3f s |\n| ratio | %.2f |\n' "$kd_copy" "$cp_copy" "$(echo "$kd_copy / $cp_copy" | bc -l)"
echo "rounds: keepdav ${copies[*]}; cp -r ${cps[*]}"
fi

if want idle; then
echo; echo "## 10,000 idle keep-alive connections (../shared/peers/idle_conns.py)"
for entry in "${pids[@]}"; do
    n=${entry%%=*} pid=${entry#*=}
    url=$(printf '%s\n' "${servers[@]}" | sed -n "s|^$n=||p"); port=${url##*:}
    out=$(python3 "$peers/idle_conns.py" "$port" 10000 "$pid" 2>&1 | tail -1)
    growth=$(awk '{print ($8 - $6) * 1024 / 10000}' <<<"$out")
    printf '| %s | %s | %.2f KB/connection |\n' "$n" "$out" "$growth"
done
fi

want cadence || exit 0
echo; echo "## 102 cadence under load (interval 0.2 s; 64 connections of GETs meanwhile)"
start_kd kd2_pid kd2_url --processing-after 0.2 --processing-interval 0.2
wrk -t2 -c64 -d30s "$kd2_url/small.bin" >/dev/null 2>&1 &
wrk_pid=$!
sleep 1
sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null
"$probe" --json -X COPY -H "Destination: $kd2_url/tree-cadence/" --read-timeout 5 "$kd2_url/tree/" >"$work/cadence.json"
kill $wrk_pid 2>/dev/null; wait $wrk_pid 2>/dev/null
python3 - "$work/cadence.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
times = [e["t"] for e in t["interim"] if e["status"] == 102]
gaps = [b - a for a, b in zip(times, times[1:])]
final = t["final"]["status"] if t["final"] else None
if not gaps:
    print(f"| 102s | {len(times)} | final {final} | too few to measure |")
else:
    within = sum(1 for g in gaps if abs(g - 0.2) <= 0.02) / len(gaps)
    print(f"| 102s sent | {len(times)} | final {final} after {t['total_s']:.2f} s |")
    print(f"| gap mean / min / max | {sum(gaps)/len(gaps):.3f} / {min(gaps):.3f} / {max(gaps):.3f} s | within ±10% of 0.2 s: {within:.0%} |")
PY
