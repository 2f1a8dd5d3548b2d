#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's two commands share build/: demo.sh configures it with the tests
# off, then test.sh must turn them back on, and its ctest must refuse to pass
# having found no tests. Configures a scratch build directory the way each
# script does, in that order, and checks both.
set -euo pipefail
src=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$src"
. scripts/configure.sh
fail() { echo "FAIL: $*" >&2; exit 1; }

csd_configure_demo "$scratch/build"
grep -q '^CSD_BUILD_TESTS:BOOL=OFF$' "$scratch/build/CMakeCache.txt" || fail "demo configure left the tests on"
# What a ctest call after demo.sh must do: fail, not pass on nothing.
if ctest --test-dir "$scratch/build" --no-tests=error >/dev/null 2>&1; then
  fail "ctest --no-tests=error passed in a build without tests"
fi

csd_configure_tests "$scratch/build"
grep -q '^CSD_BUILD_TESTS:BOOL=ON$' "$scratch/build/CMakeCache.txt" || fail "test configure after demo kept the tests off"
grep -q '^CSD_REALKERNEL:BOOL=ON$' "$scratch/build/CMakeCache.txt" || fail "test configure left the real-kernel tests off"
count=$(ctest --test-dir "$scratch/build" -N | sed -n 's/^Total Tests: //p')
[ "${count:-0}" -gt 0 ] || fail "no tests are registered after the test configure"
# Every label the README promises is registered.
for label in e2e realkernel; do
  n=$(ctest --test-dir "$scratch/build" -N -L "$label" | sed -n 's/^Total Tests: //p')
  [ "${n:-0}" -gt 0 ] || fail "no $label tests are registered after the test configure"
done

# And the demo configure after the tests turns them off again (and the
# sanitizer configure its own options), whatever the cache held.
csd_configure_sanitize "$scratch/build"
grep -q '^CSD_ENABLE_ASAN:BOOL=ON$' "$scratch/build/CMakeCache.txt" || fail "sanitize configure left ASan off"
csd_configure_tests "$scratch/build"
grep -q '^CSD_ENABLE_ASAN:BOOL=OFF$' "$scratch/build/CMakeCache.txt" || fail "test configure kept ASan from a sanitize cache"
echo "ok: $count tests registered"
