#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds csdump-extract and runs it on the demo dump bundled in testdata/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/configure.sh
csd_install_deps
csd_configure_demo build
cmake --build build -j"$(nproc)" --target csdump-extract
out=$(mktemp -d /tmp/csdump-demo.XXXXXX)
set -x
./build/tools/csdump-extract/csdump-extract testdata/demo/vmcore testdata/demo/vmlinux -o "$out"
{ set +x; } 2>/dev/null
echo
ls -lR "$out"
