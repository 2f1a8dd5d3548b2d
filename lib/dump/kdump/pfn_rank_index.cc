// SPDX-License-Identifier: MIT
#include "dump/kdump/pfn_rank_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstring>
#include <utility>

#include "base/byte_reader.h"

namespace csd {

bool TestBitmapBit(std::span<const std::byte> bitmap, uint64_t bit) {
  const uint64_t byte = bit >> 3;
  return byte < bitmap.size() && ((static_cast<unsigned>(bitmap[byte]) >> (bit & 7)) & 1) != 0;
}

uint64_t CountBitmapBits(std::span<const std::byte> bitmap, uint64_t from, uint64_t to) {
  uint64_t count = 0;
  uint64_t bit = from;
  while (bit < to && (bit & 63) != 0) count += TestBitmapBit(bitmap, bit++);
  while (bit + 64 <= to && (bit >> 3) + 8 <= bitmap.size()) {
    uint64_t word;
    std::memcpy(&word, bitmap.data() + (bit >> 3), 8);
    count += static_cast<uint64_t>(
        std::popcount(LoadUnsigned(std::as_bytes(std::span(&word, 1)), Endian::kLittle)));
    bit += 64;
  }
  while (bit < to) count += TestBitmapBit(bitmap, bit++);
  return count;
}

std::vector<BitRun> SetBitRuns(std::span<const std::byte> bitmap, uint64_t limit) {
  std::vector<BitRun> runs;
  uint64_t bit = 0;
  while (bit < limit) {
    // Whole clear bytes at once: most of a sparse bitmap.
    if ((bit & 7) == 0 && (bit >> 3) < bitmap.size() && bitmap[bit >> 3] == std::byte{0}) {
      bit += 8;
      continue;
    }
    if (!TestBitmapBit(bitmap, bit)) {
      ++bit;
      continue;
    }
    const uint64_t first = bit;
    while (bit < limit && TestBitmapBit(bitmap, bit)) ++bit;
    runs.push_back({first, bit});
  }
  return runs;
}

Expected<PfnRankIndex> PfnRankIndex::Build(std::vector<std::byte> bitmap, uint64_t start,
                                           uint64_t end, std::string_view what) {
  if (start > end) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: PFN range [{:#x}, {:#x}) runs backwards", what, start, end));
  }
  if (end / 8 + (end % 8 != 0 ? 1 : 0) > bitmap.size()) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{} of {:#x} bytes has no bits for PFNs up to {:#x}", what,
                             bitmap.size(), end));
  }
  return PfnRankIndex(std::move(bitmap), start, end);
}

PfnRankIndex::PfnRankIndex(std::vector<std::byte> bitmap, uint64_t start, uint64_t end)
    : bitmap_(std::move(bitmap)), start_(start), end_(end) {
  rank_.reserve((end_ - start_) / kRankStride + 2);
  uint64_t total = 0;
  for (uint64_t pfn = start_; pfn < end_; pfn += kRankStride) {
    rank_.push_back(total);
    total += CountBitmapBits(bitmap_, pfn, std::min(end_, pfn + kRankStride));
  }
  rank_.push_back(total);
}

uint64_t PfnRankIndex::Rank(uint64_t pfn) const {
  assert(pfn >= start_ && pfn <= end_);
  const uint64_t slot = (pfn - start_) / kRankStride;
  return rank_[slot] + CountBitmapBits(bitmap_, start_ + slot * kRankStride, pfn);
}

}  // namespace csd
