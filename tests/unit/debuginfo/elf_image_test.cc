// SPDX-License-Identifier: MIT
// The ELF image behind DebugInfo: header facts, sections, build-ids,
// link-time reads, and files that are missing, not ELF, truncated or
// hostile.
#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "debuginfo/debug_info.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using ::testing::HasSubstr;

TEST_P(VariantTest, ElfBasics) {
  EXPECT_EQ(info().arch(), Arch::kArm64);
  EXPECT_EQ(info().endian(), Endian::kLittle);
  EXPECT_EQ(info().pointer_size(), 8u);
  EXPECT_EQ(info().path(), std::filesystem::path(GetParam().vmlinux));
}

TEST_P(VariantTest, Sections) {
  const SectionInfo* text = nullptr;
  const SectionInfo* bss = nullptr;
  for (const SectionInfo& s : info().sections()) {
    if (s.name == ".text") text = &s;
    if (s.name == ".bss") bss = &s;
  }
  ASSERT_NE(text, nullptr);
  ASSERT_NE(bss, nullptr);
  EXPECT_EQ(text->address, GetParam().link_base + 0x10000);
  EXPECT_TRUE(text->has_bits);
  EXPECT_GT(text->size, 0u);
  EXPECT_FALSE(bss->has_bits);
  EXPECT_EQ(bss->address % 4096, 0u);
}

TEST_P(VariantTest, BuildIdMatchesReadelf) {
  auto id = info().BuildId();
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->size(), 40u);
  EXPECT_EQ(id->find_first_not_of("0123456789abcdef"), std::string::npos) << *id;
  std::string from_readelf = ReadText(GetParam().build_id_file);
  while (!from_readelf.empty() && from_readelf.back() == '\n') from_readelf.pop_back();
  EXPECT_EQ(*id, from_readelf);
  // Stable across opens.
  DebugInfo again = OpenOrDie(GetParam().vmlinux);
  EXPECT_EQ(again.BuildId(), id);
}

TEST_P(VariantTest, ReadLinkTimeBssAndOutside) {
  auto pgd = info().Symbol("swapper_pg_dir");
  ASSERT_TRUE(pgd.ok());
  auto zeros = info().ReadLinkTime(pgd->address, 4096);
  ASSERT_TRUE(zeros.ok()) << zeros.error().Describe();
  ASSERT_EQ(zeros->size(), 4096u);
  for (std::byte b : *zeros) ASSERT_EQ(b, std::byte{0});

  auto head = info().ReadLinkTime(GetParam().link_base, 64);  // the arm64 Image header
  ASSERT_TRUE(head.ok()) << head.error().Describe();
  EXPECT_EQ(std::memcmp(head->data() + 56, "ARM\x64", 4), 0);

  auto outside = info().ReadLinkTime(0x1000, 8);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code(), ErrorCode::kNotMapped);
  EXPECT_THAT(outside.error().message(), HasSubstr("0x1000"));

  auto end = info().Symbol("_end");
  ASSERT_TRUE(end.ok());
  auto past_end = info().ReadLinkTime(end->address - 4, 8);
  EXPECT_FALSE(past_end.ok());
  auto wraps = info().ReadLinkTime(~uint64_t{0} - 4, 16);
  EXPECT_FALSE(wraps.ok());
}

TEST(DebugInfoTest, MissingFileIsIo) {
  auto info = DebugInfo::Open("/nonexistent/dir/vmlinux");
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kIo);
  EXPECT_THAT(info.error().message(), HasSubstr("/nonexistent/dir/vmlinux"));

  auto dir = DebugInfo::Open(td::kFakeKernelsDir);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code(), ErrorCode::kIo);
}

TEST(DebugInfoTest, GarbageIsCorrupt) {
  std::string garbage;
  std::mt19937 rng(42);
  for (int i = 0; i < 8192; ++i) garbage += static_cast<char>(rng());
  TempFile file(garbage);
  auto info = DebugInfo::Open(file.path());
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(info.error().message(), HasSubstr(file.path().string()));

  TempFile empty("");
  auto empty_info = DebugInfo::Open(empty.path());
  ASSERT_FALSE(empty_info.ok());
  EXPECT_EQ(empty_info.error().code(), ErrorCode::kCorrupt);
}

TEST(DebugInfoTest, TruncatedElfIsAnError) {
  std::string real = ReadText(td::kSeedFlippedVmlinux);
  ASSERT_GT(real.size(), 4096u);
  for (size_t length :
       {size_t{4}, size_t{63}, size_t{64}, size_t{100}, real.size() / 2, real.size() - 1}) {
    SCOPED_TRACE(length);
    TempFile file(real.substr(0, length));
    auto info = DebugInfo::Open(file.path());
    EXPECT_FALSE(info.ok());
  }
}

TEST(DebugInfoModuleTest, BuildIdFromTheModuleNote) {
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  std::string expected = ReadText(td::kCoresightModuleBuildIdFile);
  while (!expected.empty() && expected.back() == '\n') expected.pop_back();
  ASSERT_TRUE(module.BuildId().has_value());
  EXPECT_EQ(*module.BuildId(), expected);
}

}  // namespace
}  // namespace csd
