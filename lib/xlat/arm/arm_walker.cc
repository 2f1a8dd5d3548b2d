// SPDX-License-Identifier: MIT
#include "xlat/arm/arm_walker.h"

#include <fmt/format.h>

#include <cstddef>
#include <utility>

#include "base/byte_reader.h"
#include "base/byte_size.h"

namespace csd {

namespace {

// A leaf: the output block `base` of `size` bytes covering `va`.
Translation Leaf(uint64_t va, uint64_t base, uint64_t size) {
  const uint64_t offset = va & (size - 1);
  return Translation{base | offset, size - offset, "page-table"};
}

}  // namespace

Expected<uint64_t> ArmWalker::ReadDescriptor(unsigned level, uint64_t table_pa, uint64_t index,
                                             unsigned width) const {
  CacheEntry& entry = cache_[level];
  if (entry.valid && entry.table_pa == table_pa && entry.index == index) return entry.desc;
  // Table addresses come from 40-bit descriptor fields and indices are < 4096:
  // only a hostile root can overflow.
  const auto pa = CheckedAdd(table_pa, index * width);
  if (!pa) {
    return Error(ErrorCode::kCorrupt, fmt::format("descriptor address {:#x} + {:#x} overflows",
                                                  table_pa, index * width));
  }
  std::array<std::byte, 8> bytes{};
  CSD_RETURN_IF_ERROR(physical_.ReadPhysical(*pa, std::span(bytes.data(), width)));
  const uint64_t desc = LoadUnsigned(std::span(bytes.data(), width), Endian::kLittle);
  entry = CacheEntry{table_pa, index, desc, true};
  return desc;
}

Expected<Translation> ArmWalker::Walk(uint64_t va, std::vector<std::string>* steps) const {
  if (va > 0xffffffffu) {
    std::string message = fmt::format("VA {:#x} does not fit 32 bits", va);
    if (steps) steps->push_back(message);
    return Error(ErrorCode::kNotMapped, std::move(message));
  }
  const auto va32 = static_cast<uint32_t>(va);
  return lpae_ ? WalkLpae(va32, steps) : WalkShort(va32, steps);
}

// A descriptor that cannot be read ends the walk, with the level, table and
// index as context (fault descriptors go through ArmFault).
#define CSD_ARM_READ(var, level, table_pa, index, width)                                       \
  auto var = ReadDescriptor(level, table_pa, index, width);                                    \
  if (!var.ok()) {                                                                             \
    Error error = std::move(var).error();                                                      \
    if (steps) {                                                                               \
      steps->push_back(fmt::format("L{}: table PA {:#x} index {}: read failed: {}", level,     \
                                   table_pa, index, error.Describe()));                        \
    }                                                                                          \
    return std::move(error).AddContext(                                                        \
        fmt::format("L{} table at PA {:#x} index {} (VA {:#x})", level, table_pa, index, va)); \
  }

namespace {

Error ArmFault(uint32_t va, unsigned level, uint64_t table_pa, uint64_t index, uint64_t desc,
               int digits, std::vector<std::string>* steps) {
  if (steps) {
    steps->push_back(fmt::format("L{}: table PA {:#x} index {} -> descriptor {:#0{}x}: fault",
                                 level, table_pa, index, desc, digits));
  }
  return Error(ErrorCode::kNotMapped,
               fmt::format("VA {:#x} is not mapped: L{} descriptor {:#0{}x} at table PA {:#x} "
                           "index {} is a fault entry",
                           va, level, desc, digits, table_pa, index));
}

}  // namespace

Expected<Translation> ArmWalker::WalkShort(uint32_t va, std::vector<std::string>* steps) const {
  if (steps) {
    steps->push_back(
        fmt::format("VA {:#x}: short-descriptor walk from PA {:#x} (L1 4096 x u32, L2 256 x u32)",
                    va, root_pa_));
  }
  // ARM ARM B3.5.1, TTBCR.N = 0 (Linux): L1 index is VA[31:20].
  const uint64_t l1_index = va >> 20;
  CSD_ARM_READ(l1, 1, root_pa_, l1_index, 4)
  const auto d1 = static_cast<uint32_t>(*l1);
  if ((d1 & 3) == 0) return ArmFault(va, 1, root_pa_, l1_index, d1, 10, steps);
  if ((d1 & 3) == 1) {
    // Page table: L2 base = desc[31:10]. Linux (pgtable-2level.h) puts its
    // software PTEs in the same page; this is the hardware table's address.
    const uint64_t l2_pa = d1 & 0xfffffc00u;
    if (steps) {
      steps->push_back(
          fmt::format("L1: table PA {:#x} index {} -> descriptor {:#010x}: page table at PA {:#x}",
                      root_pa_, l1_index, d1, l2_pa));
    }
    const uint64_t l2_index = (va >> 12) & 0xff;  // VA[19:12]
    CSD_ARM_READ(l2, 2, l2_pa, l2_index, 4)
    const auto d2 = static_cast<uint32_t>(*l2);
    if ((d2 & 3) == 0) return ArmFault(va, 2, l2_pa, l2_index, d2, 10, steps);
    // 0b1x: small page (bit 0 is XN); 0b01: large page (B3.5.1, Table B3-2).
    const bool small = (d2 & 2) != 0;
    const uint64_t size = small ? 0x1000 : 0x10000;
    const uint64_t base = small ? (d2 & 0xfffff000u) : (d2 & 0xffff0000u);
    if (steps) {
      steps->push_back(
          fmt::format("L2: table PA {:#x} index {} -> descriptor {:#010x}: {} {} page at PA {:#x}",
                      l2_pa, l2_index, d2, FormatByteSize(size), small ? "small" : "large", base));
    }
    return Leaf(va, base, size);
  }
  // 0b1x: section, or supersection when bit 18 is set (0b11 is a section with
  // PXN on implementations that have it). Supersections carry PA[39:32] in
  // desc[8:5] (PA[39:36]) and desc[23:20] (PA[35:32]) (B3.5.1, Table B3-1).
  uint64_t base = 0;
  uint64_t size = 0;
  const bool super = (d1 & (1u << 18)) != 0;
  if (super) {
    size = uint64_t{1} << 24;
    base =
        (d1 & 0xff000000u) | (uint64_t{(d1 >> 20) & 0xf} << 32) | (uint64_t{(d1 >> 5) & 0xf} << 36);
  } else {
    size = uint64_t{1} << 20;
    base = d1 & 0xfff00000u;
  }
  if (steps) {
    steps->push_back(fmt::format(
        "L1: table PA {:#x} index {} -> descriptor {:#010x}: {} {} at PA {:#x}", root_pa_, l1_index,
        d1, FormatByteSize(size), super ? "supersection" : "section", base));
  }
  return Leaf(va, base, size);
}

Expected<Translation> ArmWalker::WalkLpae(uint32_t va, std::vector<std::string>* steps) const {
  if (steps) {
    steps->push_back(
        fmt::format("VA {:#x}: LPAE walk from PA {:#x} (3 levels of u64, 40-bit output addresses)",
                    va, root_pa_));
  }
  // ARM ARM B3.6.1 with TTBCR.T1SZ = 0 as Linux walks swapper_pg_dir: L1
  // index VA[31:30] (4 entries), L2 VA[29:21], L3 VA[20:12]. Output
  // addresses are desc[39:12].
  constexpr uint64_t kAddressMask = 0x000000fffffff000ull;
  uint64_t table_pa = root_pa_;
  for (unsigned level = 1; level <= 3; ++level) {
    const unsigned shift = level == 1 ? 30 : level == 2 ? 21 : 12;
    const uint64_t index = (va >> shift) & (level == 1 ? 3u : 0x1ffu);
    CSD_ARM_READ(desc, level, table_pa, index, 8)
    const uint64_t d = *desc;
    const bool table_bit = (d & 2) != 0;
    if ((d & 1) == 0 || (level == 3 && !table_bit)) {
      // bit 0 clear is a fault at every level; 0b01 at level 3 is reserved
      // and faults too (B3.6.1).
      return ArmFault(va, level, table_pa, index, d, 18, steps);
    }
    if (level < 3 && table_bit) {
      const uint64_t next = d & kAddressMask;
      if (steps) {
        steps->push_back(
            fmt::format("L{}: table PA {:#x} index {} -> descriptor {:#018x}: table at PA {:#x}",
                        level, table_pa, index, d, next));
      }
      table_pa = next;
      continue;
    }
    const uint64_t size = uint64_t{1} << shift;
    const uint64_t base = d & kAddressMask & ~(size - 1);
    if (steps) {
      steps->push_back(fmt::format(
          "L{}: table PA {:#x} index {} -> descriptor {:#018x}: {} {} at PA {:#x}", level, table_pa,
          index, d, FormatByteSize(size), level == 3 ? "page" : "block", base));
    }
    return Leaf(va, base, size);
  }
  return Error(ErrorCode::kCorrupt, fmt::format("VA {:#x}: LPAE walk ended without a leaf", va));
}

#undef CSD_ARM_READ

}  // namespace csd
