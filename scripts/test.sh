#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds everything and runs every test (unit, end-to-end on synthetic dumps).
# With CSD_SANITIZE=1 also builds and runs the suite under ASan+UBSan in build-asan.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
. scripts/configure.sh
csd_install_deps
jobs=$(nproc)

# --no-tests=error: a build directory configured without the tests must fail
# here, never pass having run nothing.
csd_configure_tests build
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure --no-tests=error -j"$jobs"

if [ "${CSD_SANITIZE:-0}" = 1 ]; then
  csd_configure_sanitize build-asan
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$jobs"
fi
