#!/usr/bin/env bash
# Installs what keepdav needs to build and test, from Debian bookworm's packages. Idempotent.
set -euo pipefail
packages=(
    cmake g++ make pkg-config
    libboost1.81-dev libboost-program-options1.81-dev
    libpugixml-dev libssl-dev libcrypt-dev libtomlplusplus-dev catch2
    postgresql libpqxx-dev
    litmus curl python3 cadaver rclone davfs2 apache2-utils openssl
    clang libclang-rt-14-dev
    haproxy apache2 caddy nginx lighttpd varnish
    chromium
    # running as a service: sd-daemon, socket activation and unit checks, the man page, the package
    libsystemd-dev systemd help2man man-db dpkg-dev lintian
    fail2ban prometheus wrk
)
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# tus-js-client, the one client of the resumable-upload draft found in a registry (clients.resumable_clients
# runs it when present); from npm, where Node is.
if command -v npm >/dev/null && ! npm ls -g tus-js-client >/dev/null 2>&1; then
    as_root npm install -g --no-audit --no-fund tus-js-client@4.3.1 >/dev/null || echo "tus-js-client not installed"
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -qq
    # The proxies' postinst scripts would start daemons on port 80: policy-rc.d's 101 forbids it. Keep
    # one that is already there (container images ship one); remove only the one made here.
    guard=/usr/sbin/policy-rc.d made_guard=
    if [ ! -e "$guard" ]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" >"$1" && chmod +x "$1"' sh "$guard" && made_guard=1
    fi
    status=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        status=$?
    [ -z "$made_guard" ] || as_root rm -f "$guard"
    exit "$status"
fi
