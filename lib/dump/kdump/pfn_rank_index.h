// SPDX-License-Identifier: MIT
// makedumpfile's page bitmaps, and the rank index that finds a page's
// descriptor (formats.md §3.4). A kdump-compressed file holds one page_desc
// for each set bit of its 2nd bitmap, in PFN order, so the descriptor of
// page `pfn` is number "set bits before pfn". Counting those from the start
// on every read would touch up to max_mapnr/8 bytes; the index keeps the
// count at every kRankStride-th PFN, so a lookup counts at most that many
// bits. (libkdumpfile keeps the same apart from diskdump.c, in bitmap.c.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace csd {

// Bit `bit` of a bitmap in makedumpfile's order (bit 0 of byte 0 is PFN 0,
// least significant bit first); false past the bitmap's end.
bool TestBitmapBit(std::span<const std::byte> bitmap, uint64_t bit);

// How many bits of [from, to) are set; bits past the bitmap's end are clear.
uint64_t CountBitmapBits(std::span<const std::byte> bitmap, uint64_t from, uint64_t to);

// A run [first, end) of set bits.
struct BitRun {
  uint64_t first = 0;
  uint64_t end = 0;
  bool operator==(const BitRun&) const = default;
};

// The maximal runs of set bits below `limit`, in order: the RAM ranges of
// the 1st bitmap. Bits past the bitmap's end are clear.
std::vector<BitRun> SetBitRuns(std::span<const std::byte> bitmap, uint64_t limit);

// The 2nd bitmap of one kdump file with its rank index, over the PFNs
// [start, end) that file serves (all of them, or one split part's range).
// PFNs are bitmap indices (relative to phys_base where the dump says so).
class PfnRankIndex {
 public:
  static constexpr uint64_t kRankStride = 4096;  // PFNs per index entry

  // Indexes `bitmap` over [start, end). kCorrupt, naming `what`, when the
  // range runs backwards or the bitmap has fewer than `end` bits.
  static Expected<PfnRankIndex> Build(std::vector<std::byte> bitmap, uint64_t start, uint64_t end,
                                      std::string_view what);

  uint64_t start() const { return start_; }
  uint64_t end() const { return end_; }
  bool Contains(uint64_t pfn) const { return pfn >= start_ && pfn < end_; }
  // Whether `pfn`'s bit is set (any PFN; false past the bitmap).
  bool Test(uint64_t pfn) const { return TestBitmapBit(bitmap_, pfn); }
  // Set bits in [start, pfn), for `pfn` in [start, end]: when Test(pfn), the
  // number of pfn's page descriptor.
  uint64_t Rank(uint64_t pfn) const;
  // Set bits in [start, end): how many page descriptors the file holds.
  uint64_t total() const { return rank_.back(); }

 private:
  PfnRankIndex(std::vector<std::byte> bitmap, uint64_t start, uint64_t end);

  std::vector<std::byte> bitmap_;
  uint64_t start_ = 0, end_ = 0;
  // rank_[i]: set bits in [start, start + i * kRankStride); the last entry
  // is the total.
  std::vector<uint64_t> rank_;
};

}  // namespace csd
