// SPDX-License-Identifier: MIT
// The arm64 translator's choice of method (kernel image, linear map in both
// layouts, page tables), its rejections and its Explain() text.
#include "xlat/arm64_translator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arm64_test_tables.h"

namespace csd {
namespace {

using namespace ::csd::arm64_tables;  // NOLINT(google-build-using-namespace)

TEST(Arm64Layout, PageOffsetAndEnd) {
  Arm64Params p;
  p.va_bits = 48;
  EXPECT_EQ(Arm64PageOffset(p), 0xffff'0000'0000'0000u);
  EXPECT_EQ(Arm64PageEnd(p), 0xffff'8000'0000'0000u);
  p.va_bits = 52;  // PAGE_END stays at the 48-bit value
  EXPECT_EQ(Arm64PageOffset(p), 0xfff0'0000'0000'0000u);
  EXPECT_EQ(Arm64PageEnd(p), 0xffff'8000'0000'0000u);
  // 16K pages fall back to 47 bits, not 48 (VA_BITS_MIN, v6.9): the linear
  // map runs to -2^46, where the kernel image region starts.
  p.page_shift = 14;
  EXPECT_EQ(Arm64VaBitsMin(p), 47u);
  EXPECT_EQ(Arm64PageEnd(p), 0xffff'c000'0000'0000u);
  p.page_shift = 16;
  EXPECT_EQ(Arm64VaBitsMin(p), 48u);
  p.page_shift = 12;
  EXPECT_EQ(Arm64VaBitsMin(p), 48u);
  p.va_bits = 47;
  p.page_shift = 14;
  EXPECT_EQ(Arm64VaBitsMin(p), 47u);
  EXPECT_EQ(Arm64PageEnd(p), 0xffff'c000'0000'0000u);
  p.page_shift = 12;
  p.va_bits = 39;
  EXPECT_EQ(Arm64PageOffset(p), 0xffff'ff80'0000'0000u);
  EXPECT_EQ(Arm64PageEnd(p), 0xffff'ffc0'0000'0000u);
  p.flipped_layout = false;
  EXPECT_EQ(Arm64PageOffset(p), 0xffff'ffc0'0000'0000u);
  EXPECT_EQ(Arm64PageEnd(p), 0u);  // 2^64
  p.va_bits = 48;
  EXPECT_EQ(Arm64PageOffset(p), 0xffff'8000'0000'0000u);
}

TEST(Arm64Linear, FlippedPositivePhysOffset) {
  FakePhysicalMemory m;
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);  // PHYS_OFFSET 0x40000000
  // Contiguous to PAGE_END 0xffff800000000000.
  ExpectTranslation(*xlat, 0xffff'0000'1234'5678, 0x5234'5678, 0x7fff'edcb'a988, "linear");
  ExpectTranslation(*xlat, 0xffff'0000'0000'0000, 0x4000'0000, 0x8000'0000'0000, "linear");
  ExpectTranslation(*xlat, 0xffff'7fff'ffff'ffff, 0x8000'3fff'ffff, 1, "linear");
  // PAGE_END itself is vmalloc: walked, and the empty table faults.
  ExpectError(*xlat, 0xffff'8000'0000'0000, ErrorCode::kNotMapped);
}

TEST(Arm64Linear, FlippedNegativePhysOffset) {
  // A randomised linear map makes memstart_addr "negative":
  // PA = VA - 0xffff000000000000 + 0xfffff2ab80000000 (mod 2^64)
  //    = 0xd54c0001234 - 0xd5480000000 = 0x40001234.
  FakePhysicalMemory m;
  Arm64Params p = WalkParams(12, 48);
  p.phys_offset = 0xffff'f2ab'8000'0000;
  auto xlat = MakeArm64Translator(p, m);
  ExpectTranslation(*xlat, 0xffff'0d54'c000'1234, 0x4000'1234,
                    0xffff'8000'0000'0000 - 0xffff'0d54'c000'1234, "linear");
}

TEST(Arm64Linear, Flipped52BitVa) {
  // PAGE_OFFSET = -2^52, PAGE_END still -2^47.
  FakePhysicalMemory m;
  Arm64Params p = WalkParams(16, 52, 52);
  auto xlat = MakeArm64Translator(p, m);
  ExpectTranslation(*xlat, 0xfff0'0000'4000'0000, 0x8000'0000, 0x000f'8000'0000'0000 - 0x4000'0000,
                    "linear");
}

TEST(Arm64Linear, LegacyPositivePhysOffset) {
  // 4.14-era 4K/39: PAGE_OFFSET = -2^38 = 0xffffffc000000000, linear to 2^64.
  FakePhysicalMemory m;
  Arm64Params p = WalkParams(12, 39);
  p.flipped_layout = false;
  p.phys_offset = 0x8000'0000;
  auto xlat = MakeArm64Translator(p, m);
  ExpectTranslation(*xlat, 0xffff'ffc0'1234'5678, 0x9234'5678, 0x3f'edcb'a988, "linear");
  ExpectTranslation(*xlat, 0xffff'ffff'ffff'fff0, 0x8000'0000 + 0x3f'ffff'fff0, 0x10, "linear");
}

TEST(Arm64Linear, LegacyNegativePhysOffset) {
  // 48-bit: PAGE_OFFSET = 0xffff800000000000; VA & ~PAGE_OFFSET = 0x840000000,
  // + 0xfffffff800000000 (-32 GiB) = 0x40000000 (mod 2^64).
  FakePhysicalMemory m;
  Arm64Params p = WalkParams(12, 48);
  p.flipped_layout = false;
  p.phys_offset = 0xffff'fff8'0000'0000;
  auto xlat = MakeArm64Translator(p, m);
  ExpectTranslation(*xlat, 0xffff'8008'4000'0000, 0x4000'0000, 0x7ff7'c000'0000, "linear");
}

TEST(Arm64Kimage, RangeUsesKimageVoffset) {
  FakePhysicalMemory m;
  Arm64Params p = WalkParams(12, 48);
  p.kimage_start = 0xffff'8000'0a01'0000;
  p.kimage_end = 0xffff'8000'0c00'0000;
  p.kimage_voffset = 0xffff'7fff'ca00'0000;  // _text at PA 0x40010000
  auto xlat = MakeArm64Translator(p, m);
  ExpectTranslation(*xlat, 0xffff'8000'0a01'0000, 0x4001'0000, 0x1ff'0000, "kimage");
  ExpectTranslation(*xlat, 0xffff'8000'0a01'1234, 0x4001'1234, 0x1fe'edcc, "kimage");
  ExpectTranslation(*xlat, 0xffff'8000'0bff'ffff, 0x41ff'ffff, 1, "kimage");
  // Just outside the image: the page tables (empty here) decide.
  ExpectError(*xlat, 0xffff'8000'0c00'0000, ErrorCode::kNotMapped);
  ExpectError(*xlat, 0xffff'8000'0a00'ffff, ErrorCode::kNotMapped);
}

TEST(Arm64Kimage, EmptyRangeWalks) {
  FakePhysicalMemory m;
  Build4K48(m);
  Arm64Params p = WalkParams(12, 48);
  p.kimage_voffset = 0xffff'7fff'ca00'0000;  // (0, 0) range: never used
  auto xlat = MakeArm64Translator(p, m);
  ExpectTranslation(*xlat, kVa4K48, 0x5000'0234, 0xdcc, "page-table");
}

TEST(Arm64Reject, UserAndNonCanonicalAddresses) {
  FakePhysicalMemory m;
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  for (uint64_t va : {uint64_t{0}, uint64_t{0x0000'ffff'a000'1000}, uint64_t{0x8000'0000'0000'0000},
                      uint64_t{0xfffe'ffff'ffff'f000}}) {
    SCOPED_TRACE(fmt::format("VA {:#x}", va));
    Error e = ExpectError(*xlat, va, ErrorCode::kNotMapped);
    EXPECT_TRUE(Contains(e.message(), "not a kernel address")) << e.message();
    EXPECT_TRUE(Contains(e.message(), fmt::format("{:#x}", va))) << e.message();
  }
  Arm64Params legacy39 = WalkParams(12, 39);
  legacy39.flipped_layout = false;
  auto old = MakeArm64Translator(legacy39, m);
  Error e = ExpectError(*old, 0xffff'ff7f'ffff'f000, ErrorCode::kNotMapped);
  EXPECT_EQ(e.message(),
            "VA 0xffffff7ffffff000 is not a kernel address: TTBR1 translates "
            "[0xffffff8000000000, 2^64) with 39-bit VAs");
}

TEST(Arm64Params, InvalidParametersFailEveryTranslation) {
  FakePhysicalMemory m;
  struct Case {
    Arm64Params params;
    std::string_view needle;
  };
  std::vector<Case> cases;
  cases.push_back({WalkParams(13, 48), "page shift 13"});
  cases.push_back({WalkParams(12, 30), "VA bits 30"});
  cases.push_back({WalkParams(12, 48, 50), "PA bits 50"});
  Arm64Params va_bits = WalkParams(12, 48);
  va_bits.va_bits = 56;
  cases.push_back({va_bits, "VA_BITS 56"});
  Arm64Params pgd = WalkParams(12, 48);
  pgd.pgd_pa = 0x4100'0008;
  cases.push_back({pgd, "not aligned"});
  Arm64Params kimage = WalkParams(12, 48);
  kimage.kimage_start = 2;
  kimage.kimage_end = 1;
  cases.push_back({kimage, "reversed"});
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.needle));
    auto xlat = MakeArm64Translator(c.params, m);
    Error e = ExpectError(*xlat, 0xffff'0000'0000'0000, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(e.message(), c.needle)) << e.message();
    const auto lines = xlat->Explain(0xffff'0000'0000'0000);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "invalid arm64 parameters: " + e.message());
  }
}

TEST(Arm64Explain, PageWalk) {
  FakePhysicalMemory m;
  Build4K48(m);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  // clang-format off
  const std::vector<std::string> expected = {
      "VA 0xffff800008001234: page-table walk from PA 0x41000000 (4K granule, 48-bit VA, 4 levels, 48-bit PA)",
      "level 0: table PA 0x41000000 index 256 -> descriptor 0x0800000041001003: table at PA 0x41001000",
      "level 1: table PA 0x41001000 index 0 -> descriptor 0x0800000041002003: table at PA 0x41002000",
      "level 2: table PA 0x41002000 index 64 -> descriptor 0x0800000041003003: table at PA 0x41003000",
      "level 3: table PA 0x41003000 index 1 -> descriptor 0x0060000050000743: 4 KiB page at PA 0x50000000",
      "PA 0x50000234 (page-table, 0xdcc bytes contiguous)",
  };
  // clang-format on
  EXPECT_EQ(xlat->Explain(kVa4K48), expected);
}

TEST(Arm64Explain, FailingStepIsLast) {
  FakePhysicalMemory m;
  Build4K48(m);
  Put(m, 0x4100'2000, 64, 0);
  auto xlat = MakeArm64Translator(WalkParams(12, 48), m);
  const auto lines = xlat->Explain(kVa4K48);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.back(),
            "level 2: table PA 0x41002000 index 64 -> descriptor 0x0000000000000000: invalid");

  FakePhysicalMemory missing;
  Put(missing, kPgd, 256, 0x4100'1000 | kTable);
  auto xlat2 = MakeArm64Translator(WalkParams(12, 48), missing);
  EXPECT_EQ(xlat2->Explain(kVa4K48).back(),
            "level 1: table PA 0x41001000 index 0: read failed: physical address 0x41001000 is "
            "not in memory");

  FakePhysicalMemory block;
  Put(block, kPgd, 256, 0x80'0000'0000 | kBlock);
  auto xlat3 = MakeArm64Translator(WalkParams(12, 48), block);
  EXPECT_EQ(xlat3->Explain(kVa4K48).back(),
            "level 0: table PA 0x41000000 index 256 -> descriptor 0x0060008000000741: block not "
            "allowed at this level");

  EXPECT_EQ(xlat->Explain(0x1000),
            std::vector<std::string>{"VA 0x1000 is not a kernel address: TTBR1 translates "
                                     "[0xffff000000000000, 2^64) with 48-bit VAs"});
}

TEST(Arm64Explain, LinearAndKimage) {
  FakePhysicalMemory m;
  Arm64Params p = WalkParams(12, 48);
  p.kimage_start = 0xffff'8000'0a01'0000;
  p.kimage_end = 0xffff'8000'0c00'0000;
  p.kimage_voffset = 0xffff'7fff'ca00'0000;
  auto xlat = MakeArm64Translator(p, m);
  EXPECT_EQ(xlat->Explain(0xffff'0000'1234'5678),
            (std::vector<std::string>{
                "VA 0xffff000012345678: linear map [0xffff000000000000, 0xffff800000000000) "
                "(5.4+ layout), PA = VA - 0xffff000000000000 + PHYS_OFFSET 0x40000000",
                "PA 0x52345678 (linear, 0x7fffedcba988 bytes contiguous)"}));
  EXPECT_EQ(xlat->Explain(0xffff'8000'0a01'1234),
            (std::vector<std::string>{
                "VA 0xffff80000a011234: kernel image [0xffff80000a010000, 0xffff80000c000000), "
                "PA = VA - kimage_voffset 0xffff7fffca000000",
                "PA 0x40011234 (kimage, 0x1feedcc bytes contiguous)"}));
  p.flipped_layout = false;
  auto old = MakeArm64Translator(p, m);
  EXPECT_EQ(old->Explain(0xffff'8000'1234'5678).front(),
            "VA 0xffff800012345678: linear map [0xffff800000000000, 2^64) (pre-5.4 layout), "
            "PA = (VA & 0x7fffffffffff) + PHYS_OFFSET 0x40000000");
}

}  // namespace
}  // namespace csd
