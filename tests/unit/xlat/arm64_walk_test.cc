// SPDX-License-Identifier: MIT
// The arm64 page-table walk against tables written by hand into a fake
// physical memory, for every granule and the 52-bit output formats. Every
// index and expected PA was worked out from the VA's bit slices (shown in the
// comments), so the tests are an oracle that does not share the walker's
// arithmetic.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "arm64_test_tables.h"
#include "memory/kernel_memory.h"
#include "xlat/arm64_translator.h"

namespace csd {
namespace {

using namespace ::csd::arm64_tables;  // NOLINT(google-build-using-namespace)

TEST(Arm64Walk, FourK39ThreeLevels) {
  // 0xffffffc012345678, low 39 bits 0x40_1234_5678:
  // L1 [38:30] = 256, L2 [29:21] = 145, L3 [20:12] = 325, offset 0x678.
  FakePhysicalMemory m;
  Put(m, kPgd, 256, 0x4100'1000 | kTable);
  Put(m, 0x4100'1000, 145, 0x4100'2000 | kTable);
  Put(m, 0x4100'2000, 325, 0x5abc'0000 | kPage);
  auto xlat = MakeArm64Translator(WalkParams(12, 39), m);
  ExpectTranslation(*xlat, 0xffff'ffc0'1234'5678, 0x5abc'0678, 0x988, "page-table");
}

TEST(Arm64Walk, TableLoopIsBoundedByTheLevelCount) {
  // Every root entry points back at the root: a hostile dump's page-table
  // loop. The walk reads exactly one descriptor per level and stops; at the
  // last level the root's table descriptors read as pages, so it ends at the
  // root page, as the MMU would, instead of looping.
  FakePhysicalMemory m;
  for (uint64_t i = 0; i < 512; ++i) Put(m, kPgd, i, kPgd | kTable);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  auto t = xlat->Translate(kVa4K48);
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(t->pa, kPgd | (kVa4K48 & 0xfff));
  // One line for the method, one per level, one for the result.
  EXPECT_EQ(xlat->Explain(kVa4K48).size(), 1u + 4u + 1u);
}

TEST(Arm64Walk, FourK48FourLevels) {
  FakePhysicalMemory m;
  Build4K48(m);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  ExpectTranslation(*xlat, kVa4K48, 0x5000'0234, 0xdcc, "page-table");
  ExpectTranslation(*xlat, kVa4K48 & ~0xfffull, 0x5000'0000, 0x1000, "page-table");
  ExpectTranslation(*xlat, kVa4K48 | 0xfff, 0x5000'0fff, 1, "page-table");
}

TEST(Arm64Walk, SixteenK47ThreeLevels) {
  // 0xffffc00012345678, low 47 bits 0x4000_1234_5678:
  // L1 [46:36] = 1024, L2 [35:25] = 9, L3 [24:14] = 209, offset 0x1678.
  FakePhysicalMemory m;
  Put(m, kPgd, 1024, 0x4100'4000 | kTable);
  Put(m, 0x4100'4000, 9, 0x4100'8000 | kTable);
  Put(m, 0x4100'8000, 209, 0x6000'4000 | kPage);
  auto xlat = MakeArm64Translator(WalkParams(14, 47), m);
  ExpectTranslation(*xlat, 0xffff'c000'1234'5678, 0x6000'5678, 0x2988, "page-table");
}

TEST(Arm64Walk, SixteenK48TopLevelHasTwoEntries) {
  // L0 is VA bit 47 alone. 0xffff800012345678 -> L0 1; 0xffff000012345678 ->
  // L0 0; both: L1 [46:36] = 0, L2 [35:25] = 9, L3 [24:14] = 209, offset 0x1678.
  FakePhysicalMemory m;
  Put(m, kPgd, 1, 0x4100'4000 | kTable);
  Put(m, 0x4100'4000, 0, 0x4100'8000 | kTable);
  Put(m, 0x4100'8000, 9, 0x4100'c000 | kTable);
  Put(m, 0x4100'c000, 209, 0x6000'4000 | kPage);
  Put(m, kPgd, 0, 0x4101'0000 | kTable);
  Put(m, 0x4101'0000, 0, 0x4101'4000 | kTable);
  Put(m, 0x4101'4000, 9, 0x4101'8000 | kTable);
  Put(m, 0x4101'8000, 209, 0x7000'0000 | kPage);

  // 5.4+: the upper half (L0 index 1) is vmalloc.
  auto flipped = MakeArm64Translator(WalkParams(14, 48), m);
  ExpectTranslation(*flipped, 0xffff'8000'1234'5678, 0x6000'5678, 0x2988, "page-table");
  // Pre-5.4: the lower half (L0 index 0) is vmalloc.
  Arm64Params legacy = WalkParams(14, 48);
  legacy.flipped_layout = false;
  auto old = MakeArm64Translator(legacy, m);
  ExpectTranslation(*old, 0xffff'0000'1234'5678, 0x7000'1678, 0x2988, "page-table");
}

TEST(Arm64Walk, SixtyFourK42TwoLevels) {
  // 0xfffffe0012345678, low 42 bits 0x200_1234_5678:
  // L2 [41:29] = 4096, L3 [28:16] = 0x1234 = 4660, offset 0x5678.
  FakePhysicalMemory m;
  Put(m, kPgd, 4096, 0x4101'0000 | kTable);
  Put(m, 0x4101'0000, 4660, 0x8'1234'0000 | kPage);
  auto xlat = MakeArm64Translator(WalkParams(16, 42), m);
  ExpectTranslation(*xlat, 0xffff'fe00'1234'5678, 0x8'1234'5678, 0xa988, "page-table");
}

TEST(Arm64Walk, SixtyFourK48TopLevelHas64Entries) {
  // 0xffffffc012345678, low 48 bits 0xffc0_1234_5678:
  // L1 [47:42] = 63, L2 [41:29] = 7680, L3 [28:16] = 4660, offset 0x5678.
  FakePhysicalMemory m;
  Put(m, kPgd, 63, 0x4101'0000 | kTable);
  Put(m, 0x4101'0000, 7680, 0x4102'0000 | kTable);
  Put(m, 0x4102'0000, 4660, 0x9'8765'0000 | kPage);
  auto xlat = MakeArm64Translator(WalkParams(16, 48), m);
  ExpectTranslation(*xlat, 0xffff'ffc0'1234'5678, 0x9'8765'5678, 0xa988, "page-table");
}

TEST(Arm64Walk, SixtyFourK52WithLpa) {
  // 0xffff800012345678, low 52 bits 0xf_8000_1234_5678:
  // L1 [51:42] = 992, L2 [41:29] = 0, L3 [28:16] = 4660, offset 0x5678.
  FakePhysicalMemory m;
  Put(m, kPgd, 992, 0x4101'0000 | kTable);
  // L3 table at PA 0x1_0000_0040_0000: PA[51:48] = 1 goes in desc[15:12].
  Put(m, 0x4101'0000, 0, 0x0040'1000 | kTable);
  // Page at PA 0xa_1234_5678_0000: PA[51:48] = 0xa in desc[15:12].
  Put(m, 0x1'0000'0040'0000, 4660, 0x1234'5678'a000 | kPage);
  auto xlat = MakeArm64Translator(WalkParams(16, 52, 52), m);
  ExpectTranslation(*xlat, 0xffff'8000'1234'5678, 0xa'1234'5678'5678, 0xa988, "page-table");
  // Below -2^52 is not a kernel address, even with 52-bit VAs.
  ExpectError(*xlat, 0xffe0'0000'0000'0000, ErrorCode::kNotMapped);
}

TEST(Arm64Walk, FourK52WithLpa2FiveLevels) {
  // 0xffff800012345678, low 52 bits 0xf_8000_1234_5678:
  // L-1 [51:48] = 15, L0 [47:39] = 256, L1 [38:30] = 0, L2 [29:21] = 145,
  // L3 [20:12] = 325, offset 0x678.
  FakePhysicalMemory m;
  // L0 table at PA 0x4_0000_0010_0000: PA[51:50] = 0b01 goes in desc[9:8].
  Put(m, kPgd, 15, 0x10'0000 | 0x100 | kTable);
  const uint64_t l0 = 0x4'0000'0010'0000;
  Put(m, l0, 256, 0x4100'2000 | kTable);
  Put(m, 0x4100'2000, 0, 0x4100'3000 | kTable);
  Put(m, 0x4100'3000, 145, 0x4100'4000 | kTable);
  // Page at PA 0xe_1234_5678_9000: PA[49:48] = 0b10 in place, PA[51:50] =
  // 0b11 in desc[9:8].
  Put(m, 0x4100'4000, 325, 0x2'1234'5678'9000 | 0x300 | kPageLpa2);
  // L0 index 257 (VA + 2^39): a 512 GiB block, which only LPA2 allows at L0.
  Put(m, l0, 257, 0x80'0000'0000 | kBlockLpa2);

  auto xlat = MakeArm64Translator(WalkParams(12, 52, 52), m);
  EXPECT_EQ(Arm64Levels(WalkParams(12, 52, 52)), 5u);
  ExpectTranslation(*xlat, 0xffff'8000'1234'5678, 0xe'1234'5678'9678, 0x988, "page-table");
  ExpectTranslation(*xlat, 0xffff'8080'1234'5678, 0x80'1234'5678, 0x7f'edcb'a988, "page-table");
}

TEST(Arm64Walk, Blocks4K) {
  FakePhysicalMemory m;
  Build4K48(m);
  // 2 MiB block at L2 index 64 replaces the L3 table.
  Put(m, 0x4100'2000, 64, 0x8000'0000 | kBlock);
  // 0xffff800040201234: L1 [38:30] = 1, offset in the 1 GiB block 0x20'1234.
  Put(m, 0x4100'1000, 1, 0xc000'0000 | kBlock);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  ExpectTranslation(*xlat, kVa4K48, 0x8000'1234, 0x20'0000 - 0x1234, "page-table");
  ExpectTranslation(*xlat, 0xffff'8000'4020'1234, 0xc020'1234, 0x4000'0000 - 0x20'1234,
                    "page-table");
}

TEST(Arm64Walk, Block16K32MiB) {
  // As SixteenK47ThreeLevels, with a block at L2 index 9. Offset in the 32 MiB
  // block: 0x12345678 & 0x1ff_ffff = 0x34_5678.
  FakePhysicalMemory m;
  Put(m, kPgd, 1024, 0x4100'4000 | kTable);
  Put(m, 0x4100'4000, 9, 0x4600'0000 | kBlock);
  auto xlat = MakeArm64Translator(WalkParams(14, 47), m);
  ExpectTranslation(*xlat, 0xffff'c000'1234'5678, 0x4634'5678, 0x200'0000 - 0x34'5678,
                    "page-table");
}

TEST(Arm64Walk, Block64K512MiB) {
  // As SixtyFourK48TopLevelHas64Entries, with a block at L2 index 7680.
  // Offset in the 512 MiB block: 0x12345678.
  FakePhysicalMemory m;
  Put(m, kPgd, 63, 0x4101'0000 | kTable);
  Put(m, 0x4101'0000, 7680, 0x6000'0000 | kBlock);
  auto xlat = MakeArm64Translator(WalkParams(16, 48), m);
  ExpectTranslation(*xlat, 0xffff'ffc0'1234'5678, 0x7234'5678, 0x2000'0000 - 0x1234'5678,
                    "page-table");
}

TEST(Arm64Walk, BlockAtDisallowedLevelIsCorrupt) {
  {
    FakePhysicalMemory m;
    Put(m, kPgd, 256, 0x80'0000'0000 | kBlock);  // 4K, 48-bit PA: no L0 blocks
    auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
    Error e = ExpectError(*xlat, kVa4K48, ErrorCode::kCorrupt);
    EXPECT_TRUE(Contains(e.message(), "level 0")) << e.message();
    EXPECT_TRUE(Contains(e.message(), "block")) << e.message();
  }
  {
    FakePhysicalMemory m;
    Put(m, kPgd, 1024, 0x10'0000'0000 | kBlock);  // 16K: no L1 blocks without LPA2
    auto xlat = MakeArm64Translator(WalkParams(14, 47), m);
    Error e = ExpectError(*xlat, 0xffff'c000'1234'5678, ErrorCode::kCorrupt);
    EXPECT_TRUE(Contains(e.message(), "level 1")) << e.message();
  }
  {
    FakePhysicalMemory m;
    Put(m, kPgd, 63, 0x400'0000'0000 | kBlock);  // 64K: no L1 blocks without LPA
    auto xlat = MakeArm64Translator(WalkParams(16, 48), m);
    Error e = ExpectError(*xlat, 0xffff'ffc0'1234'5678, ErrorCode::kCorrupt);
    EXPECT_TRUE(Contains(e.message(), "level 1")) << e.message();
  }
  {
    // 0b01 at the last level is reserved: it faults like an invalid entry.
    FakePhysicalMemory m;
    Build4K48(m);
    Put(m, 0x4100'3000, 1, 0x5000'0000 | kBlock);
    auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
    Error e = ExpectError(*xlat, kVa4K48, ErrorCode::kNotMapped);
    EXPECT_TRUE(Contains(e.message(), "level 3")) << e.message();
  }
}

TEST(Arm64Walk, InvalidDescriptorAtEachLevel) {
  struct Step {
    uint64_t table_pa, index;
  };
  const Step steps[] = {{kPgd, 256}, {0x4100'1000, 0}, {0x4100'2000, 64}, {0x4100'3000, 1}};
  for (int level = 0; level <= 3; ++level) {
    SCOPED_TRACE(::testing::Message() << "level " << level);
    FakePhysicalMemory m;
    Build4K48(m);
    const Step& s = steps[level];
    // Type 0b10 is invalid at every level, whatever the other bits say.
    Put(m, s.table_pa, s.index, 0x4123'4002);
    auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
    Error e = ExpectError(*xlat, kVa4K48, ErrorCode::kNotMapped);
    EXPECT_EQ(e.message(), fmt::format("VA 0xffff800008001234 is not mapped: level {} descriptor "
                                       "0x0000000041234002 at table PA {:#x} index {} is invalid",
                                       level, s.table_pa, s.index));
  }
  FakePhysicalMemory m;
  Build4K48(m);
  Put(m, 0x4100'2000, 64, 0);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  EXPECT_EQ(ExpectError(*xlat, kVa4K48, ErrorCode::kNotMapped).message(),
            "VA 0xffff800008001234 is not mapped: level 2 descriptor 0x0000000000000000 at table "
            "PA 0x41002000 index 64 is invalid");
}

TEST(Arm64Walk, MissingTablePagePropagatesWithContext) {
  FakePhysicalMemory m;
  Put(m, kPgd, 256, 0x4100'1000 | kTable);
  Put(m, 0x4100'1000, 0, 0x4100'2000 | kTable);  // the L2 table is not in memory
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  Error e = ExpectError(*xlat, kVa4K48, ErrorCode::kNotMapped);
  EXPECT_EQ(e.Describe(),
            "level 2 table at PA 0x41002000 index 64 (VA 0xffff800008001234): "
            "physical address 0x41002200 is not in memory");
}

TEST(Arm64Walk, CacheKeysOnTableAndIndex) {
  // A: L2 64, L3 1 (table 0x41003000). B = 0xffff800008201234: L2 65, L3 1
  // (table 0x41005000): same L3 index, different table. C: L2 64, L3 2.
  FakePhysicalMemory m;
  Build4K48(m);
  Put(m, 0x4100'2000, 65, 0x4100'5000 | kTable);
  Put(m, 0x4100'5000, 1, 0x5100'0000 | kPage);
  Put(m, 0x4100'3000, 2, 0x5200'0000 | kPage);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  for (int round = 0; round < 2; ++round) {
    ExpectTranslation(*xlat, kVa4K48, 0x5000'0234, 0xdcc, "page-table");
    ExpectTranslation(*xlat, 0xffff'8000'0820'1234, 0x5100'0234, 0xdcc, "page-table");
    ExpectTranslation(*xlat, kVa4K48, 0x5000'0234, 0xdcc, "page-table");
    ExpectTranslation(*xlat, 0xffff'8000'0800'2234, 0x5200'0234, 0xdcc, "page-table");
  }
  // A failed read leaves the cache alone: 0xffff800008401234 (L2 66) points
  // at an L3 table that is not in memory; the neighbours still translate.
  Put(m, 0x4100'2000, 66, 0x4110'0000 | kTable);
  ExpectError(*xlat, 0xffff'8000'0840'1234, ErrorCode::kNotMapped);
  ExpectTranslation(*xlat, 0xffff'8000'0800'2234, 0x5200'0234, 0xdcc, "page-table");
  ExpectTranslation(*xlat, 0xffff'8000'0820'1234, 0x5100'0234, 0xdcc, "page-table");
}

// 4K/48 vmalloc buffer at 0xffff800008000000: L0 256, L1 0, L2 64, L3 0/1/2.
// Page 0 -> PA 0x50003000, page 1 -> PA 0x4fff0000 (below it, not adjacent),
// page 2 unmapped.
class Arm64VmallocRead : public ::testing::Test {
 protected:
  static constexpr uint64_t kVa = 0xffff'8000'0800'0000;
  void SetUp() override {
    Put(m_, kPgd, 256, 0x4100'1000 | kTable);
    Put(m_, 0x4100'1000, 0, 0x4100'2000 | kTable);
    Put(m_, 0x4100'2000, 64, 0x4100'3000 | kTable);
    Put(m_, 0x4100'3000, 0, 0x5000'3000 | kPage);
    Put(m_, 0x4100'3000, 1, 0x4fff'0000 | kPage);
    Put(m_, 0x4100'3000, 2, 0);
    std::array<std::byte, 4096> page0{}, page1{};
    for (size_t i = 0; i < 4096; ++i) {
      page0[i] = std::byte(i & 0xff);
      page1[i] = std::byte(0x80 | (i & 0x7f));
    }
    m_.Write(0x5000'3000, page0);
    m_.Write(0x4fff'0000, page1);
  }
  FakePhysicalMemory m_;
};

TEST_F(Arm64VmallocRead, ReadAcrossScatteredPages) {
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m_);
  KernelMemory memory(*xlat, m_, Endian::kLittle);
  std::array<std::byte, 32> out{};
  auto status = memory.Read(kVa + 0xff0, out);
  ASSERT_TRUE(status.ok()) << status.error().Describe();
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(out[i], std::byte(0xf0 + i)) << i;
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(out[16 + i], std::byte(0x80 + i)) << i;

  // Bytes fc fd fe ff | 80 81 82 83, little-endian.
  auto value = memory.ReadUnsigned(kVa + 0xffc, 8);
  ASSERT_TRUE(value.ok()) << value.error().Describe();
  EXPECT_EQ(*value, 0x8382'8180'fffe'fdfcu);

  std::array<std::byte, 0x20> tail{};
  auto bad = memory.Read(kVa + 0x1ff0, tail);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kNotMapped);
  EXPECT_EQ(bad.error().Describe(),
            "reading VA 0xffff800008002000: VA 0xffff800008002000 is not mapped: level 3 "
            "descriptor 0x0000000000000000 at table PA 0x41003000 index 2 is invalid");
}

// Forwards to another PhysicalMemory and records every read, to check how
// many reads a translation or a buffer read costs.
class CountingMemory final : public PhysicalMemory {
 public:
  explicit CountingMemory(const PhysicalMemory& inner) : inner_(inner) {}
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    reads.emplace_back(pa, out.size());
    return inner_.ReadPhysical(pa, out);
  }
  std::vector<PhysicalRange> Ranges() const override { return inner_.Ranges(); }
  size_t CountOfSize(size_t size) const {
    size_t n = 0;
    for (const auto& read : reads) n += read.second == size ? 1 : 0;
    return n;
  }
  mutable std::vector<std::pair<uint64_t, size_t>> reads;

 private:
  const PhysicalMemory& inner_;
};

// Refuses every 512-byte read (a descriptor block), forwards the rest.
class NoDescriptorBlocks final : public PhysicalMemory {
 public:
  explicit NoDescriptorBlocks(const PhysicalMemory& inner) : inner_(inner) {}
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    if (out.size() == 512) return Error(ErrorCode::kIo, "block refused");
    return inner_.ReadPhysical(pa, out);
  }
  std::vector<PhysicalRange> Ranges() const override { return inner_.Ranges(); }

 private:
  const PhysicalMemory& inner_;
};

// 4K/48, a 5-page buffer at 0xffff800008000000 (L3 table 0x41003000):
// pages 0-3 at PA 0x50000000-0x50003fff (adjacent), page 4 at 0x4fff0000.
class Arm64CoalescedRead : public ::testing::Test {
 protected:
  static constexpr uint64_t kVa = 0xffff'8000'0800'0000;
  void SetUp() override {
    Put(m_, kPgd, 256, 0x4100'1000 | kTable);
    Put(m_, 0x4100'1000, 0, 0x4100'2000 | kTable);
    Put(m_, 0x4100'2000, 64, 0x4100'3000 | kTable);
    for (uint64_t i = 0; i < 4; ++i) Put(m_, 0x4100'3000, i, (0x5000'0000 + i * 0x1000) | kPage);
    Put(m_, 0x4100'3000, 4, 0x4fff'0000 | kPage);
  }
  void Fill(uint64_t pa, uint8_t tag) {
    std::array<std::byte, 4096> page{};
    for (size_t i = 0; i < page.size(); ++i) page[i] = std::byte(tag ^ (i & 0xff));
    m_.Write(pa, page);
  }
  FakePhysicalMemory m_;
};

TEST_F(Arm64CoalescedRead, AdjacentPagesAreOnePhysicalRead) {
  for (uint8_t i = 0; i < 4; ++i) Fill(0x5000'0000 + i * 0x1000u, i);
  Fill(0x4fff'0000, 4);
  CountingMemory counted(m_);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), counted);
  KernelMemory memory(*xlat, counted, Endian::kLittle);
  std::vector<std::byte> out(5 * 4096);
  auto status = memory.Read(kVa, out);
  ASSERT_TRUE(status.ok()) << status.error().Describe();
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i], std::byte((i / 4096) ^ (i & 0xff))) << i;
  }
  // The data: pages 0-3 in one read, page 4 in another.
  EXPECT_EQ(counted.CountOfSize(4 * 4096), 1u);
  EXPECT_EQ(counted.CountOfSize(4096), 1u);
  // The walk: the root one descriptor, the two tables below it one block
  // each, and the L3 table one block for all 5 pages.
  EXPECT_EQ(counted.CountOfSize(8), 1u);
  EXPECT_EQ(counted.CountOfSize(512), 3u);
}

TEST_F(Arm64CoalescedRead, FailureInsideARunNamesTheExactVa) {
  // Page 2's PA continues page 1's, but it is not in memory.
  Fill(0x5000'0000, 0);
  Fill(0x5000'1000, 1);
  Fill(0x5000'3000, 3);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m_);
  KernelMemory memory(*xlat, m_, Endian::kLittle);
  std::vector<std::byte> out(4 * 4096);
  auto status = memory.Read(kVa, out);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotMapped);
  EXPECT_EQ(status.error().Describe(),
            "reading VA 0xffff800008002000 (PA 0x50002000 via page-table): physical address "
            "0x50002000 is not in memory");
}

TEST(Arm64Walk, UnreadableDescriptorBlockFallsBackToOneDescriptor) {
  // A descriptor block that cannot be read (a hostile table address near the
  // end of the dump's memory) falls back to the one descriptor the walk
  // needs: here every 512-byte read is refused, and the walk still succeeds.
  FakePhysicalMemory m;
  Put(m, kPgd, 256, 0x4100'1000 | kTable);
  Put(m, 0x4100'1000, 0, 0x4100'2000 | kTable);
  Put(m, 0x4100'2000, 64, 0x4100'3000 | kTable);
  Put(m, 0x4100'3000, 0, 0x5000'0000 | kPage);
  NoDescriptorBlocks no_blocks(m);
  CountingMemory counted(no_blocks);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), counted);
  ExpectTranslation(*xlat, 0xffff'8000'0800'0010, 0x5000'0010, 0xff0, "page-table");
  EXPECT_EQ(counted.CountOfSize(8), 4u);
  EXPECT_EQ(counted.CountOfSize(512), 3u);  // tried, refused
}

}  // namespace
}  // namespace csd
