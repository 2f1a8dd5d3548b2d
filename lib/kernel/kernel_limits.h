// SPDX-License-Identifier: MIT
// Caps on what the kernel layer reads out of a dump, for hostile input: a
// corrupt dump or a vmlinux whose DWARF is not what it claims must not become
// an unbounded allocation. Each has a csdump-extract flag (man page, LIMITS).
#pragma once

#include <cstdint>

namespace csd {

struct KernelLimits {
  static constexpr uint64_t kDefaultMaxObjectSize = 64 * 1024;
  static constexpr uint64_t kDefaultMaxVmcoreinfoSize = uint64_t{1} << 20;
  // --max-object-size: the largest struct read in one piece (ObjectView). No
  // kernel object we read comes near it; a larger DWARF size means the debug
  // info is not what we think it is.
  uint64_t max_object_size = kDefaultMaxObjectSize;
  // --max-vmcoreinfo-size: the largest VMCOREINFO text parsed (the kernel's
  // is one page).
  uint64_t max_vmcoreinfo_size = kDefaultMaxVmcoreinfoSize;
};

}  // namespace csd
