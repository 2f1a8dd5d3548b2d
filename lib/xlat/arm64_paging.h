// SPDX-License-Identifier: MIT
// arm64 stage-1 paging geometry and descriptor decoding, as data. Everything
// granule-specific (level count, entries per level, block sizes, where the
// output address lives in a descriptor) is computed here, so the walker has no
// per-granule branches. Levels use the ARM ARM numbering: the last level is 3,
// the top level is 4 - levels (-1 for a 5-level LPA2 walk).
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"

namespace csd {

inline constexpr unsigned kArm64MaxLevels = 5;  // 4K granule, 52-bit VA (LPA2)

struct Arm64Geometry {
  unsigned page_shift = 12;  // 12, 14 or 16
  unsigned va_bits = 48;     // bits resolved by the TTBR1 walk
  unsigned pa_bits = 48;     // 48, or 52 (FEAT_LPA for 64K, LPA2 for 4K/16K)
  unsigned levels = 4;
  int top_level = 0;        // 4 - levels
  int min_block_level = 1;  // lowest (largest-block) level at which a block is allowed

  // Bits each table level resolves: a table is one page of 8-byte descriptors.
  unsigned BitsPerLevel() const { return page_shift - 3; }
  // The VA bit at which the index of `level` starts; also log2 of the size
  // mapped by one descriptor at that level.
  unsigned Shift(int level) const {
    return page_shift + static_cast<unsigned>(3 - level) * BitsPerLevel();
  }
  // 2^(page_shift-3), except at the top level, which holds what is left of va_bits.
  uint64_t Entries(int level) const {
    const unsigned bits = level == top_level ? va_bits - Shift(level) : BitsPerLevel();
    return uint64_t{1} << bits;
  }
  uint64_t Index(uint64_t va, int level) const {
    return (va >> Shift(level)) & (Entries(level) - 1);
  }
  bool BlockAllowed(int level) const { return level >= min_block_level && level < 3; }
  // The lowest TTBR1 address: kernel VAs are the top 2^va_bits bytes.
  uint64_t Ttbr1Start() const { return ~uint64_t{0} << va_bits; }
};

// Validates the parameters (page_shift 12/14/16, va_bits 36..52, pa_bits 48 or
// 52) and derives the rest. kInvalidArgument names the offending value.
Expected<Arm64Geometry> MakeArm64Geometry(unsigned page_shift, unsigned va_bits, unsigned pa_bits);

// ceil((va_bits - page_shift) / (page_shift - 3)); 0 when page_shift is not
// an arm64 granule or va_bits does not exceed it.
unsigned Arm64LevelCount(unsigned page_shift, unsigned va_bits);

enum class Arm64DescriptorKind {
  kInvalid,   // bits[1:0] not a valid encoding at this level: translation fault
  kTable,     // next-level table at `address`
  kBlock,     // `size` bytes at `address`, at a level above the last
  kPage,      // one page at `address`, at the last level
  kBadBlock,  // a block encoding at a level where the granule allows none
};

struct Arm64Descriptor {
  Arm64DescriptorKind kind = Arm64DescriptorKind::kInvalid;
  uint64_t address = 0;  // physical; aligned to a page (tables, pages) or to `size` (blocks)
  uint64_t size = 0;     // bytes mapped (blocks and pages); a page for tables
};

// The output-address field of a descriptor, aligned down to the page.
//  48-bit: desc[47:page_shift].
//  64K + FEAT_LPA: PA[51:48] = desc[15:12].
//  4K/16K + LPA2: PA[49:48] = desc[49:48], PA[51:50] = desc[9:8] (bits that
//  are shareability without LPA2, hence the explicit pa_bits switch).
uint64_t Arm64OutputAddress(const Arm64Geometry& geometry, uint64_t desc);

Arm64Descriptor DecodeArm64Descriptor(const Arm64Geometry& geometry, int level, uint64_t desc);

// "4K", "16K", "64K".
std::string Arm64GranuleName(unsigned page_shift);

}  // namespace csd
