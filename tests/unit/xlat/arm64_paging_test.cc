// SPDX-License-Identifier: MIT
// Geometry and descriptor decoding, checked against numbers worked out by hand
// from the ARM ARM descriptor formats (not against the code's own formulas).
#include "xlat/arm64_paging.h"

#include <gtest/gtest.h>

#include "xlat/arm64_translator.h"

namespace csd {
namespace {

Arm64Geometry Geometry(unsigned page_shift, unsigned va_bits, unsigned pa_bits = 48) {
  auto g = MakeArm64Geometry(page_shift, va_bits, pa_bits);
  EXPECT_TRUE(g.ok()) << g.error().Describe();
  return *g;
}

TEST(Arm64Geometry, LevelsForTheDocumentedGeometries) {
  struct Case {
    unsigned page_shift, va_bits, levels;
  };
  // formats.md §4.2 table.
  const Case cases[] = {{12, 39, 3}, {12, 48, 4}, {12, 52, 5}, {14, 36, 2}, {14, 47, 3},
                        {14, 48, 4}, {14, 52, 4}, {16, 42, 2}, {16, 48, 3}, {16, 52, 3},
                        {12, 36, 3}, {12, 40, 4}, {16, 36, 2}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.page_shift << "/" << c.va_bits);
    EXPECT_EQ(Arm64LevelCount(c.page_shift, c.va_bits), c.levels);
    EXPECT_EQ(Geometry(c.page_shift, c.va_bits).levels, c.levels);
    EXPECT_EQ(Geometry(c.page_shift, c.va_bits).top_level, 4 - static_cast<int>(c.levels));
    Arm64Params params;
    params.page_shift = c.page_shift;
    params.translation_va_bits = c.va_bits;
    EXPECT_EQ(Arm64Levels(params), c.levels);
  }
  EXPECT_EQ(Arm64LevelCount(13, 48), 0u);
  EXPECT_EQ(Arm64LevelCount(12, 12), 0u);
}

TEST(Arm64Geometry, TopLevelEntries) {
  EXPECT_EQ(Geometry(12, 39).Entries(1), 512u);  // 39 - 30 = 9 bits
  EXPECT_EQ(Geometry(12, 36).Entries(1), 64u);   // 36 - 30 = 6 bits
  EXPECT_EQ(Geometry(12, 48).Entries(0), 512u);
  EXPECT_EQ(Geometry(12, 52).Entries(-1), 16u);  // 52 - 48 = 4 bits
  EXPECT_EQ(Geometry(12, 52).Entries(0), 512u);
  EXPECT_EQ(Geometry(14, 47).Entries(1), 2048u);  // 47 - 36 = 11 bits
  EXPECT_EQ(Geometry(14, 48).Entries(0), 2u);     // 48 - 47 = 1 bit
  EXPECT_EQ(Geometry(14, 48).Entries(1), 2048u);
  EXPECT_EQ(Geometry(16, 42).Entries(2), 8192u);  // 42 - 29 = 13 bits
  EXPECT_EQ(Geometry(16, 48).Entries(1), 64u);    // 48 - 42 = 6 bits
  EXPECT_EQ(Geometry(16, 52).Entries(1), 1024u);  // 52 - 42 = 10 bits
  EXPECT_EQ(Geometry(16, 52).Entries(3), 8192u);
}

TEST(Arm64Geometry, IndicesOf4K48Address) {
  // 0xffff800008001234, low 48 bits 0x8000_0800_1234:
  // [47:39] = 0x100, [38:30] = 0, [29:21] = 0x40, [20:12] = 1.
  const Arm64Geometry g = Geometry(12, 48);
  EXPECT_EQ(g.Index(0xffff800008001234, 0), 256u);
  EXPECT_EQ(g.Index(0xffff800008001234, 1), 0u);
  EXPECT_EQ(g.Index(0xffff800008001234, 2), 64u);
  EXPECT_EQ(g.Index(0xffff800008001234, 3), 1u);
}

TEST(Arm64Geometry, IndicesUseOnlyTheLowVaBits) {
  // 16K/48: the top level has 2 entries, selected by VA bit 47 alone.
  const Arm64Geometry g = Geometry(14, 48);
  EXPECT_EQ(g.Index(0xffff800000000000, 0), 1u);
  EXPECT_EQ(g.Index(0xffff000000000000, 0), 0u);
  // 64K/48: 64 top entries, VA[47:42].
  EXPECT_EQ(Geometry(16, 48).Index(0xffffffc012345678, 1), 63u);
}

TEST(Arm64Geometry, RejectsInvalidParameters) {
  auto bad_granule = MakeArm64Geometry(13, 48, 48);
  ASSERT_FALSE(bad_granule.ok());
  EXPECT_EQ(bad_granule.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_granule.error().message().find("13"), std::string::npos);
  EXPECT_FALSE(MakeArm64Geometry(12, 35, 48).ok());
  EXPECT_FALSE(MakeArm64Geometry(12, 53, 48).ok());
  EXPECT_FALSE(MakeArm64Geometry(16, 48, 50).ok());
  EXPECT_TRUE(MakeArm64Geometry(16, 36, 52).ok());
}

TEST(Arm64Geometry, BlockLevels) {
  // 4K: 1 GiB at level 1, 2 MiB at level 2; LPA2 adds 512 GiB at level 0.
  EXPECT_FALSE(Geometry(12, 48).BlockAllowed(0));
  EXPECT_TRUE(Geometry(12, 48).BlockAllowed(1));
  EXPECT_TRUE(Geometry(12, 48).BlockAllowed(2));
  EXPECT_FALSE(Geometry(12, 48).BlockAllowed(3));
  EXPECT_TRUE(Geometry(12, 52, 52).BlockAllowed(0));
  EXPECT_FALSE(Geometry(12, 52, 52).BlockAllowed(-1));
  // 16K: 32 MiB at level 2 only; LPA2 adds 64 GiB at level 1.
  EXPECT_FALSE(Geometry(14, 48).BlockAllowed(1));
  EXPECT_TRUE(Geometry(14, 48).BlockAllowed(2));
  EXPECT_TRUE(Geometry(14, 52, 52).BlockAllowed(1));
  EXPECT_FALSE(Geometry(14, 52, 52).BlockAllowed(0));
  // 64K: 512 MiB at level 2 only; FEAT_LPA adds 4 TiB at level 1.
  EXPECT_FALSE(Geometry(16, 48).BlockAllowed(1));
  EXPECT_TRUE(Geometry(16, 48).BlockAllowed(2));
  EXPECT_TRUE(Geometry(16, 52, 52).BlockAllowed(1));
}

TEST(Arm64Descriptor, OutputAddress48Bit) {
  // Upper attributes (UXN/PXN 54:53, software 58:55), bits 49:48 and 11:0 are
  // not address bits without LPA2.
  EXPECT_EQ(Arm64OutputAddress(Geometry(12, 48), 0x0063'1234'5678'9f43), 0x1234'5678'9000u);
  // 64K without FEAT_LPA: desc[15:12] are not address bits either.
  EXPECT_EQ(Arm64OutputAddress(Geometry(16, 48), 0x0000'1234'5678'ff03), 0x1234'5678'0000u);
}

TEST(Arm64Descriptor, OutputAddress64KLpa) {
  // PA[51:48] = desc[15:12] = 0xa.
  EXPECT_EQ(Arm64OutputAddress(Geometry(16, 52, 52), 0x0040'1234'5678'a703),
            0x000a'1234'5678'0000u);
}

TEST(Arm64Descriptor, OutputAddressLpa2) {
  // PA[49:48] = desc[49:48] = 0b10, PA[51:50] = desc[9:8] = 0b11.
  const uint64_t desc = 0x0042'1234'5678'9703;
  EXPECT_EQ(Arm64OutputAddress(Geometry(12, 52, 52), desc), 0x000e'1234'5678'9000u);
  EXPECT_EQ(Arm64OutputAddress(Geometry(14, 52, 52), desc), 0x000e'1234'5678'8000u);
  // The same bits are shareability and RES0 without LPA2.
  EXPECT_EQ(Arm64OutputAddress(Geometry(12, 48), desc), 0x0000'1234'5678'9000u);
}

TEST(Arm64Descriptor, Kinds) {
  const Arm64Geometry g = Geometry(12, 48);
  EXPECT_EQ(DecodeArm64Descriptor(g, 2, 0).kind, Arm64DescriptorKind::kInvalid);
  EXPECT_EQ(DecodeArm64Descriptor(g, 2, 0x4123'4002).kind, Arm64DescriptorKind::kInvalid);
  EXPECT_EQ(DecodeArm64Descriptor(g, 3, 0x4123'4002).kind, Arm64DescriptorKind::kInvalid);
  // 0b01 at the last level is reserved: a fault, not a block.
  EXPECT_EQ(DecodeArm64Descriptor(g, 3, 0x4123'4001).kind, Arm64DescriptorKind::kInvalid);

  const Arm64Descriptor table = DecodeArm64Descriptor(g, 1, 0x0800'0000'4123'4003);
  EXPECT_EQ(table.kind, Arm64DescriptorKind::kTable);
  EXPECT_EQ(table.address, 0x4123'4000u);

  const Arm64Descriptor page = DecodeArm64Descriptor(g, 3, 0x0060'0000'4123'4743);
  EXPECT_EQ(page.kind, Arm64DescriptorKind::kPage);
  EXPECT_EQ(page.address, 0x4123'4000u);
  EXPECT_EQ(page.size, 0x1000u);

  // A block's address is aligned down to the block size.
  const Arm64Descriptor block2m = DecodeArm64Descriptor(g, 2, 0x0060'0000'4123'4701);
  EXPECT_EQ(block2m.kind, Arm64DescriptorKind::kBlock);
  EXPECT_EQ(block2m.address, 0x4120'0000u);
  EXPECT_EQ(block2m.size, 0x20'0000u);
  const Arm64Descriptor block1g = DecodeArm64Descriptor(g, 1, 0x0000'0000'c000'0701);
  EXPECT_EQ(block1g.kind, Arm64DescriptorKind::kBlock);
  EXPECT_EQ(block1g.address, 0xc000'0000u);
  EXPECT_EQ(block1g.size, 0x4000'0000u);

  EXPECT_EQ(DecodeArm64Descriptor(g, 0, 0x8000'0000'0701).kind, Arm64DescriptorKind::kBadBlock);
  const Arm64Descriptor lpa2_l0 = DecodeArm64Descriptor(Geometry(12, 52, 52), 0, 0x8000'0000'0701);
  EXPECT_EQ(lpa2_l0.kind, Arm64DescriptorKind::kBlock);
  EXPECT_EQ(lpa2_l0.size, uint64_t{512} << 30);

  EXPECT_EQ(DecodeArm64Descriptor(Geometry(14, 47), 2, 0x4300'0701).size, 0x200'0000u);
  EXPECT_EQ(DecodeArm64Descriptor(Geometry(14, 47), 1, 0x4300'0701).kind,
            Arm64DescriptorKind::kBadBlock);
  EXPECT_EQ(DecodeArm64Descriptor(Geometry(16, 48), 2, 0x6000'0701).size, 0x2000'0000u);
  EXPECT_EQ(DecodeArm64Descriptor(Geometry(16, 48), 1, 0x6000'0701).kind,
            Arm64DescriptorKind::kBadBlock);
}

TEST(Arm64Descriptor, GranuleName) {
  EXPECT_EQ(Arm64GranuleName(12), "4K");
  EXPECT_EQ(Arm64GranuleName(14), "16K");
  EXPECT_EQ(Arm64GranuleName(16), "64K");
}

}  // namespace
}  // namespace csd
