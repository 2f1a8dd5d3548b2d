#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Regenerates the bundled demo dump from testdata/specs/demo.json and the
# seed-flipped fake kernel. Run from the repository root after a build
# (cmake -S . -B build && cmake --build build).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cp "$build/testdata/kernels/seed-flipped/vmlinux" testdata/demo/vmlinux
"$build/tools/csdump-mkcore/csdump-mkcore" testdata/specs/demo.json -o testdata/demo \
  --vmlinux testdata/demo/vmlinux
ls -l testdata/demo
