// SPDX-License-Identifier: MIT
// The table builder is checked against the reader side's translator and
// walker (lib/xlat), an independent implementation of the same architecture
// rules: what we build, the extractor must read back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <vector>

#include "base/byte_reader.h"
#include "csdump-mkcore/arm64_pgtable_builder.h"
#include "xlat/arm64_paging.h"
#include "xlat/arm64_translator.h"
#include "xlat/arm64_walker.h"

namespace csd::mkcore {
namespace {

struct Case {
  unsigned page_shift;
  unsigned va_bits;
  unsigned pa_bits = 48;
};

std::string Name(const ::testing::TestParamInfo<Case>& info) {
  return fmt::format("{}K_va{}_pa{}", (1u << info.param.page_shift) / 1024, info.param.va_bits,
                     info.param.pa_bits);
}

class PgtableRoundTripTest : public ::testing::TestWithParam<Case> {};

TEST_P(PgtableRoundTripTest, ReaderTranslatesEveryMapping) {
  const Arm64PgtableGeometry geo{GetParam().page_shift, GetParam().va_bits, GetParam().pa_bits};
  const bool pa52 = geo.pa_bits == 52;
  const uint64_t page = geo.page_size();
  const uint64_t ram_start = 0x40000000, ram_size = 64ull << 20;
  // With 52-bit PAs the vmalloc pages and every table below the root live at
  // PA[51:48] = 0xd (0b11 in LPA2's desc[9:8], 0b01 in desc[49:48]).
  const uint64_t high_start = 0x000d'0000'4000'0000, high_size = pa52 ? 64ull << 20 : 0;
  std::vector<PhysicalRange> ram{{ram_start, ram_size}};
  if (pa52) ram.push_back({high_start, high_size});
  PhysImage image(ram);
  const uint64_t root = ram_start;  // page-aligned, as swapper_pg_dir is
  PhysAllocator alloc(ram, {{root, page}});
  auto built = Arm64PgtableBuilder::Create(image, geo, root, [&](uint64_t size) {
    return pa52 ? alloc.AllocHigh(size, size) : alloc.AllocLow(size, size);
  });
  ASSERT_TRUE(built.ok()) << built.error().Describe();
  Arm64PgtableBuilder& tables = *built;

  const uint64_t page_offset = ~0ull << geo.va_bits;  // flipped layout, PHYS_OFFSET = ram_start
  // The image above PAGE_END = -2^(VA_BITS_MIN - 1), where the linear map ends.
  const unsigned va_bits_min = geo.va_bits > 48 ? (geo.page_shift == 14 ? 47 : 48) : geo.va_bits;
  const uint64_t text = (~0ull << (va_bits_min - 1)) + 0x8000000;
  const uint64_t kimage_pa = ram_start + 0x200000 * (page >= 0x10000 ? 8 : 1);
  ASSERT_TRUE(tables.MapRange(text, kimage_pa, 4 * page, false).ok());
  for (const PhysicalRange& r : ram) {
    ASSERT_TRUE(tables.MapRange(page_offset + (r.start - ram_start), r.start, r.size, true).ok());
  }
  // vmalloc pages: VA-ordered, PA out of order, at the top of the highest RAM.
  const uint64_t vmalloc = text + (1ull << 30);
  const PhysicalRange& top = ram.back();
  std::vector<uint64_t> pas;
  for (int i = 0; i < 20; ++i) pas.push_back(top.start + top.size - (2 * i + 1) * page);
  std::swap(pas[3], pas[11]);
  for (size_t i = 0; i < pas.size(); ++i)
    ASSERT_TRUE(tables.MapPage(vmalloc + i * page, pas[i]).ok());
  EXPECT_GT(tables.tables_allocated(), 0u);

  // Translator: kimage_start/end 0 sends the kernel image through the tables too.
  Arm64Params params;
  params.page_shift = geo.page_shift;
  params.va_bits = params.translation_va_bits = geo.va_bits;
  params.pa_bits = geo.pa_bits;
  params.flipped_layout = true;
  params.phys_offset = ram_start;
  params.kimage_voffset = text - kimage_pa;
  params.pgd_pa = root;
  auto xlat = MakeArm64Translator(params, image);
  for (size_t i = 0; i < pas.size(); ++i) {
    auto t = xlat->Translate(vmalloc + i * page + 0x18);
    ASSERT_TRUE(t.ok()) << t.error().Describe();
    EXPECT_EQ(t->pa, pas[i] + 0x18);
    EXPECT_STREQ(t->method, "page-table");
  }
  auto k = xlat->Translate(text + page + 8);
  ASSERT_TRUE(k.ok()) << k.error().Describe();
  EXPECT_EQ(k->pa, kimage_pa + page + 8);
  auto miss = xlat->Translate(vmalloc + 100 * page);
  ASSERT_FALSE(miss.ok());
  EXPECT_EQ(miss.error().code(), ErrorCode::kNotMapped);

  // The linear map through the walker alone (the translator would use arithmetic).
  auto geometry = MakeArm64Geometry(geo.page_shift, geo.va_bits, geo.pa_bits);
  ASSERT_TRUE(geometry.ok());
  Arm64Walker walker(*geometry, root, image);
  for (const PhysicalRange& r : ram) {
    for (uint64_t off : {uint64_t{0}, uint64_t{0x123458}, r.size - 8}) {
      auto t = walker.Walk(page_offset + (r.start - ram_start) + off, nullptr);
      ASSERT_TRUE(t.ok()) << t.error().Describe();
      EXPECT_EQ(t->pa, r.start + off);
    }
  }

  // A reader that drops PA[51:48] must not find the vmalloc pages: the
  // tables it follows are elsewhere (or not RAM at all).
  if (pa52) {
    auto narrow = MakeArm64Geometry(geo.page_shift, geo.va_bits, 48);
    ASSERT_TRUE(narrow.ok());
    Arm64Walker blind(*narrow, root, image);
    auto t = blind.Walk(vmalloc + 0x18, nullptr);
    EXPECT_TRUE(!t.ok() || t->pa != pas[0] + 0x18);
    // And LPA2 descriptors read as FEAT_LPA ones (or the reverse) go astray too.
    auto other = MakeArm64Geometry(geo.page_shift == 16 ? 14 : 16, 52, 52);
    ASSERT_TRUE(other.ok());
    EXPECT_NE(Arm64OutputAddress(*other, geo.EncodeAddress(pas[0])), pas[0]);
  }
}

INSTANTIATE_TEST_SUITE_P(Granules, PgtableRoundTripTest,
                         ::testing::Values(Case{12, 48}, Case{12, 39}, Case{14, 48}, Case{16, 48},
                                           Case{12, 52, 52}, Case{14, 52, 52}, Case{16, 52, 52}),
                         Name);

TEST(PgtableBuilderTest, GeometryMatchesTheArchitectureTable) {
  EXPECT_EQ((Arm64PgtableGeometry{12, 48}.levels()), 4u);
  EXPECT_EQ((Arm64PgtableGeometry{12, 39}.levels()), 3u);
  EXPECT_EQ((Arm64PgtableGeometry{14, 48}.levels()), 4u);
  EXPECT_EQ((Arm64PgtableGeometry{14, 48}.entries(3)), 2u);
  EXPECT_EQ((Arm64PgtableGeometry{16, 48}.levels()), 3u);
  EXPECT_EQ((Arm64PgtableGeometry{16, 48}.entries(2)), 64u);
  EXPECT_EQ((Arm64PgtableGeometry{12, 48}.block_size()), 2u << 20);
  EXPECT_EQ((Arm64PgtableGeometry{12, 48}.root_bytes()), 4096u);
}

TEST(PgtableBuilderTest, WritesRealDescriptors) {
  PhysImage image({{0x40000000, 0x1000000}});
  PhysAllocator alloc({{0x40000000, 0x1000000}}, {{0x40000000, 0x1000}});
  auto tables = Arm64PgtableBuilder::Create(
      image, {12, 48}, 0x40000000, [&](uint64_t size) { return alloc.AllocLow(size, size); });
  ASSERT_TRUE(tables.ok());
  const uint64_t va = 0xffff800080000000ull;
  ASSERT_TRUE(tables->MapPage(va, 0x40800000).ok());
  const auto walk = tables->WalkDescriptorAddresses(va);
  ASSERT_EQ(walk.size(), 4u);
  EXPECT_EQ(walk[0], 0x40000000u + ((va >> 39) & 511) * 8);
  std::byte b[8];
  ASSERT_TRUE(image.ReadPhysical(walk[0], b).ok());
  const uint64_t table_desc = LoadUnsigned(b, Endian::kLittle);
  EXPECT_EQ(table_desc & 3, 3u);  // table
  ASSERT_TRUE(image.ReadPhysical(walk[3], b).ok());
  const uint64_t page_desc = LoadUnsigned(b, Endian::kLittle);
  EXPECT_EQ(page_desc & 3, 3u);           // page
  EXPECT_NE(page_desc & (1u << 10), 0u);  // AF
  EXPECT_EQ(page_desc & arm64_desc::kAddrMask, 0x40800000u);
}

TEST(PgtableBuilderTest, GeometryOf52BitWalks) {
  const Arm64PgtableGeometry g4{12, 52, 52}, g16{14, 52, 52}, g64{16, 52, 52};
  EXPECT_EQ(g4.levels(), 5u);  // levels 4..0 here, -1..3 in the ARM ARM
  EXPECT_EQ(g4.entries(4), 16u);
  EXPECT_EQ(g4.root_bytes(), 128u);
  EXPECT_EQ(g16.levels(), 4u);
  EXPECT_EQ(g16.entries(3), 32u);
  EXPECT_EQ(g64.levels(), 3u);
  EXPECT_EQ(g64.entries(2), 1024u);
  EXPECT_TRUE(g4.lpa2());
  EXPECT_TRUE(g16.lpa2());
  EXPECT_FALSE(g64.lpa2());  // FEAT_LPA, not LPA2
}

// The encodings bit by bit, and read back by the reader's decoder
// (lib/xlat), an independent implementation of the same rules.
TEST(PgtableBuilderTest, FiftyTwoBitOutputAddresses) {
  using namespace arm64_desc;
  const Arm64PgtableGeometry g4{12, 52, 52}, g16{14, 52, 52}, g64{16, 52, 52}, g48{12, 48, 48};
  // LPA2: PA[51:50] = 0b11 into desc[9:8], PA[49:48] = 0b01 stays in place.
  EXPECT_EQ(g4.EncodeAddress(0x000d'0000'41fd'd000), 0x0001'0000'41fd'd300u);
  EXPECT_EQ(g4.DecodeAddress(0x0041'0000'41fd'd703), 0x000d'0000'41fd'd000u);
  EXPECT_EQ(g16.EncodeAddress(0x000e'0000'81fd'8000), 0x0002'0000'81fd'8300u);
  // FEAT_LPA: PA[51:48] into desc[15:12].
  EXPECT_EQ(g64.EncodeAddress(0x000b'0000'41f6'0000), 0x0000'0000'41f6'b000u);
  EXPECT_EQ(g64.DecodeAddress(0x0040'0000'41f6'b703), 0x000b'0000'41f6'0000u);
  EXPECT_EQ(g48.EncodeAddress(0x0000'8000'4000'0000), 0x0000'8000'4000'0000u);
  // LPA2 leaves shareability to TCR_EL1.SH1: desc[9:8] are address bits.
  EXPECT_EQ(g4.leaf_attrs() & kShInner, 0u);
  EXPECT_EQ(g64.leaf_attrs() & kShInner, kShInner);
  EXPECT_EQ(g48.leaf_attrs(), kLeafAttrs);

  for (const Arm64PgtableGeometry& g : {g4, g16, g64, g48}) {
    auto reader = MakeArm64Geometry(g.page_shift, g.va_bits, g.pa_bits);
    ASSERT_TRUE(reader.ok());
    // The highest nibble the format holds set, then every bit below it too.
    const uint64_t top = g.pa_bits == 52 ? 0x000f'0000'0000'0000 : 0x0000'f000'0000'0000;
    for (uint64_t pa :
         {uint64_t{0x4000'0000}, top | 0x1234'5678'0000, top | (top >> 4) | 0xfff'ffff'f000}) {
      pa &= ~(g.page_size() - 1);
      const uint64_t desc = g.EncodeAddress(pa) | g.leaf_attrs() | kValid | kTableOrPage;
      EXPECT_EQ(Arm64OutputAddress(*reader, desc), pa) << fmt::format("{:#x}", pa);
      EXPECT_EQ(g.DecodeAddress(desc), pa) << fmt::format("{:#x}", pa);
    }
  }
}

TEST(PgtableBuilderTest, RejectsWhatTheFormatCannotHold) {
  PhysImage image({{0x40000000, 0x1000000}});
  auto alloc = [](uint64_t) -> Expected<uint64_t> { return uint64_t{0x40001000}; };
  // 52-bit VAs with 4K or 16K pages only exist with LPA2.
  auto bad = Arm64PgtableBuilder::Create(image, {12, 52, 48}, 0x40000000, alloc);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnsupported);
  EXPECT_FALSE(Arm64PgtableBuilder::Create(image, {14, 52, 48}, 0x40000000, alloc).ok());
  EXPECT_FALSE(Arm64PgtableBuilder::Create(image, {12, 48, 50}, 0x40000000, alloc).ok());
  // A 48-bit format cannot hold PA bit 48.
  auto tables = Arm64PgtableBuilder::Create(image, {12, 48, 48}, 0x40000000, alloc);
  ASSERT_TRUE(tables.ok());
  auto status = tables->MapPage(0xffff800080000000ull, 0x0001'0000'0000'0000);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kUnsupported);
}

TEST(PgtableBuilderTest, RejectsConflictsAndUserAddresses) {
  PhysImage image({{0x40000000, 0x1000000}});
  PhysAllocator alloc({{0x40000000, 0x1000000}}, {{0x40000000, 0x1000}});
  auto tables = Arm64PgtableBuilder::Create(
      image, {12, 48}, 0x40000000, [&](uint64_t size) { return alloc.AllocLow(size, size); });
  ASSERT_TRUE(tables.ok());
  const uint64_t va = 0xffff000000000000ull;
  ASSERT_TRUE(tables->MapRange(va, 0x40000000, 0x200000, true).ok());  // one 2 MiB block
  EXPECT_TRUE(tables->MapRange(va, 0x40000000, 0x200000, true).ok());  // identical: fine
  EXPECT_FALSE(tables->MapPage(va + 0x1000, 0x40001000).ok());         // inside the block
  ASSERT_TRUE(tables->MapPage(va + 0x200000, 0x40400000).ok());
  EXPECT_FALSE(tables->MapPage(va + 0x200000, 0x40500000).ok());          // remap elsewhere
  EXPECT_FALSE(tables->MapPage(0x0000000080000000ull, 0x40500000).ok());  // TTBR0 address
}

}  // namespace
}  // namespace csd::mkcore
