// SPDX-License-Identifier: MIT
// Translation parameters the user can force from the command line. Each one
// replaces whatever the dump or the vmlinux would have given, and `info` says so.
#pragma once

#include <cstdint>
#include <optional>

namespace csd {

struct TranslationOverrides {
  std::optional<uint64_t> page_size;
  std::optional<unsigned> va_bits;
  std::optional<uint64_t> phys_offset;
  std::optional<uint64_t> kimage_voffset;
  std::optional<uint64_t> kaslr_offset;
  std::optional<uint64_t> pgd_pa;  // physical address of the kernel page-table root
  // 32-bit ARM: CONFIG_PAGE_OFFSET (the VM split) and long-descriptor tables.
  std::optional<uint64_t> page_offset;
  std::optional<bool> lpae;
};

}  // namespace csd
