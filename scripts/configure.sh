#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How demo.sh and test.sh configure a build directory. Sourced. Every option a
# script relies on is passed explicitly, every time: CMake keeps cached values,
# so a build/ configured by one script must not silently carry its options
# into the other (demo.sh turns the tests off; test.sh must turn them on).

# csd_configure_demo DIR: the tools only, optimised.
csd_configure_demo() {
  cmake --no-warn-unused-cli -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCSD_BUILD_TESTS=OFF -DCSD_REALKERNEL=OFF >/dev/null
}

# csd_configure_tests DIR: everything, warnings as errors, real kernels on.
csd_configure_tests() {
  cmake --no-warn-unused-cli -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSD_WERROR=ON \
    -DCSD_BUILD_TESTS=ON -DCSD_REALKERNEL=ON \
    -DCSD_ENABLE_ASAN=OFF -DCSD_ENABLE_UBSAN=OFF >/dev/null
}

# csd_configure_sanitize DIR: the suite under ASan and UBSan (no real kernels:
# their QEMU boots do not exercise csdump's code any differently).
csd_configure_sanitize() {
  cmake --no-warn-unused-cli -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCSD_WERROR=ON \
    -DCSD_BUILD_TESTS=ON -DCSD_REALKERNEL=OFF \
    -DCSD_ENABLE_ASAN=ON -DCSD_ENABLE_UBSAN=ON >/dev/null
}
