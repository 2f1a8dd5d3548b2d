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
};

std::string Name(const ::testing::TestParamInfo<Case>& info) {
  return fmt::format("{}K_va{}", (1u << info.param.page_shift) / 1024, info.param.va_bits);
}

class PgtableRoundTripTest : public ::testing::TestWithParam<Case> {};

TEST_P(PgtableRoundTripTest, ReaderTranslatesEveryMapping) {
  const Arm64PgtableGeometry geo{GetParam().page_shift, GetParam().va_bits};
  const uint64_t page = geo.page_size();
  const uint64_t ram_start = 0x40000000, ram_size = 64ull << 20;
  PhysImage image({{ram_start, ram_size}});
  const uint64_t root = ram_start;  // page-aligned, as swapper_pg_dir is
  PhysAllocator alloc({{ram_start, ram_size}}, {{root, page}});
  auto built = Arm64PgtableBuilder::Create(
      image, geo, root, [&](uint64_t size) { return alloc.AllocLow(size, size); });
  ASSERT_TRUE(built.ok()) << built.error().Describe();
  Arm64PgtableBuilder& tables = *built;

  const uint64_t page_offset = ~0ull << geo.va_bits;  // flipped layout, PHYS_OFFSET = ram_start
  const uint64_t text = (~0ull << (geo.va_bits - 1)) + 0x8000000;
  const uint64_t kimage_pa = ram_start + 0x200000 * (page >= 0x10000 ? 8 : 1);
  ASSERT_TRUE(tables.MapRange(text, kimage_pa, 4 * page, false).ok());
  ASSERT_TRUE(tables.MapRange(page_offset, ram_start, ram_size, true).ok());
  // vmalloc pages: VA-ordered, PA out of order.
  const uint64_t vmalloc = text + (1ull << 30);
  std::vector<uint64_t> pas;
  for (int i = 0; i < 20; ++i) pas.push_back(ram_start + ram_size - (2 * i + 1) * page);
  std::swap(pas[3], pas[11]);
  for (size_t i = 0; i < pas.size(); ++i)
    ASSERT_TRUE(tables.MapPage(vmalloc + i * page, pas[i]).ok());
  EXPECT_GT(tables.tables_allocated(), 0u);

  // Translator: kimage_start/end 0 sends the kernel image through the tables too.
  Arm64Params params;
  params.page_shift = geo.page_shift;
  params.va_bits = params.translation_va_bits = geo.va_bits;
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
  auto geometry = MakeArm64Geometry(geo.page_shift, geo.va_bits, 48);
  ASSERT_TRUE(geometry.ok());
  Arm64Walker walker(*geometry, root, image);
  for (uint64_t off : {uint64_t{0}, uint64_t{0x123458}, ram_size - 8}) {
    auto t = walker.Walk(page_offset + off, nullptr);
    ASSERT_TRUE(t.ok()) << t.error().Describe();
    EXPECT_EQ(t->pa, ram_start + off);
  }
}

INSTANTIATE_TEST_SUITE_P(Granules, PgtableRoundTripTest,
                         ::testing::Values(Case{12, 48}, Case{12, 39}, Case{14, 48}, Case{16, 48}),
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
