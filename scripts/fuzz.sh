#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the fuzz targets with clang + libFuzzer + ASan/UBSan in build-fuzz and
# runs each for SECONDS (default 600), JOBS at a time (default 2). New inputs
# go to build-fuzz/corpus/<target> (seeded from tests/fuzz/corpus), crashes to
# build-fuzz/artifacts/<target>/. Prints executions per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(dump elf_notes vmcoreinfo arm64_walker list_walk etm_metadata debuginfo kdump arm_walker vmcoreinfo_scan raw_image)
jobs=${JOBS:-2}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCSD_ENABLE_FUZZING=ON -DCSD_ENABLE_ASAN=ON -DCSD_ENABLE_UBSAN=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/%/_fuzzer}"

run_one() {
  local t=$1
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
  cp -n tests/fuzz/corpus/"$t"/* "build-fuzz/corpus/$t/" 2>/dev/null || true
  "build-fuzz/tests/fuzz/${t}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="build-fuzz/artifacts/$t/" -print_final_stats=1 "build-fuzz/corpus/$t" \
    >"build-fuzz/$t.log" 2>&1 || true
  local execs
  execs=$(grep -m1 'stat::number_of_executed_units' "build-fuzz/$t.log" | awk '{print $2}')
  local crashes
  crashes=$(find "build-fuzz/artifacts/$t" -type f | wc -l)
  printf '%-14s %12s execs in %ss, %s crash artifact(s)\n' "$t" "${execs:-?}" "$seconds" "$crashes"
}
export -f run_one
export seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
