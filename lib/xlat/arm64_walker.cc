// SPDX-License-Identifier: MIT
#include "xlat/arm64_walker.h"

#include <fmt/format.h>

#include <cstddef>
#include <utility>

#include "base/byte_reader.h"
#include "base/byte_size.h"

namespace csd {

Expected<uint64_t> Arm64Walker::ReadDescriptor(unsigned depth, uint64_t table_pa,
                                               uint64_t index) const {
  CacheEntry& entry = cache_[depth];
  if (entry.count != 0 && entry.table_pa == table_pa && index >= entry.first_index &&
      index - entry.first_index < entry.count) {
    return entry.desc[index - entry.first_index];
  }
  // index < 2^13, so only a hostile root address can overflow here.
  const auto pa = CheckedAdd(table_pa, index * 8);
  if (!pa) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("descriptor address {:#x} + {:#x} overflows", table_pa, index * 8));
  }
  // Below the root, every table is a whole granule at a granule-aligned
  // address (descriptors carry no lower bits), so the aligned block around
  // `index` lies inside it. The root may be small or oddly placed: read it one
  // descriptor at a time. A block that cannot be read (a hostile table address
  // near the end of RAM) falls back to the single descriptor, whose error is
  // the one to report.
  const uint64_t first = index & ~(kBlockEntries - 1);
  const bool block = depth != 0 && (table_pa & ((uint64_t{1} << geometry_.page_shift) - 1)) == 0 &&
                     CheckedAdd(table_pa, (first + kBlockEntries) * 8).has_value();
  std::array<std::byte, kBlockEntries * 8> bytes{};
  if (block && physical_.ReadPhysical(table_pa + first * 8, bytes).ok()) {
    entry.table_pa = table_pa;
    entry.first_index = first;
    entry.count = kBlockEntries;
    for (uint64_t i = 0; i < kBlockEntries; ++i) {
      entry.desc[i] = LoadUnsigned(std::span(bytes).subspan(i * 8, 8), Endian::kLittle);
    }
    return entry.desc[index - first];
  }
  const auto one = std::span(bytes).first(8);
  CSD_RETURN_IF_ERROR(physical_.ReadPhysical(*pa, one));
  entry.table_pa = table_pa;
  entry.first_index = index;
  entry.count = 1;
  entry.desc[0] = LoadUnsigned(one, Endian::kLittle);
  return entry.desc[0];
}

Expected<Translation> Arm64Walker::Walk(uint64_t va, std::vector<std::string>* steps) const {
  const Arm64Geometry& g = geometry_;
  // TTBR1 translates only the top 2^va_bits bytes; anything lower is a user
  // (TTBR0) or non-canonical address, which a kernel dump cannot resolve.
  if (va < g.Ttbr1Start()) {
    std::string message = fmt::format(
        "VA {:#x} is not a kernel address: TTBR1 translates [{:#x}, 2^64) with {}-bit VAs", va,
        g.Ttbr1Start(), g.va_bits);
    if (steps) steps->push_back(message);
    return Error(ErrorCode::kNotMapped, std::move(message));
  }
  if (steps) {
    steps->push_back(fmt::format(
        "VA {:#x}: page-table walk from PA {:#x} ({} granule, {}-bit VA, {} levels, {}-bit PA)", va,
        root_pa_, Arm64GranuleName(g.page_shift), g.va_bits, g.levels, g.pa_bits));
  }

  uint64_t table_pa = root_pa_;
  for (int level = g.top_level; level <= 3; ++level) {
    const uint64_t index = g.Index(va, level);
    auto desc = ReadDescriptor(static_cast<unsigned>(level - g.top_level), table_pa, index);
    if (!desc.ok()) {
      Error error = std::move(desc).error();
      if (steps) {
        steps->push_back(fmt::format("level {}: table PA {:#x} index {}: read failed: {}", level,
                                     table_pa, index, error.Describe()));
      }
      return std::move(error).AddContext(fmt::format(
          "level {} table at PA {:#x} index {} (VA {:#x})", level, table_pa, index, va));
    }
    const Arm64Descriptor d = DecodeArm64Descriptor(g, level, *desc);
    switch (d.kind) {
      case Arm64DescriptorKind::kInvalid: {
        if (steps) {
          steps->push_back(
              fmt::format("level {}: table PA {:#x} index {} -> descriptor {:#018x}: invalid",
                          level, table_pa, index, *desc));
        }
        return Error(ErrorCode::kNotMapped,
                     fmt::format("VA {:#x} is not mapped: level {} descriptor {:#018x} at table PA "
                                 "{:#x} index {} is invalid",
                                 va, level, *desc, table_pa, index));
      }
      case Arm64DescriptorKind::kBadBlock: {
        if (steps) {
          steps->push_back(
              fmt::format("level {}: table PA {:#x} index {} -> descriptor {:#018x}: block not "
                          "allowed at this level",
                          level, table_pa, index, *desc));
        }
        return Error(
            ErrorCode::kCorrupt,
            fmt::format(
                "VA {:#x}: level {} descriptor {:#018x} at table PA {:#x} index {} "
                "is a block, which the {} granule with {}-bit PAs does not allow at level {}",
                va, level, *desc, table_pa, index, Arm64GranuleName(g.page_shift), g.pa_bits,
                level));
      }
      case Arm64DescriptorKind::kTable:
        if (steps) {
          steps->push_back(fmt::format(
              "level {}: table PA {:#x} index {} -> descriptor {:#018x}: table at PA {:#x}", level,
              table_pa, index, *desc, d.address));
        }
        table_pa = d.address;
        break;
      case Arm64DescriptorKind::kBlock:
      case Arm64DescriptorKind::kPage: {
        if (steps) {
          steps->push_back(fmt::format(
              "level {}: table PA {:#x} index {} -> descriptor {:#018x}: {} {} at PA {:#x}", level,
              table_pa, index, *desc, FormatByteSize(d.size),
              d.kind == Arm64DescriptorKind::kPage ? "page" : "block", d.address));
        }
        const uint64_t offset = va & (d.size - 1);
        return Translation{d.address | offset, d.size - offset, "page-table"};
      }
    }
  }
  // Unreachable: the last level decodes only as a page or invalid.
  return Error(ErrorCode::kCorrupt, fmt::format("VA {:#x}: walk ended without a leaf", va));
}

}  // namespace csd
