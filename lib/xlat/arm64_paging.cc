// SPDX-License-Identifier: MIT
// Geometry validation and descriptor decoding for arm64 stage-1 tables
// (ARM ARM D8.3 "Translation table descriptor formats").
#include "xlat/arm64_paging.h"

#include <fmt/format.h>

namespace csd {
namespace {

constexpr uint64_t kTypeMask = 0x3;
constexpr uint64_t kTypeBlock = 0x1;        // at a level above the last
constexpr uint64_t kTypeTableOrPage = 0x3;  // table above the last level, page at it

constexpr uint64_t kOa48Mask = 0x0000'ffff'ffff'f000;    // desc[47:12]
constexpr uint64_t kLpa2OaMask = 0x0003'ffff'ffff'f000;  // desc[49:12]

}  // namespace

unsigned Arm64LevelCount(unsigned page_shift, unsigned va_bits) {
  if (page_shift != 12 && page_shift != 14 && page_shift != 16) return 0;
  if (va_bits <= page_shift || va_bits > 64) return 0;
  const unsigned per_level = page_shift - 3;
  return (va_bits - page_shift + per_level - 1) / per_level;
}

Expected<Arm64Geometry> MakeArm64Geometry(unsigned page_shift, unsigned va_bits, unsigned pa_bits) {
  if (page_shift != 12 && page_shift != 14 && page_shift != 16) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("arm64 page shift {} is not 12, 14 or 16", page_shift));
  }
  if (va_bits < 36 || va_bits > 52) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("arm64 translation VA bits {} are outside 36..52", va_bits));
  }
  if (pa_bits != 48 && pa_bits != 52) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("arm64 PA bits {} are not 48 or 52", pa_bits));
  }
  Arm64Geometry g;
  g.page_shift = page_shift;
  g.va_bits = va_bits;
  g.pa_bits = pa_bits;
  g.levels = Arm64LevelCount(page_shift, va_bits);
  g.top_level = 4 - static_cast<int>(g.levels);
  // Blocks: 4K at level 1 (1 GiB) and 2 (2 MiB); 16K and 64K only at level 2
  // (32 MiB, 512 MiB). The 52-bit output formats add one larger block level:
  // 512 GiB at level 0 (4K, LPA2), 64 GiB at level 1 (16K, LPA2), 4 TiB at
  // level 1 (64K, FEAT_LPA).
  g.min_block_level = (page_shift == 12 ? 1 : 2) - (pa_bits == 52 ? 1 : 0);
  return g;
}

uint64_t Arm64OutputAddress(const Arm64Geometry& geometry, uint64_t desc) {
  const uint64_t page_mask = ~((uint64_t{1} << geometry.page_shift) - 1);
  if (geometry.pa_bits != 52) return desc & kOa48Mask & page_mask;
  if (geometry.page_shift == 16) {
    // FEAT_LPA: the 64K granule leaves desc[15:12] free below the page
    // address, and the architecture puts PA[51:48] there.
    return (desc & kOa48Mask & page_mask) | (((desc >> 12) & 0xf) << 48);
  }
  // LPA2 (TCR_ELx.DS=1): desc[49:48] extend the address in place and
  // desc[9:8] (no longer shareability) carry PA[51:50].
  return (desc & kLpa2OaMask & page_mask) | (((desc >> 8) & 0x3) << 50);
}

Arm64Descriptor DecodeArm64Descriptor(const Arm64Geometry& geometry, int level, uint64_t desc) {
  Arm64Descriptor out;
  const uint64_t type = desc & kTypeMask;
  const bool last = level == 3;
  if (type == kTypeTableOrPage) {
    out.kind = last ? Arm64DescriptorKind::kPage : Arm64DescriptorKind::kTable;
    out.size = uint64_t{1} << geometry.page_shift;
    out.address = Arm64OutputAddress(geometry, desc);
    return out;
  }
  // 0b01 at the last level is reserved and faults like an invalid entry.
  if (type != kTypeBlock || last) return out;
  out.size = uint64_t{1} << geometry.Shift(level);
  out.address = Arm64OutputAddress(geometry, desc) & ~(out.size - 1);
  out.kind =
      geometry.BlockAllowed(level) ? Arm64DescriptorKind::kBlock : Arm64DescriptorKind::kBadBlock;
  return out;
}

std::string Arm64GranuleName(unsigned page_shift) {
  return fmt::format("{}K", (uint64_t{1} << page_shift) >> 10);
}

}  // namespace csd
