#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds everything and runs every test (unit, end-to-end on synthetic dumps).
# With CSD_SANITIZE=1 also builds and runs the suite under ASan+UBSan in build-asan.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
csd_install_deps
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSD_WERROR=ON -DCSD_REALKERNEL=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

if [ "${CSD_SANITIZE:-0}" = 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCSD_WERROR=ON \
    -DCSD_ENABLE_ASAN=ON -DCSD_ENABLE_UBSAN=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi
