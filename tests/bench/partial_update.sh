#!/usr/bin/env bash
# The cost of a 4 KiB partial update (PATCH, X-Update-Range) of a 1 GiB file: on XFS with reflink
# (the copy shares extents), on ext4 (the copy moves the whole file), each a loop-mounted image in
# /tmp, and on tmpfs (a copy in memory). A benchmark, not a test: it asserts nothing and is not part of CI.
#
#   tests/bench/partial_update.sh [KEEPDAV_BIN]    (default build/keepdav; needs root, xfsprogs, curl)
#
# Prints the median wall time of ROUNDS (5) PATCHes, each at a new offset, measured by curl.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$repo/build/keepdav}
rounds=${ROUNDS:-5}
command -v mkfs.xfs >/dev/null || { echo "needs mkfs.xfs (apt-get install xfsprogs)"; exit 2; }
work=$(mktemp -d /tmp/keepdav-partial-bench.XXXXXX)
mounted=()
kd_pid=
cleanup() {
    [ -n "$kd_pid" ] && kill "$kd_pid" 2>/dev/null && wait "$kd_pid" 2>/dev/null
    for m in "${mounted[@]}"; do umount "$m"; done
    rm -rf "$work"
}
trap cleanup EXIT

run() { # NAME MKFS... | NAME tmpfs
    local name=$1
    shift
    mkdir "$work/$name"
    if [ "$1" = tmpfs ]; then
        mount -t tmpfs -o size=3G tmpfs "$work/$name"
    else
        truncate -s 3G "$work/$name.img"
        "$@" "$work/$name.img" >/dev/null
        mount -o loop "$work/$name.img" "$work/$name"
    fi
    mounted+=("$work/$name")
    head -c 1G /dev/urandom >"$work/$name/big.bin"
    sync
    "$bin" --root "$work/$name" --listen 127.0.0.1:0 --state-dir none --access-log /dev/null >"$work/out" 2>/dev/null &
    kd_pid=$!
    local port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    head -c 4096 /dev/urandom >"$work/piece"
    local times=()
    for i in $(seq "$rounds"); do
        local first=$((i * 100003 * 4096 % (1 << 30)))
        times+=("$(curl -s -o /dev/null -w '%{time_total} %{http_code}\n' -X PATCH --data-binary @"$work/piece" \
            -H 'Content-Type: application/x-sabredav-partialupdate' -H "X-Update-Range: bytes=$first-$((first + 4095))" \
            "http://127.0.0.1:$port/big.bin")")
    done
    local statuses sorted
    statuses=$(printf '%s\n' "${times[@]}" | cut -d' ' -f2 | sort | uniq -c | tr -s ' ' | tr '\n' ',')
    sorted=($(printf '%s\n' "${times[@]}" | cut -d' ' -f1 | sort -n))
    printf '%-12s median %s s (min %s, max %s) of %d; statuses:%s\n' "$name" "${sorted[$((rounds / 2))]}" \
        "${sorted[0]}" "${sorted[$((rounds - 1))]}" "$rounds" "$statuses"
    kill "$kd_pid"
    wait "$kd_pid" 2>/dev/null || true
    kd_pid=
}

run xfs-reflink mkfs.xfs -q -m reflink=1
run ext4-copy mkfs.ext4 -q
run tmpfs-copy tmpfs
