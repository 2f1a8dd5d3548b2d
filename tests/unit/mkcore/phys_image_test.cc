// SPDX-License-Identifier: MIT
#include "csdump-mkcore/phys_image.h"

#include <gtest/gtest.h>

#include <set>

namespace csd::mkcore {
namespace {

TEST(PhysImageTest, ReadsBackWritesAndZeroElsewhere) {
  PhysImage image({{0x40000000, 0x100000}});
  const std::byte data[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
  ASSERT_TRUE(image.Write(0x40000ffe, data).ok());  // across a chunk boundary
  std::byte out[6];
  ASSERT_TRUE(image.ReadPhysical(0x40000ffd, out).ok());
  EXPECT_EQ(out[0], std::byte{0});
  EXPECT_EQ(out[1], std::byte{1});
  EXPECT_EQ(out[3], std::byte{3});
  EXPECT_EQ(out[4], std::byte{0});
  EXPECT_EQ(image.chunk_count(), 2u);
}

TEST(PhysImageTest, OutsideRamIsAnError) {
  PhysImage image({{0x40000000, 0x1000}, {0x40001000, 0x1000}});
  std::byte b[16] = {};
  EXPECT_TRUE(image.Write(0x40000ff8, b).ok());  // adjacent ranges count as one span
  EXPECT_EQ(image.Write(0x40001ff8, b).error().code(), ErrorCode::kNotMapped);
  EXPECT_EQ(image.ReadPhysical(0x3ffffff8, b).error().code(), ErrorCode::kNotMapped);
}

TEST(PhysAllocatorTest, LowAndHighEndsSkipReserved) {
  PhysAllocator alloc({{0x40000000, 0x400000}}, {{0x40000000, 0x100000}});
  auto low = alloc.AllocLow(0x40, 0x40);
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(*low, 0x40100000u);
  auto high = alloc.AllocHigh(0x1000, 0x1000);
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(*high, 0x403ff000u);
  auto aligned = alloc.AllocLow(0x1000, 0x1000);
  ASSERT_TRUE(aligned.ok());
  EXPECT_EQ(*aligned, 0x40101000u);
  // The gap left by alignment is reused.
  auto small = alloc.AllocLow(0x40, 0x40);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small, 0x40100040u);
  EXPECT_EQ(alloc.AllocLow(0x400000, 0x1000).error().code(), ErrorCode::kLimit);
}

TEST(SplitMix64Test, IsDeterministicAndSpread) {
  SplitMix64 a(42), b(42);
  std::set<uint64_t> seen;
  for (int i = 0; i < 100; ++i) {
    const uint64_t v = a.Next();
    EXPECT_EQ(v, b.Next());
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_EQ(SplitMix64(0).Next(), 0xe220a8397b1dcdafull);  // reference splitmix64 output
}

}  // namespace
}  // namespace csd::mkcore
