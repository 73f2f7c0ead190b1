#!/usr/bin/env bash
# Installs what keepdav needs to build and test, from Debian bookworm's packages. Idempotent.
set -euo pipefail
packages=(
    cmake g++ make pkg-config
    libboost1.81-dev libboost-program-options1.81-dev
    libpugixml-dev libssl-dev libcrypt-dev catch2
    litmus curl python3 cadaver rclone davfs2 apache2-utils openssl
    clang libclang-rt-14-dev
)
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
