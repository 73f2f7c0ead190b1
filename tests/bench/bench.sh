#!/usr/bin/env bash
# keepdav against nginx, Apache, lighttpd and rclone on this machine, in one run, same data, workloads
# interleaved, medians of 3. A benchmark, not a test: it asserts nothing and is not part of CI.
#
#   tests/bench/bench.sh [DATA_DIR]        (default /var/tmp/keepdav-bench; about 2.5 GB, kept between runs)
#   SECTIONS="copy idle" tests/bench/bench.sh   only some of: workloads latency tls contention propfind copy idle cadence
#   BASELINE=REV tests/bench/bench.sh          also runs keepdav as of git revision REV ("keepdav-base") in the
#                                              same rounds, for a before/after ratio that the machine's noise
#                                              touches alike
#
# Needs root (Apache runs as www-data, caches are dropped between COPY rounds) and ../shared/peers.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
peers=$(cd "$repo/../shared/peers" 2>/dev/null && pwd) || { echo "../shared/peers is missing"; exit 2; }
data=${1:-/var/tmp/keepdav-bench}
sections=" ${SECTIONS:-workloads latency tls contention propfind copy idle cadence} "
want() { [[ $sections == *" $1 "* ]]; }
work=$(mktemp -d /tmp/keepdav-bench.XXXXXX)
export PEERS_RUN=$work/peers
started=()
cleanup() {
    for s in "${started[@]}"; do "$peers/stop.sh" "${s%%:*}" "${s#*:}" >/dev/null 2>&1; done
    [ -n "${kd_pid:-}" ] && kill "$kd_pid" 2>/dev/null
    [ -n "${kd2_pid:-}" ] && kill "$kd2_pid" 2>/dev/null
    [ -n "${base_pid:-}" ] && kill "$base_pid" 2>/dev/null
    [ -n "${kd_tls_pid:-}" ] && kill "$kd_tls_pid" 2>/dev/null
    [ -f "$work/nginx-tls/nginx.pid" ] && kill "$(cat "$work/nginx-tls/nginx.pid")" 2>/dev/null
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
start_kd() { # start_kd VAR_PID VAR_URL options...   (https when the options name --tls-cert; log in $work/VAR_PID.log)
    local out; out=$(mktemp -u "$work/kd.XXXX"); mkfifo "$out"
    local scheme=http; [[ " ${*:3} " == *" --tls-cert "* ]] && scheme=https
    ulimit -n 65536 2>/dev/null
    "${kd_bin:-$kd}" --root "$data" --listen 127.0.0.1:0 --state-dir none --access-log off --max-connections 20000 "${@:3}" >"$out" 2>"$work/$1.log" &
    printf -v "$1" '%s' "$!"
    local line; read -r line <"$out"; rm -f "$out"
    printf -v "$2" '%s://%s' "$scheme" "${line#listening on }"
}
start_kd kd_pid kd_url
servers=("keepdav=$kd_url")
pids=("keepdav=$kd_pid")
if [ -n "${BASELINE:-}" ]; then
    echo "building keepdav $BASELINE (Release) as keepdav-base..."
    # A worktree kept beside the build (both ignored by git), so the next run builds only what changed.
    base_src=$repo/build-baseline/src
    if [ -d "$base_src" ]; then git -C "$base_src" checkout -q --detach "$BASELINE" || exit 1
    else git -C "$repo" worktree add -q --detach "$base_src" "$BASELINE" || exit 1; fi
    cmake -S "$base_src" -B "$repo/build-baseline/build" -DCMAKE_BUILD_TYPE=Release -DKEEPDAV_TESTS=OFF >/dev/null &&
        cmake --build "$repo/build-baseline/build" -j"$(nproc)" >/dev/null || exit 1
    kd_bin=$repo/build-baseline/build/keepdav start_kd base_pid base_url
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

# An alternated series: "name=command" pairs run in turn, ROUNDS times; prints "name median min max" per name.
# Each command prints one number.
alternate() { # alternate ROUNDS name=command...
    local rounds=$1; shift
    declare -A got
    for ((r = 1; r <= rounds; r++)); do
        for c in "$@"; do got[${c%%=*}]="${got[${c%%=*}]:-} $(eval "${c#*=}")"; done
    done
    for c in "$@"; do
        local n=${c%%=*}
        echo "$n $(echo ${got[$n]} | median) $(echo ${got[$n]} | tr ' ' '\n' | grep -v '^$' | sort -n | sed -n '1p;$p' | tr '\n' ' ')"
    done
}
to_ms() { case $1 in *us) echo "${1%us} / 1000" | bc -l ;; *ms) echo "${1%ms}" ;; *s) echo "${1%s} * 1000" | bc -l ;; esac; }

if want tls; then
# keepdav and nginx over TLS with the same self-signed certificate (an EC key: handshakes are not what
# is measured), each asked for kernel TLS; wrk keeps its connections (nginx's keepalive_requests raised
# so neither server makes it reconnect).
echo; echo "## TLS: GET 4 KiB (wrk -t2 -c64 -d5s, median of 3) and GET 512 MiB (curl, median of 5), alternated"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/tls.key" -out "$work/tls.crt" 2>/dev/null
start_kd kd_tls_pid kd_tls_url --tls-cert "$work/tls.crt" --tls-key "$work/tls.key"
tls_port=$(free_port); mkdir -p "$work/nginx-tls/tmp"
cat >"$work/nginx-tls/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx-tls/nginx.pid;
error_log $work/nginx-tls/error.log warn;
user root;
events { worker_connections 16384; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx-tls/tmp;
  server {
    listen 127.0.0.1:$tls_port ssl;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_certificate $work/tls.crt;
    ssl_certificate_key $work/tls.key;
    ssl_conf_command Options KTLS;
    root $data;
  }
}
CONF
nginx -c "$work/nginx-tls/nginx.conf" -p "$work/nginx-tls" || echo "nginx with TLS did not start"
ngx_tls_url=https://127.0.0.1:$tls_port
for i in $(seq 50); do curl -sk -o /dev/null "$ngx_tls_url/small.bin" && curl -sk -o /dev/null "$kd_tls_url/small.bin" && break; sleep 0.1; done
echo "negotiated: keepdav $(curl -skv -o /dev/null "$kd_tls_url/small.bin" 2>&1 | sed -n 's/.*SSL connection using //p'), nginx $(curl -skv -o /dev/null "$ngx_tls_url/small.bin" 2>&1 | sed -n 's/.*SSL connection using //p')"
echo "kernel: tls ULP $(grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp && echo available || echo 'not loaded (CONFIG_TLS: '"$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_TLS=//p;s/^# CONFIG_TLS is not set/not set/p')"')')"
echo "keepdav's TLS send path: $(grep -m1 -i 'kernel TLS\|file bodies over TLS' "$work/kd_tls_pid.log" || echo 'userspace (this build logs no kernel TLS line)')"
echo "nginx's: $(grep -qi ktls "$work/nginx-tls/error.log" && grep -m1 -i ktls "$work/nginx-tls/error.log" || echo 'see its error log; kTLS only where the kernel has the tls module')"
tls_get() { wrk -t2 -c64 -d5s "$1/small.bin" | awk '/Requests\/sec/ {print $2}'; }
tls_big() { curl -sk -o /dev/null -w '%{speed_download}' "$1/big.bin" | awk '{printf "%.0f", $1 / 1048576}'; }
alternate 3 "keepdav=tls_get $kd_tls_url" "nginx=tls_get $ngx_tls_url" >"$work/tls_get"
alternate 5 "keepdav=tls_big $kd_tls_url" "nginx=tls_big $ngx_tls_url" >"$work/tls_big"
python3 - "$work/tls_get" "$work/tls_big" <<'PY'
import sys
for path, what in ((sys.argv[1], "GET 4 KiB over TLS, req/s"), (sys.argv[2], "GET 512 MiB over TLS, MB/s")):
    rows = {l.split()[0]: [float(x) for x in l.split()[1:]] for l in open(path) if l.strip()}
    k, n = rows["keepdav"], rows["nginx"]
    print(f"| {what} | keepdav {k[0]:g} ({k[1]:g}-{k[2]:g}) | nginx {n[0]:g} ({n[1]:g}-{n[2]:g}) | {k[0] / n[0]:.2f} |")
PY
kill "$kd_tls_pid" 2>/dev/null; wait "$kd_tls_pid" 2>/dev/null; kd_tls_pid=
kill "$(cat "$work/nginx-tls/nginx.pid")" 2>/dev/null
fi

if want contention; then
# Long operations must not hurt short requests: the p99 of GET 4 KiB while COPY of tree/ (1,500 x
# 1 MiB, onto the same destination with Overwrite: T, back to back) runs on the same server, against
# the p99 without it; rounds alternated.
echo; echo "## GET 4 KiB p99 (wrk -t2 -c64 -d5s --latency) on keepdav, alone and while COPY of tree/ runs, median of 3"
p99() { to_ms "$(wrk -t2 -c64 -d5s --latency "$kd_url/small.bin" | awk '$1 == "99%" {print $2}')"; }
with_copy() {
    ( while :; do curl -s -o /dev/null -X COPY -H "Destination: $kd_url/tree-copy-lat/" -H 'Overwrite: T' "$kd_url/tree/"; done ) &
    local loop=$!
    sleep 0.5
    p99
    kill "$loop"; wait "$loop" 2>/dev/null
}
alternate 3 "alone=p99" "copying=with_copy" >"$work/contention"
rm -rf "$data/tree-copy-lat"
awk '{a[$1] = $2; printf "| %s | p99 %.2f ms (%.2f-%.2f) |\n", $1, $2, $3, $4} END {printf "| ratio | %.2f |\n", a["copying"] / a["alone"]}' "$work/contention"
fi

if want propfind; then
# PROPFIND Depth 1 of flat/ (10,000 files) with the property lists real clients send (the allprop rows
# also stand for the clients that send no body at all: Windows' mini-redirector lists with an empty
# PROPFIND, rclone with vendor unset too, RFC 4918 §9.1). Sources: gvfs daemon/gvfsbackenddav.c
# (ls_propnames), davfs2 src/webdav.c (prop_names), rclone backend/webdav/webdav.go (standardProps),
# macOS webdavfs (its listing PROPFIND, and Apple's appledoubleheader), Windows' Win32 properties
# (MS-WDV) with the DAV: ones Explorer shows.
echo; echo "## PROPFIND Depth 1 of flat/ (10,000 entries) per client's property list, median of 5 alternated (ms)"
D='xmlns:D="DAV:"'
declare -A bodies=(
  [allprop]="<D:propfind $D><D:allprop/></D:propfind>"
  [empty-body]=""
  [gvfs]="<D:propfind $D><D:prop><D:creationdate/><D:displayname/><D:getcontentlength/><D:getcontenttype/><D:getetag/><D:getlastmodified/><D:resourcetype/></D:prop></D:propfind>"
  [davfs2]="<D:propfind $D><D:prop><D:getetag/><D:getcontentlength/><D:creationdate/><D:getlastmodified/><D:resourcetype/><E:executable xmlns:E=\"http://apache.org/dav/props/\"/></D:prop></D:propfind>"
  [rclone]="<D:propfind $D><D:prop><D:displayname/><D:getlastmodified/><D:getcontentlength/><D:resourcetype/></D:prop></D:propfind>"
  [finder]="<D:propfind $D><D:prop><D:getlastmodified/><D:getcontentlength/><D:creationdate/><D:resourcetype/><A:appledoubleheader xmlns:A=\"http://www.apple.com/webdav_fs/props/\"/></D:prop></D:propfind>"
  [windows]="<D:propfind $D xmlns:Z=\"urn:schemas-microsoft-com:\"><D:prop><D:creationdate/><D:displayname/><D:getcontentlength/><D:getcontenttype/><D:getetag/><D:getlastmodified/><D:resourcetype/><Z:Win32CreationTime/><Z:Win32FileAttributes/><Z:Win32LastAccessTime/><Z:Win32LastModifiedTime/></D:prop></D:propfind>"
)
pf() { # pf URL BODY-NAME
    local b=${bodies[$2]}
    if [ -z "$b" ]; then curl -s -o /dev/null -w '%{time_total}' -X PROPFIND -H 'Depth: 1' "$1/flat/"
    else curl -s -o /dev/null -w '%{time_total}' -X PROPFIND -H 'Depth: 1' -H 'Content-Type: application/xml' --data-binary "$b" "$1/flat/"; fi |
        awk '{printf "%.1f", $1 * 1000}'
}
echo "| client | keepdav | nginx | lighttpd | keepdav / nginx |"; echo "|---|---|---|---|---|"
for client in allprop empty-body gvfs davfs2 rclone finder windows; do
    cmds=()
    for s in "${servers[@]}"; do case ${s%%=*} in keepdav|keepdav-base|nginx|lighttpd) cmds+=("${s%%=*}=pf ${s#*=} $client") ;; esac; done
    alternate 5 "${cmds[@]}" >"$work/pf-$client"
    awk -v c="$client" '{m[$1] = $2; r[$1] = sprintf("%s (%s-%s)", $2, $3, $4)} END {printf "| %s | %s | %s | %s | %.2f |%s\n", c, r["keepdav"], r["nginx"], r["lighttpd"], (m["nginx"] ? m["keepdav"] / m["nginx"] : 0), (m["keepdav-base"] ? sprintf(" keepdav-base %s, keepdav / base %.2f |", r["keepdav-base"], m["keepdav"] / m["keepdav-base"]) : "")}' "$work/pf-$client"
done
echo "(median (min-max) of 5; bytes per body: $(for c in allprop gvfs rclone; do printf '%s keepdav %s nginx %s; ' "$c" \
    "$(curl -s -X PROPFIND -H 'Depth: 1' --data-binary "${bodies[$c]}" "$kd_url/flat/" | wc -c)" \
    "$(curl -s -X PROPFIND -H 'Depth: 1' --data-binary "${bodies[$c]}" "$(printf '%s\n' "${servers[@]}" | sed -n 's/^nginx=//p')/flat/" | wc -c)"; done))"
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
