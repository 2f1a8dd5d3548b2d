// SPDX-License-Identifier: MIT
// The 32-bit ARM translator against tables written by hand into a fake
// physical memory. Indices and expected PAs are worked out from the VA's bit
// slices in the comments, not with the walker's arithmetic.
#include "xlat/arm/arm_translator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "support/fake_physical_memory.h"

namespace csd {
namespace {

using ::csd::testing::FakePhysicalMemory;

constexpr uint64_t kPgd = 0x8000'4000;  // 16 KiB aligned, like swapper_pg_dir
constexpr uint64_t kL2Page = 0x8100'0000;

ArmParams ShortParams() {
  ArmParams p;
  p.page_offset = 0xC000'0000;
  p.phys_offset = 0x8000'0000;
  p.high_memory = 0xD000'0000;  // 256 MiB of lowmem
  p.lpae = false;
  p.pgd_pa = kPgd;
  return p;
}

ArmParams LpaeParams() {
  ArmParams p = ShortParams();
  p.lpae = true;
  return p;
}

void ExpectPa(const Translator& xlat, uint64_t va, uint64_t pa, uint64_t contiguous,
              const std::string& method) {
  auto t = xlat.Translate(va);
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(t->pa, pa) << std::hex << va;
  EXPECT_EQ(t->contiguous, contiguous) << std::hex << va;
  EXPECT_EQ(std::string(t->method), method);
}

void ExpectError(const Translator& xlat, uint64_t va, ErrorCode code,
                 const std::vector<std::string>& fragments) {
  auto t = xlat.Translate(va);
  ASSERT_FALSE(t.ok()) << std::hex << va << " -> " << t->pa;
  EXPECT_EQ(t.error().code(), code) << t.error().Describe();
  for (const auto& f : fragments) {
    EXPECT_NE(t.error().Describe().find(f), std::string::npos)
        << "missing \"" << f << "\" in: " << t.error().Describe();
  }
}

// --- Linear map ----------------------------------------------------------

TEST(ArmLinear, LowmemUsesThePhysOffset) {
  FakePhysicalMemory m;
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectPa(*xlat, 0xC000'8000, 0x8000'8000, 0x0fff'8000, "linear");
  ExpectPa(*xlat, 0xCFFF'FFFF, 0x8FFF'FFFF, 1, "linear");
  // The same formula for a 2G split and a PHYS_OFFSET above 4 GiB (LPAE).
  ArmParams p = LpaeParams();
  p.page_offset = 0x8000'0000;
  p.phys_offset = 0x8'0000'0000;
  p.high_memory = 0xB000'0000;
  auto xlat2 = MakeArmTranslator(p, m);
  ExpectPa(*xlat2, 0x8123'4567, 0x8'0123'4567, 0x2edc'ba99, "linear");
}

TEST(ArmLinear, HighmemAndVmallocAreWalkedNotComputed) {
  // 0xD0801000 is above high_memory: L1 index 0xD08 is a fault, so it must
  // fail rather than come out as 0x90801000.
  FakePhysicalMemory m;
  m.Map(kPgd, 0x4000);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectError(*xlat, 0xD080'1000, ErrorCode::kNotMapped, {"0xd0801000", "L1", "index 3336"});
}

TEST(ArmLinear, UnknownHighMemoryWalksLowmemToo) {
  FakePhysicalMemory m;
  m.Map(kPgd, 0x4000);
  // L1 index 0xC00 = 3072: 1 MiB section at PA 0x80000000.
  m.WriteU32(kPgd + 3072 * 4, 0x8000'0000 | 0x0c0e);
  ArmParams p = ShortParams();
  p.high_memory = 0;
  auto xlat = MakeArmTranslator(p, m);
  ExpectPa(*xlat, 0xC001'2345, 0x8001'2345, 0xe'dcbb, "page-table");
  ExpectError(*xlat, 0xC010'0000, ErrorCode::kNotMapped, {"L1", "index 3073"});
}

// --- Short descriptors ---------------------------------------------------

TEST(ArmShort, Section) {
  FakePhysicalMemory m;
  m.Map(kPgd, 0x4000);
  // VA 0xE0123456: L1 index 0xE01 = 3585, section base 0x9A300000.
  m.WriteU32(kPgd + 3585 * 4, 0x9A30'0000 | 0x0c12);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectPa(*xlat, 0xE012'3456, 0x9A32'3456, 0xd'cbaa, "page-table");
  // 0b11 is a section with PXN: also a section.
  m.WriteU32(kPgd + 3586 * 4, 0x9A40'0000 | 0x0c13);
  ExpectPa(*xlat, 0xE020'0010, 0x9A40'0010, 0xf'fff0, "page-table");
}

TEST(ArmShort, SupersectionWithHighAddressBits) {
  FakePhysicalMemory m;
  m.Map(kPgd, 0x4000);
  // VA 0xE1234567: L1 index 0xE12 = 3602 (supersections repeat over 16
  // entries; one is enough for the walk). Base PA[31:24] = 0x45,
  // PA[35:32] = desc[23:20] = 0x3, PA[39:36] = desc[8:5] = 0xA.
  const uint32_t desc = 0x4500'0000 | (0x3u << 20) | (1u << 18) | (0xAu << 5) | 0x2;
  m.WriteU32(kPgd + 3602 * 4, desc);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectPa(*xlat, 0xE123'4567, 0xA3'4523'4567, 0xdc'ba99, "page-table");
}

// Linux's 2-level layout (arch/arm/include/asm/pgtable-2level.h): one page
// holds Linux PTEs at +0/+1024 and hardware PTEs at +2048/+3072; L1 points at
// the hardware halves.
void BuildSmallPageTables(FakePhysicalMemory& m) {
  m.Map(kPgd, 0x4000);
  m.Map(kL2Page, 0x1000);
  // VA 0xF0345678: L1 index 0xF03 = 3843, L2 index 0x45 = 69, offset 0x678.
  m.WriteU32(kPgd + 3843 * 4, static_cast<uint32_t>(kL2Page + 2048) | 0x1);
  m.WriteU32(kL2Page + 2048 + 69 * 4, 0x9BCD'E000 | 0x0032);  // hardware: small page
  m.WriteU32(kL2Page + 69 * 4, 0x1111'1000 | 0x0043);         // Linux software PTE
}

TEST(ArmShort, SmallPageFollowsTheHardwareTable) {
  FakePhysicalMemory m;
  BuildSmallPageTables(m);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectPa(*xlat, 0xF034'5678, 0x9BCD'E678, 0x988, "page-table");
  // XN (bit 0) set: still a small page.
  m.WriteU32(kL2Page + 2048 + 70 * 4, 0x9BCE'F000 | 0x0033);
  ExpectPa(*xlat, 0xF034'6000, 0x9BCE'F000, 0x1000, "page-table");
}

TEST(ArmShort, LargePage) {
  FakePhysicalMemory m;
  BuildSmallPageTables(m);
  // Large pages repeat over 16 L2 entries; VA 0xF0352345 is L2 index 0x52 = 82.
  m.WriteU32(kL2Page + 2048 + 82 * 4, 0x9BC5'0000 | 0x0001);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectPa(*xlat, 0xF035'2345, 0x9BC5'2345, 0xdcbb, "page-table");
}

TEST(ArmShort, FaultsAndMissingTables) {
  FakePhysicalMemory m;
  BuildSmallPageTables(m);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  // L2 fault: index 71 is zero.
  ExpectError(*xlat, 0xF034'7000, ErrorCode::kNotMapped,
              {"0xf0347000", "L2", "table PA 0x81000800", "index 71", "0x00000000"});
  // L1 fault (type 0b00 with garbage above).
  m.WriteU32(kPgd + 3844 * 4, 0xdead'beec);
  ExpectError(*xlat, 0xF040'0000, ErrorCode::kNotMapped,
              {"L1", "index 3844", "0xdeadbeec", "table PA 0x80004000"});
  // L1 points at a page the dump does not hold.
  m.WriteU32(kPgd + 3845 * 4, 0x8200'0c01);
  ExpectError(*xlat, 0xF050'0000, ErrorCode::kNotMapped, {"L2 table at PA 0x82000c00", "index 0"});
  // The root itself is missing.
  FakePhysicalMemory empty;
  auto xlat2 = MakeArmTranslator(ShortParams(), empty);
  ExpectError(*xlat2, 0xF050'0000, ErrorCode::kNotMapped, {"L1 table at PA 0x80004000"});
}

TEST(ArmShort, ModuleAddressBelowPageOffset) {
  FakePhysicalMemory m;
  BuildSmallPageTables(m);
  // Modules live at PAGE_OFFSET - 16 MiB: 0xBF000000, L1 index 0xBF0 = 3056.
  m.WriteU32(kPgd + 3056 * 4, static_cast<uint32_t>(kL2Page + 3072) | 0x1);
  m.WriteU32(kL2Page + 3072 + 2 * 4, 0x9C00'0000 | 0x0032);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  ExpectPa(*xlat, 0xBF00'2010, 0x9C00'0010, 0xff0, "page-table");
}

TEST(ArmShort, ExplainListsEveryStep) {
  FakePhysicalMemory m;
  BuildSmallPageTables(m);
  auto xlat = MakeArmTranslator(ShortParams(), m);
  const auto steps = xlat->Explain(0xF034'5678);
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_NE(steps[0].find("short-descriptor walk from PA 0x80004000"), std::string::npos);
  EXPECT_NE(steps[1].find("page table at PA 0x81000800"), std::string::npos);
  EXPECT_NE(steps[2].find("small page at PA 0x9bcde000"), std::string::npos);
  EXPECT_NE(steps[3].find("PA 0x9bcde678"), std::string::npos);
  const auto linear = xlat->Explain(0xC000'1000);
  ASSERT_EQ(linear.size(), 2u);
  EXPECT_NE(linear[0].find("lowmem"), std::string::npos);
  const auto fault = xlat->Explain(0xF034'7000);
  EXPECT_NE(fault.back().find("fault"), std::string::npos);
}

TEST(ArmShort, InvalidParameters) {
  FakePhysicalMemory m;
  ArmParams p = ShortParams();
  p.pgd_pa = kPgd + 0x1000;
  ExpectError(*MakeArmTranslator(p, m), 0xC000'0000, ErrorCode::kInvalidArgument,
              {"not aligned", "16384"});
  p = ShortParams();
  p.high_memory = 0xB000'0000;
  ExpectError(*MakeArmTranslator(p, m), 0xC000'0000, ErrorCode::kInvalidArgument, {"high_memory"});
  ExpectError(*MakeArmTranslator(ShortParams(), m), 0x1'0000'0000, ErrorCode::kNotMapped,
              {"32 bits"});
}

// --- LPAE ----------------------------------------------------------------

constexpr uint64_t kLpaeL2 = 0x8100'0000;
constexpr uint64_t kLpaeL3 = 0x8100'1000;

void BuildLpaeTables(FakePhysicalMemory& m) {
  m.Map(kPgd, 0x1000);
  m.Map(kLpaeL2, 0x2000);
  // VA 0xF0345678: L1 index 3, L2 index (VA[29:21]) = 0x181 = 385,
  // L3 index (VA[20:12]) = 0x145 = 325, offset 0x678.
  m.WriteU64(kPgd + 3 * 8, kLpaeL2 | 0x3);
  m.WriteU64(kLpaeL2 + 385 * 8, kLpaeL3 | 0x3);
  m.WriteU64(kLpaeL3 + 325 * 8, 0x00e0'0000'0000'0000ull | 0x12'3456'7000ull | 0x7c3);
}

TEST(ArmLpae, PageWithFortyBitAddress) {
  FakePhysicalMemory m;
  BuildLpaeTables(m);
  auto xlat = MakeArmTranslator(LpaeParams(), m);
  ExpectPa(*xlat, 0xF034'5678, 0x12'3456'7678, 0x988, "page-table");
}

TEST(ArmLpae, Blocks) {
  FakePhysicalMemory m;
  BuildLpaeTables(m);
  // 2 MiB block: VA 0xF0412345 is L2 index 0x182 = 386.
  m.WriteU64(kLpaeL2 + 386 * 8, 0x0040'0000'0000'0000ull | 0x3'4560'0000ull | 0x711);
  // 1 GiB block: L1 index 2 covers 0x80000000-0xBFFFFFFF.
  m.WriteU64(kPgd + 2 * 8, 0x5'4000'0000ull | 0x711);
  auto xlat = MakeArmTranslator(LpaeParams(), m);
  ExpectPa(*xlat, 0xF041'2345, 0x3'4561'2345, 0x1e'dcbb, "page-table");
  ExpectPa(*xlat, 0xBF00'1234, 0x5'7F00'1234, 0xff'edcc, "page-table");
}

TEST(ArmLpae, FaultsAtEveryLevelAndMissingTables) {
  FakePhysicalMemory m;
  BuildLpaeTables(m);
  auto xlat = MakeArmTranslator(LpaeParams(), m);
  ExpectError(*xlat, 0x4000'0000, ErrorCode::kNotMapped, {"L1", "index 1", "0x0000000000000000"});
  ExpectError(*xlat, 0xF060'0000, ErrorCode::kNotMapped, {"L2", "index 387"});
  ExpectError(*xlat, 0xF034'6000, ErrorCode::kNotMapped, {"L3", "index 326"});
  // 0b01 at level 3 is reserved: a fault, not a block.
  m.WriteU64(kLpaeL3 + 327 * 8, 0x9000'0000ull | 0x1);
  ExpectError(*xlat, 0xF034'7000, ErrorCode::kNotMapped, {"L3", "index 327", "0x0000000090000001"});
  // A table pointer to a page outside the dump.
  m.WriteU64(kLpaeL2 + 388 * 8, 0x9900'0000ull | 0x3);
  ExpectError(*xlat, 0xF080'0000, ErrorCode::kNotMapped, {"L3 table at PA 0x99000000", "index 0"});
}

TEST(ArmLpae, ExplainAndAlignment) {
  FakePhysicalMemory m;
  BuildLpaeTables(m);
  auto xlat = MakeArmTranslator(LpaeParams(), m);
  const auto steps = xlat->Explain(0xF034'5678);
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_NE(steps[0].find("LPAE walk"), std::string::npos);
  EXPECT_NE(steps[3].find("4 KiB page at PA 0x1234567000"), std::string::npos);
  ArmParams p = LpaeParams();
  p.pgd_pa = kPgd + 0x10;
  ExpectError(*MakeArmTranslator(p, m), 0xF034'5678, ErrorCode::kInvalidArgument, {"32 bytes"});
  p.pgd_pa = kPgd + 0x20;  // 32-byte alignment is enough for LPAE
  EXPECT_FALSE(MakeArmTranslator(p, m)->Translate(0xF034'5678).ok());
}

}  // namespace
}  // namespace csd
