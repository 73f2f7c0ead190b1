#!/usr/bin/env bash
# cadaver (neon) as a user would drive it: mkcol, put, lock, put under the lock, unlock, copy, move,
# propset, propget — and while the lock is held, another client's PUT is refused with 423.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; tail -30 "$KEEPDAV_LOG"; exit 1; }
command -v cadaver >/dev/null || fail "cadaver is not installed (apt-get install cadaver)"
root=$(mktemp -d -t keepdav-cadaver.XXXXXX); work=$(mktemp -d -t keepdav-cadaver.XXXXXX); trap 'keepdav_cleanup; rm -rf "$root" "$work"' EXIT
start_keepdav "$root" --state-dir none
echo "first version" >"$work/a.txt"
head -c 3000000 /dev/urandom >"$work/big.bin"
echo "second version" >"$work/a2.txt"

# cadaver reads commands from standard input; a lock is held for the rest of its session.
{
    echo "mkcol dir"; echo "cd dir"
    echo "put $work/a.txt a.txt"; echo "put $work/big.bin big.bin"
    echo "lock a.txt"
    # Here another client tries to write: see the curl call below, run while cadaver waits.
    echo "!sh -c 'curl -s -o /dev/null -w %{http_code} -T $work/a2.txt $KEEPDAV_URL/dir/a.txt > $work/intruder'"
    echo "put $work/a2.txt a.txt"
    echo "unlock a.txt"
    echo "copy a.txt b.txt"; echo "move b.txt c.txt"
    echo "propset c.txt colour blue"; echo "propget c.txt colour"
    echo "quit"
} | timeout 10 cadaver "$KEEPDAV_URL/" >"$work/out" 2>&1
cat "$work/out"
for step in "Creating \`dir'" "Uploading .*a.txt" "Uploading .*big.bin" "Locking \`a.txt'" "Unlocking \`a.txt'" \
            "Copying \`/dir/a.txt'" "Moving \`/dir/b.txt'" "Setting property on \`c.txt'"; do
    grep -q "$step.*succeeded" "$work/out" || fail "cadaver step did not succeed: $step"
done
grep -q "Value of colour is: blue" "$work/out" || fail "propget did not return the value set"
if [ -f "$work/intruder" ]; then
    [ "$(cat "$work/intruder")" = 423 ] || fail "a PUT without the lock token got $(cat "$work/intruder"), not 423"
else
    # This cadaver has no shell escape: lock again with curl and check a foreign PUT directly.
    token=$(curl -s -D - -o /dev/null -X LOCK -H 'Content-Type: application/xml' --data \
        '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>' \
        "$KEEPDAV_URL/dir/a.txt" | sed -n 's/^Lock-Token: *<\(.*\)>.*/\1/p' | tr -d '\r')
    [ -n "$token" ] || fail "LOCK by curl gave no token"
    code=$(curl -s -o /dev/null -w '%{http_code}' -T "$work/a.txt" "$KEEPDAV_URL/dir/a.txt")
    [ "$code" = 423 ] || fail "a PUT without the lock token got $code, not 423"
    code=$(curl -s -o /dev/null -w '%{http_code}' -X UNLOCK -H "Lock-Token: <$token>" "$KEEPDAV_URL/dir/a.txt")
    [ "$code" = 204 ] || fail "UNLOCK got $code"
fi
cmp "$root/dir/a.txt" "$work/a2.txt" || fail "a.txt does not hold the version put under the lock"
cmp "$root/dir/big.bin" "$work/big.bin" || fail "big.bin differs"
cmp "$root/dir/c.txt" "$work/a2.txt" || fail "c.txt (copied, then moved) differs"
[ ! -e "$root/dir/b.txt" ] || fail "b.txt still exists after the move"
echo "cadaver: all checks passed"
