#!/usr/bin/env bash
# The Debian package as CPack builds it from this build: its files and declared dependencies; then
# installed — with dpkg -i into the system on CI (CI=true, as root: a throwaway machine; removed
# again after), else unpacked with dpkg -x into a temporary directory, which changes nothing on a
# developer's machine — and its keepdav --version and man page run from there. lintian must report no
# error but one (a CPack package has no Debian changelog, which lintian always names).
set -u
: "${KEEPDAV_BUILD_DIR:?KEEPDAV_BUILD_DIR must point at the build directory}"
for tool in cpack dpkg-deb man; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (tools/install-deps.sh)"; exit 1; }
done
# A sanitizer or fuzzer build makes no man page and is no build to ship: skipped there (77).
if grep -qE '^KEEPDAV_(SANITIZE:STRING=.+|FUZZ:BOOL=ON)$' "$KEEPDAV_BUILD_DIR/CMakeCache.txt"; then
    echo "SKIP: an instrumented build"; exit 77
fi
[ -f "$KEEPDAV_BUILD_DIR/keepdav.1.gz" ] || { echo "FAIL: no man page in the build (help2man: tools/install-deps.sh)"; exit 1; }
tmp=$(mktemp -d -t keepdav-package.XXXXXX)
installed=
cleanup() {
    [ -z "$installed" ] || dpkg -r keepdav >/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

(cd "$KEEPDAV_BUILD_DIR" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log"; fail "cpack failed"; }
deb=$(ls "$tmp"/out/keepdav_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { cat "$tmp/cpack.log"; fail "no package made"; }
echo "ok: built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/keepdav ./usr/bin/keepdav-probe ./lib/systemd/system/keepdav.service ./lib/systemd/system/keepdav.socket \
         ./usr/share/man/man1/keepdav.1.gz ./usr/share/man/man1/keepdav-probe.1.gz ./usr/share/doc/keepdav/README.md ./usr/share/doc/keepdav/copyright \
         ./usr/share/doc/keepdav/samples/systemd/keepdav.service; do
    grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
done
echo "ok: binaries, units, man page and docs in place"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libssl3 libsystemd0 libboost-program-options libpugixml libcrypt1 libstdc++6; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
echo "ok: Depends: $depends"

if [ "${CI:-}" = true ] && [ "$(id -u)" = 0 ] && ! dpkg-query -W keepdav >/dev/null 2>&1; then
    dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
    installed=1 prefix=
    echo "ok: installed with dpkg -i"
else
    dpkg-deb -x "$deb" "$tmp/root"
    prefix=$tmp/root
    echo "ok: unpacked with dpkg-deb -x into $prefix"
fi
version=$("$prefix/usr/bin/keepdav" --version) || fail "keepdav --version failed"
grep -q "^keepdav [0-9][0-9.]*$" <<<"$version" && grep -q "^Boost 1\." <<<"$version" && grep -q "^OpenSSL 3" <<<"$version" ||
    fail "unexpected --version: $version"
echo "ok: $(tr '\n' ';' <<<"$version")"
"$prefix/usr/bin/keepdav-probe" --help >/dev/null || fail "keepdav-probe does not run"
page=$(MANWIDTH=100 man -l "$prefix/usr/share/man/man1/keepdav.1.gz" 2>&1) || fail "man -l failed: $page"
for words in "keepdav - a WebDAV server" "--prefix" "--listen" "--socket-mode" "RUNNING AS A SERVICE" "Socket activation"; do
    grep -qF -- "$words" <<<"$page" || fail "the man page lacks \"$words\""
done
echo "ok: man -l shows the page ($(wc -l <<<"$page") lines)"
if command -v lintian >/dev/null; then
    # A CPack package has no Debian changelog (no-changelog): every other error is a finding.
    tags=$(lintian --tag-display-limit 0 "$deb" 2>&1 | grep -v "running with root privileges")
    echo "--- lintian:"; echo "$tags"
    errors=$(grep '^E: ' <<<"$tags" | grep -v ' no-changelog' || true)
    [ -z "$errors" ] || fail "lintian errors: $errors"
    echo "ok: lintian reports no error but no-changelog"
fi
echo "PASS"
