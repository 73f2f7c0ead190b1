#!/usr/bin/env bash
# Watch a long COPY keep its connection alive with 102 Processing.
#
#   samples/long_copy.sh [SIZE_MB]     (default 1024)
#
# Starts keepdav on a scratch directory and 127.0.0.1 with a free port, makes a tree of SIZE_MB
# megabytes in 1 MiB files, COPYs it while keepdav-probe watches with a 1-second read timeout,
# then checks that the copy is identical. Needs the built binaries in build/.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
bin=build/keepdav probe=build/keepdav-probe
[ -x "$bin" ] && [ -x "$probe" ] || { echo "build first (see README)"; exit 1; }
work=$(mktemp -d /var/tmp/keepdav-long-copy.XXXXXX)
out=$(mktemp -u); mkfifo "$out"
"$bin" --root "$work" --listen 127.0.0.1:0 --processing-after 0.2 --processing-interval 0.2 >"$out" 2>"$work.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work" "$work.log" "$out"' EXIT
read -r line <"$out"; url="http://${line#listening on }"

echo "making a ${size_mb} MB tree in $work/big ..."
head -c 1048576 /dev/urandom >"$work/seed"
for i in $(seq 1 "$size_mb"); do
    d="$work/big/d$((i % 16))/e$((i % 5))"; mkdir -p "$d"; cp "$work/seed" "$d/f$i.bin"
done
rm "$work/seed"; sync
# Start from a cold page cache where we may (root), so the copy does real I/O.
[ -w /proc/sys/vm/drop_caches ] && echo 3 >/proc/sys/vm/drop_caches || true

"$probe" -X COPY -H "Destination: $url/big-copy/" --read-timeout 1 "$url/big/" | tee "$work.probe"
echo
echo "102s seen: $(grep -c ' 102 Processing' "$work.probe")"
echo "with Status-URI: $(grep -ci 'Status-URI:' "$work.probe")"
diff -r "$work/big" "$work/big-copy" && echo "destination identical to source"
