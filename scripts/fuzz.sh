#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the fuzz targets with clang + libFuzzer + ASan/UBSan in build-fuzz and
# runs each for SECONDS (default 600), JOBS at a time (default 2). New inputs
# go to build-fuzz/corpus/<target> (seeded from tests/fuzz/corpus), crashes to
# build-fuzz/artifacts/<target>/ (crashes of earlier runs are moved to
# build-fuzz/artifacts-old/<target>/ first, so the count is this run's). Prints
# executions per target.
#
# With FUZZ_MERGE=1, each target's run is then merged into the committed
# corpus (tests/fuzz/corpus/<target>): libFuzzer -merge=1 keeps only inputs
# that add coverage, and of those only files up to FUZZ_MERGE_MAX_FILE bytes
# (default 65536) are copied, at most FUZZ_MERGE_MAX_TOTAL bytes (default
# 1 MiB) per target, so the replayed corpus stays small.
# Usage: [JOBS=N] [FUZZ_MERGE=1] scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(dump elf_notes vmcoreinfo arm64_walker list_walk etm_metadata debuginfo kdump arm_walker vmcoreinfo_scan raw_image module_tables)
jobs=${JOBS:-2}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCSD_ENABLE_FUZZING=ON -DCSD_ENABLE_ASAN=ON -DCSD_ENABLE_UBSAN=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]/%/_fuzzer}"

run_one() {
  local t=$1
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t" "build-fuzz/artifacts-old/$t"
  find "build-fuzz/artifacts/$t" -maxdepth 1 -type f -exec mv -t "build-fuzz/artifacts-old/$t/" {} +
  cp -n tests/fuzz/corpus/"$t"/* "build-fuzz/corpus/$t/" 2>/dev/null || true
  "build-fuzz/tests/fuzz/${t}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="build-fuzz/artifacts/$t/" -print_final_stats=1 "build-fuzz/corpus/$t" \
    >"build-fuzz/$t.log" 2>&1 || true
  local execs
  execs=$(grep -m1 'stat::number_of_executed_units' "build-fuzz/$t.log" | awk '{print $2}')
  local crashes
  crashes=$(find "build-fuzz/artifacts/$t" -type f | wc -l)
  printf '%-14s %12s execs in %ss, %s crash artifact(s)\n' "$t" "${execs:-?}" "$seconds" "$crashes"
  if [ "${FUZZ_MERGE:-0}" = 1 ]; then merge_one "$t"; fi
}
merge_one() {
  local t=$1 merged="build-fuzz/merge/$1"
  rm -rf "$merged" && mkdir -p "$merged"
  "build-fuzz/tests/fuzz/${t}_fuzzer" -merge=1 "$merged" "tests/fuzz/corpus/$t" "build-fuzz/corpus/$t" \
    >"build-fuzz/$t.merge.log" 2>&1 || { echo "$t: merge failed (build-fuzz/$t.merge.log)"; return; }
  local added=0 files=0 f size
  for f in $(ls -S -r "$merged"); do
    [ -e "tests/fuzz/corpus/$t/$f" ] && continue
    size=$(stat -c %s "$merged/$f")
    [ "$size" -le "${FUZZ_MERGE_MAX_FILE:-65536}" ] || continue
    [ $((added + size)) -le "${FUZZ_MERGE_MAX_TOTAL:-1048576}" ] || break
    cp "$merged/$f" "tests/fuzz/corpus/$t/$f"
    added=$((added + size)) files=$((files + 1))
  done
  printf '%-14s merged %s new input(s), %s bytes, into tests/fuzz/corpus/%s\n' "$t" "$files" "$added" "$t"
}
export -f run_one merge_one
export seconds
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
