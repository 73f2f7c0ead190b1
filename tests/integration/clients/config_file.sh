#!/usr/bin/env bash
# --config FILE: every option is a key of the file (its long name), flags win over the file, a bad key
# or value is refused with the file and line, and --check-config prints the effective configuration
# (hashes masked). samples/keepdav.toml documents every key and passes --check-config.
set -u
. "$(dirname "$0")/spawn_server.sh"
fail() { echo "FAIL: $*"; [ -z "${KEEPDAV_LOG:-}" ] || tail -20 "$KEEPDAV_LOG"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd); sample="$here/../../../samples/keepdav.toml"
dir=$(mktemp -d -t keepdav-config.XXXXXX); trap 'keepdav_cleanup; rm -rf "$dir"' EXIT
mkdir "$dir/root"; echo hello >"$dir/root/a.txt"

# Every setting of --help has a key in the sample; the command-only options have none.
"$KEEPDAV_BIN" --help >"$dir/help" || fail "--help"
settings=$(sed -n '/^Settings/,$p' "$dir/help" | grep -oE '^  (-[a-z] \[ )?--[a-z0-9-]+' | sed 's/.*--//')
[ "$(wc -l <<<"$settings")" -ge 30 ] || fail "too few settings found in --help: $settings"
for key in $settings; do
    grep -qE "^#? ?$key = " "$sample" || fail "samples/keepdav.toml has no key $key"
done
echo "ok: samples/keepdav.toml documents all $(wc -l <<<"$settings") settings"
out=$("$KEEPDAV_BIN" --check-config --config "$sample" --root "$dir/root" 2>&1) || fail "the sample fails --check-config: $out"
echo "ok: the sample passes --check-config"

# Flags override the file; the effective configuration says so and masks password hashes.
cat >"$dir/k.toml" <<TOML
root = "$dir/root"
listen = ["127.0.0.1:0"]
processing-after = 1.5
max-put-size = 100
read-only = true
no-processing-for = ["^curl/", "^Wget/"]

[[user]]
name = "alice"
password = '\$2y\$05\$abcdefghijklmnopqrstuuxH3iYIQDXA9I3aUQZ8a3Bk8I8b5E5Pi'
TOML
out=$("$KEEPDAV_BIN" --check-config --config "$dir/k.toml" --max-put-size 200 2>&1) || fail "--check-config: $out"
for line in 'processing-after = 1.5' 'max-put-size = 200' 'read-only = true' 'no-processing-for = ["^curl/", "^Wget/"]' \
    'processing-interval = 5.0' 'name = "alice"'; do
    grep -qF -- "$line" <<<"$out" || fail "--check-config does not print '$line': $out"
done
! grep -q 'abcdefghij' <<<"$out" || fail "--check-config prints the password hash"
echo "ok: --check-config prints the effective configuration, flags over the file, hash masked"

# A server started from the file serves with it: read-only from the file.
printf 'read-only = true\naccess-log = "off"\n' >"$dir/served.toml"
start_keepdav "$dir/root" --config "$dir/served.toml"
code=$(curl -s -o /dev/null -w '%{http_code}' -T "$dir/k.toml" "$KEEPDAV_URL/k.toml")
[ "$code" = 403 ] || fail "read-only = true in the file: PUT gave $code"
[ "$(curl -s "$KEEPDAV_URL/a.txt")" = hello ] || fail "GET from a server configured by file"
! grep -q '"GET /a.txt' "$KEEPDAV_LOG" || fail "access-log = off in the file was not applied"
stop_keepdav
echo "ok: a server started with --config serves as the file says"

# Errors name the file and the line, and every error of the file is reported; exit 2.
expect_error() { # FILE-CONTENT PATTERN...
    printf '%s\n' "$1" >"$dir/bad.toml"; shift
    local out rc; out=$("$KEEPDAV_BIN" --check-config --config "$dir/bad.toml" --root "$dir/root" 2>&1); rc=$?
    [ $rc = 2 ] || fail "exit $rc, not 2, for $(cat "$dir/bad.toml")"
    for pattern in "$@"; do grep -qE -- "$pattern" <<<"$out" || fail "no '$pattern' in: $out"; done
    echo "ok: $(head -1 <<<"$out")"
}
expect_error $'# a comment\nlisten = ["127.0.0.1:0"]\nbogus = 1' 'bad\.toml:3: unknown key "bogus"'
expect_error $'root = "/tmp"\n\nprocessing-after = "soon"' 'bad\.toml:3: processing-after'
expect_error $'\n\nmax-put-size = 1.5' 'bad\.toml:3: max-put-size'
expect_error $'listen = [' 'bad\.toml:1: '
expect_error $'read-only = { a = 1 }' 'bad\.toml:1: read-only takes'
expect_error $'help = true' 'bad\.toml:1: unknown key "help"'
expect_error $'[[user]]\nname = "a"\naccess = "all"\nrules = { "/x" = "maybe", "y" = "read" }\n[[user]]\nname = "a"\npassword = "plain"' \
    'bad\.toml:3: access must be' 'bad\.toml:4: rule for "/x"' 'bad\.toml:4: rule path "y"' 'bad\.toml:6: user "a" is defined twice' \
    'bad\.toml:7: password must be'
# A value the option itself refuses, with the same message as the flag's.
printf 'root = "%s"\nmax-header-bytes = 70000\n' "$dir/root" >"$dir/bad.toml"
out=$("$KEEPDAV_BIN" --config "$dir/bad.toml" 2>&1); rc=$?
[ $rc = 2 ] && grep -q -- "bad.toml:2: --max-header-bytes must be at most 65000" <<<"$out" || fail "max-header-bytes in the file: $rc $out"
printf 'root = "%s"\n\nlisten = ["127.0.0.1:1", "nonsense"]\n' "$dir/root" >"$dir/bad.toml"
out=$("$KEEPDAV_BIN" --check-config --config "$dir/bad.toml" 2>&1); rc=$?
[ $rc = 2 ] && grep -q -- "bad.toml:3: --listen wants HOST:PORT" <<<"$out" || fail "a bad listen in the file: $rc $out"
echo "ok: a value checked after parsing is reported with its line: $(head -1 <<<"$out")"
echo "config_file: all checks passed"
