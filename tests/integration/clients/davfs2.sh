#!/usr/bin/env bash
# davfs2 mounts the share as a file system: write, read back, rename, delete through the mount.
# Skipped (exit 77) with the reason printed where this machine cannot mount.
set -u
. "$(dirname "$0")/spawn_server.sh"
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; tail -30 "$KEEPDAV_LOG"; exit 1; }
command -v mount.davfs >/dev/null || skip "davfs2 is not installed (apt-get install davfs2)"
[ "$(id -u)" = 0 ] || skip "mounting needs root"
[ -c /dev/fuse ] || grep -q davfs /proc/filesystems || skip "neither /dev/fuse nor the coda kernel module is available"
root=$(mktemp -d -t keepdav-davfs2.XXXXXX); mnt=$(mktemp -d -t keepdav-davfs2.XXXXXX); conf=$(mktemp -d -t keepdav-davfs2.XXXXXX)
# The file system comes off before the server stops (unmounting uploads what is pending); if it will
# not come off, the test fails and says so rather than leave a mount behind unnoticed.
cleanup() {
    local rc=$?
    if mountpoint -q "$mnt" && ! umount "$mnt"; then echo "FAIL: cannot unmount $mnt"; rc=1; fi
    keepdav_cleanup
    rm -rf "$root" "$conf"
    mountpoint -q "$mnt" || rmdir "$mnt"
    exit $rc
}
trap cleanup EXIT
start_keepdav "$root" --state-dir none
printf 'use_locks 1\ncache_size 1\ndelay_upload 0\nask_auth 0\n' >"$conf/davfs2.conf"
mkdir -p "$conf/cache" && chmod 0777 "$conf" "$conf/cache"
printf 'cache_dir %s\n' "$conf/cache" >>"$conf/davfs2.conf"
if ! echo | timeout 10 mount -t davfs -o conf="$conf/davfs2.conf" "$KEEPDAV_URL/" "$mnt" 2>"$conf/mount.err"; then
    skip "mount -t davfs failed here: $(tr '\n' ' ' <"$conf/mount.err")"
fi
echo "mounted $KEEPDAV_URL/ on $mnt"
mkdir "$mnt/dir" || fail "mkdir through the mount"
echo "through davfs2" >"$mnt/dir/file.txt" || fail "write through the mount"
sync
mv "$mnt/dir/file.txt" "$mnt/dir/renamed.txt" || fail "rename through the mount"
umount "$mnt" || fail "umount (which uploads pending changes)"
[ "$(cat "$root/dir/renamed.txt")" = "through davfs2" ] || fail "the server's tree does not hold the file written"
echo "davfs2: all checks passed"
