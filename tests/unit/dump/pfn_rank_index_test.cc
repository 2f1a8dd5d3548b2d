// SPDX-License-Identifier: MIT
// The bitmap helpers and the rank index against a bit-by-bit count, on
// seeded random bitmaps, and the index's refusal of a bitmap too short for
// the PFN range it is asked to serve.
#include "dump/kdump/pfn_rank_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace csd {
namespace {

using ::testing::HasSubstr;

// `bytes` random bytes, each bit set with probability about `density`.
std::vector<std::byte> RandomBitmap(size_t bytes, double density, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution bit(density);
  std::vector<std::byte> bitmap(bytes);
  for (std::byte& b : bitmap) {
    unsigned v = 0;
    for (int i = 0; i < 8; ++i) v |= (bit(rng) ? 1u : 0u) << i;
    b = std::byte(v);
  }
  return bitmap;
}

uint64_t NaiveCount(const std::vector<std::byte>& bitmap, uint64_t from, uint64_t to) {
  uint64_t n = 0;
  for (uint64_t bit = from; bit < to; ++bit) {
    if (bit / 8 < bitmap.size() && ((static_cast<unsigned>(bitmap[bit / 8]) >> (bit % 8)) & 1)) ++n;
  }
  return n;
}

TEST(BitmapTest, BitsAreLeastSignificantFirstAndClearPastTheEnd) {
  const std::vector<std::byte> bitmap = {std::byte{0x01}, std::byte{0x80}};
  EXPECT_TRUE(TestBitmapBit(bitmap, 0));
  EXPECT_FALSE(TestBitmapBit(bitmap, 1));
  EXPECT_FALSE(TestBitmapBit(bitmap, 7));
  EXPECT_TRUE(TestBitmapBit(bitmap, 15));
  EXPECT_FALSE(TestBitmapBit(bitmap, 16));
  EXPECT_FALSE(TestBitmapBit(bitmap, ~uint64_t{0}));
  EXPECT_EQ(CountBitmapBits(bitmap, 0, 1000), 2u);
  EXPECT_EQ(CountBitmapBits(bitmap, 1, 15), 0u);
  EXPECT_EQ(CountBitmapBits(bitmap, 5, 5), 0u);
  EXPECT_EQ(CountBitmapBits({}, 0, 100), 0u);
}

// Ranges starting and ending on and off 64-bit words, and running past the
// bitmap's end, exercise each of CountBitmapBits' three loops.
TEST(BitmapTest, CountMatchesABitByBitCount) {
  for (double density : {0.02, 0.5, 0.98}) {
    const auto bitmap = RandomBitmap(517, density, 7);
    std::mt19937_64 rng(11);
    for (int i = 0; i < 2000; ++i) {
      uint64_t from = rng() % (bitmap.size() * 8 + 200);
      uint64_t to = rng() % (bitmap.size() * 8 + 200);
      if (from > to) std::swap(from, to);
      ASSERT_EQ(CountBitmapBits(bitmap, from, to), NaiveCount(bitmap, from, to))
          << "[" << from << ", " << to << ") density " << density;
    }
  }
}

TEST(BitmapTest, SetBitRunsAreTheMaximalRunsBelowTheLimit) {
  for (double density : {0.01, 0.5, 0.95}) {
    const auto bitmap = RandomBitmap(300, density, 3);
    for (uint64_t limit :
         {uint64_t{0}, uint64_t{1}, uint64_t{1001}, uint64_t{2400}, uint64_t{2500}}) {
      std::vector<BitRun> want;
      for (uint64_t bit = 0; bit < limit; ++bit) {
        if (NaiveCount(bitmap, bit, bit + 1) == 0) continue;
        if (!want.empty() && want.back().end == bit) {
          ++want.back().end;
        } else {
          want.push_back({bit, bit + 1});
        }
      }
      EXPECT_EQ(SetBitRuns(bitmap, limit), want) << "limit " << limit << " density " << density;
    }
  }
  // A run cut by the limit, and one reaching the bitmap's end.
  const std::vector<std::byte> full(2, std::byte{0xff});
  EXPECT_EQ(SetBitRuns(full, 5), (std::vector<BitRun>{{0, 5}}));
  EXPECT_EQ(SetBitRuns(full, 64), (std::vector<BitRun>{{0, 16}}));
}

// A split part's range (unaligned start, several strides and a partial one)
// and a whole file's: every rank, including the one at `end`, is the count
// of set bits from `start`.
TEST(PfnRankIndexTest, RankIsTheSetBitsFromStart) {
  constexpr uint64_t kStride = PfnRankIndex::kRankStride;
  const auto bitmap = RandomBitmap((3 * kStride + 1000) / 8 + 1, 0.3, 5);
  struct Range {
    uint64_t start, end;
  };
  for (Range r : {Range{0, 3 * kStride + 1000}, Range{777, 2 * kStride + 5},
                  Range{kStride, kStride}, Range{100, 3 * kStride}}) {
    SCOPED_TRACE(::testing::Message() << "[" << r.start << ", " << r.end << ")");
    auto index = PfnRankIndex::Build(bitmap, r.start, r.end, "2nd bitmap");
    ASSERT_TRUE(index.ok()) << index.error().Describe();
    EXPECT_EQ(index->start(), r.start);
    EXPECT_EQ(index->end(), r.end);
    EXPECT_EQ(index->total(), NaiveCount(bitmap, r.start, r.end));
    uint64_t want = 0;
    for (uint64_t pfn = r.start; pfn <= r.end; ++pfn) {
      ASSERT_EQ(index->Rank(pfn), want) << pfn;
      if (pfn < r.end) {
        EXPECT_EQ(index->Contains(pfn), true);
        EXPECT_EQ(index->Test(pfn), NaiveCount(bitmap, pfn, pfn + 1) == 1);
        want += NaiveCount(bitmap, pfn, pfn + 1);
      }
    }
    EXPECT_FALSE(index->Contains(r.end));
    if (r.start > 0) {
      EXPECT_FALSE(index->Contains(r.start - 1));
    }
  }
}

// Hostile input: a truncated bitmap, or a range that runs backwards, is a
// clear kCorrupt naming the bitmap, never an index that reads past it.
TEST(PfnRankIndexTest, TruncatedBitmapOrBackwardsRangeIsCorrupt) {
  const std::vector<std::byte> bitmap(16, std::byte{0xff});  // 128 bits
  auto exact = PfnRankIndex::Build(bitmap, 0, 128, "2nd bitmap");
  ASSERT_TRUE(exact.ok()) << exact.error().Describe();
  EXPECT_EQ(exact->total(), 128u);
  for (uint64_t end : {uint64_t{129}, uint64_t{4096}, ~uint64_t{0}}) {
    auto shortmap = PfnRankIndex::Build(bitmap, 0, end, "2nd bitmap");
    ASSERT_FALSE(shortmap.ok()) << end;
    EXPECT_EQ(shortmap.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(shortmap.error().Describe(), HasSubstr("2nd bitmap of 0x10 bytes"));
    EXPECT_THAT(shortmap.error().Describe(), HasSubstr("no bits for PFNs up to"));
  }
  auto backwards = PfnRankIndex::Build(bitmap, 100, 50, "2nd bitmap");
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(backwards.error().Describe(), HasSubstr("[0x64, 0x32) runs backwards"));
  auto empty = PfnRankIndex::Build({}, 0, 0, "2nd bitmap");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->total(), 0u);
  EXPECT_EQ(empty->Rank(0), 0u);
}

}  // namespace
}  // namespace csd
