#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian 12 packages csdump needs to build and test, if missing.
# Sourced by demo.sh and test.sh; safe to run again.
set -euo pipefail

CSD_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libelf-dev libdw-dev libfmt-dev nlohmann-json3-dev libcli11-dev libssl-dev
  libgtest-dev libgmock-dev
  zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
  gcc-arm-linux-gnueabihf libc6-dev-armhf-cross binutils-arm-linux-gnueabihf
  python3
  libopencsd-bin linux-perf
  qemu-system-arm qemu-utils make bc cpio kmod makedumpfile python3-drgn
  mmdebstrap debian-archive-keyring
)

csd_install_deps() {
  local missing=()
  local pkg
  for pkg in "${CSD_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  csd_install_deps
fi
