// SPDX-License-Identifier: MIT
#include "kernel/vmcoreinfo.h"

#include <gtest/gtest.h>

#include "kernel/kernel_target.h"

namespace csd {
namespace {

constexpr const char* kArm64Text =
    "OSRELEASE=6.1.0-21-arm64\n"
    "BUILD-ID=0123456789abcdef0123456789abcdef01234567\n"
    "PAGESIZE=4096\n"
    "SYMBOL(swapper_pg_dir)=ffff80000a1b2000\n"
    "SYMBOL(_stext)=ffff800008010000\n"
    "OFFSET(uts_namespace.name)=4\n"
    "NUMBER(VA_BITS)=48\n"
    "NUMBER(kimage_voffset)=0xffff7fffc7e00000\n"
    "NUMBER(PHYS_OFFSET)=0xfffff2ab80000000\n"
    "KERNELOFFSET=1a2b0000\n"
    "NUMBER(TCR_EL1_T1SZ)=16\n"
    "CONFIG_ARM_LPAE=y\n"
    "CRASHTIME=1700000000\n";

TEST(Vmcoreinfo, ParsesTypedValuesInTheirFormats) {
  CollectingDiagnostics diag;
  auto info = Vmcoreinfo::Parse(kArm64Text, diag);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->OsRelease(), "6.1.0-21-arm64");
  EXPECT_EQ(info->BuildId(), "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(info->PageSize(), 4096u);
  EXPECT_EQ(info->Symbol("swapper_pg_dir"), 0xffff80000a1b2000u);  // hex without 0x
  EXPECT_EQ(info->Offset("uts_namespace.name"), 4u);               // decimal
  EXPECT_EQ(info->Number("VA_BITS"), 48u);                         // decimal
  EXPECT_EQ(info->Number("PHYS_OFFSET"), 0xfffff2ab80000000u);     // 0x-hex
  EXPECT_EQ(info->KernelOffset(), 0x1a2b0000u);
  EXPECT_TRUE(info->HasConfig("ARM_LPAE"));
  EXPECT_FALSE(info->HasConfig("KASAN"));
  EXPECT_EQ(info->Symbol("missing"), std::nullopt);
  EXPECT_EQ(info->lines().size(), 13u);
  EXPECT_TRUE(diag.warnings().empty());
}

TEST(Vmcoreinfo, NegativeDecimalNumberKeepsTwosComplement) {
  CollectingDiagnostics diag;
  auto info = Vmcoreinfo::Parse("NUMBER(PHYS_OFFSET)=-4096\n", diag);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->Number("PHYS_OFFSET"), ~uint64_t{0} - 4095);
}

TEST(Vmcoreinfo, MalformedLinesWarnAndValuesRejectGarbage) {
  CollectingDiagnostics diag;
  auto info = Vmcoreinfo::Parse(
      "garbage line\n=novalue\nPAGESIZE=4k\nSYMBOL(x)=zz\nKERNELOFFSET=\n"
      "NUMBER(VA_BITS)=99999999999999999999999\n",
      diag);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(diag.warnings().size(), 2u);
  EXPECT_EQ(info->PageSize(), std::nullopt);
  EXPECT_EQ(info->Symbol("x"), std::nullopt);
  EXPECT_EQ(info->KernelOffset(), std::nullopt);
  EXPECT_EQ(info->Number("VA_BITS"), std::nullopt);  // overflow
}

TEST(Vmcoreinfo, TextWithNulPaddingAndCrLf) {
  CollectingDiagnostics diag;
  std::string text = "PAGESIZE=65536\r\nOSRELEASE=5.4.0\n";
  text.append(16, '\0');
  auto info = Vmcoreinfo::Parse(text, diag);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->PageSize(), 65536u);
  EXPECT_EQ(info->OsRelease(), "5.4.0");
}

TEST(Vmcoreinfo, AbsurdSizeIsRefused) {
  CollectingDiagnostics diag;
  std::string huge((1 << 20) + 1, 'A');
  auto info = Vmcoreinfo::Parse(huge, diag);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kLimit);
  EXPECT_NE(info.error().message().find("--max-vmcoreinfo-size"), std::string::npos);
}

// --max-vmcoreinfo-size: the default is 1 MiB; a text of the cap's size
// parses, one byte more is refused naming the flag.
TEST(Vmcoreinfo, SizeCapIsHonouredAtItsBoundary) {
  EXPECT_EQ(KernelLimits{}.max_vmcoreinfo_size, uint64_t{1} << 20);
  const std::string line = "OSRELEASE=6.1.0\n";
  constexpr uint64_t kCap = 4096;
  for (uint64_t size : {kCap - 1, kCap, kCap + 1}) {
    SCOPED_TRACE(size);
    std::string text = line + std::string(size - line.size(), '\n');
    ASSERT_EQ(text.size(), size);
    CollectingDiagnostics diag;
    auto info = Vmcoreinfo::Parse(text, diag, kCap);
    if (size <= kCap) {
      ASSERT_TRUE(info.ok()) << info.error().Describe();
      EXPECT_EQ(info->OsRelease(), "6.1.0");
    } else {
      ASSERT_FALSE(info.ok());
      EXPECT_EQ(info.error().code(), ErrorCode::kLimit);
      EXPECT_NE(info.error().message().find("--max-vmcoreinfo-size"), std::string::npos)
          << info.error().message();
      EXPECT_NE(info.error().message().find("4097"), std::string::npos);
    }
  }
}

TEST(BuildIdUnreliable, KnownBadReleases) {
  EXPECT_TRUE(BuildIdUnreliable("6.1.115-1-arm64"));
  EXPECT_TRUE(BuildIdUnreliable("6.1.113"));
  EXPECT_TRUE(BuildIdUnreliable("6.6.60"));
  EXPECT_TRUE(BuildIdUnreliable("6.10.14"));
  EXPECT_TRUE(BuildIdUnreliable("6.11.9"));
  EXPECT_TRUE(BuildIdUnreliable("5.15.200"));
  EXPECT_FALSE(BuildIdUnreliable("6.1.112"));
  EXPECT_FALSE(BuildIdUnreliable("6.1.119"));
  EXPECT_FALSE(BuildIdUnreliable("6.1.0-csdump-test"));
  EXPECT_FALSE(BuildIdUnreliable("6.12.1"));
  EXPECT_FALSE(BuildIdUnreliable(""));
}

}  // namespace
}  // namespace csd
