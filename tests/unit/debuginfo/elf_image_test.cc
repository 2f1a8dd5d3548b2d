// SPDX-License-Identifier: MIT
// The ELF image behind DebugInfo: header facts, sections, build-ids,
// link-time reads, and files that are missing, not ELF, truncated or
// hostile.
#include "debuginfo/elf_image.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <utility>

#include "debuginfo/debug_info.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using debuginfo_detail::ElfImage;
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

// ---------------------------------------------------------------- ElfImage

// Whether DWARF is there is for DebugInfo to judge: the image of a
// stripped vmlinux opens, with its facts, and says it has none.
TEST(ElfImageTest, OpensWithoutDwarfAndSaysSo) {
  ElfImage stripped = OpenImageOrDie(td::kSeedFlippedStrippedVmlinux);
  EXPECT_FALSE(stripped.has_dwarf());
  EXPECT_EQ(stripped.arch(), Arch::kArm64);
  EXPECT_FALSE(stripped.relocatable());
  ElfImage full = OpenImageOrDie(td::kSeedFlippedVmlinux);
  EXPECT_TRUE(full.has_dwarf());
  EXPECT_EQ(full.build_id(), OpenOrDie(td::kSeedFlippedVmlinux).BuildId());
  EXPECT_EQ(full.File(), std::string(td::kSeedFlippedVmlinux));
}

TEST(ElfImageTest, SectionsByNameAndByElfIndex) {
  ElfImage image = OpenImageOrDie(td::kSeedFlippedVmlinux);
  // sections() is the section table without its null entry: ELF index i + 1.
  size_t text = 0;
  size_t data = 0;
  for (size_t i = 0; i < image.sections().size(); ++i) {
    if (image.sections()[i].name == ".text") text = i + 1;
    if (image.sections()[i].name == ".data") data = i + 1;
  }
  ASSERT_NE(text, 0u);
  ASSERT_NE(data, 0u);
  EXPECT_EQ(image.SectionNameAt(text), ".text");
  EXPECT_EQ(image.SectionNameAt(data), ".data");
  EXPECT_EQ(image.SectionNameAt(0), "");
  EXPECT_EQ(image.SectionNameAt(SHN_ABS), "");
  EXPECT_TRUE(image.IsCode(text));
  EXPECT_FALSE(image.IsCode(data));
  EXPECT_FALSE(image.IsCode(0));
  EXPECT_FALSE(image.IsCode(SHN_ABS));

  const std::string file = ReadText(td::kSeedFlippedVmlinux);
  const SectionPlace aranges = FindSection(file, ".debug_aranges");
  auto raw = image.RawSection(".debug_aranges");
  ASSERT_TRUE(raw.has_value());
  ASSERT_EQ(raw->size(), aranges.size);
  EXPECT_EQ(std::memcmp(raw->data(), file.data() + aranges.offset, aranges.size), 0);
  EXPECT_FALSE(image.RawSection(".no_such_section").has_value());
}

// Cut inside the ELF header: kCorrupt, naming the file and what is wrong.
TEST(ElfImageTest, TruncatedHeaderIsCorruptAndSaysWhy) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  for (auto [length, why] :
       {std::pair{size_t{0}, "is not an ELF file"}, std::pair{size_t{4}, "is not an ELF file"},
        std::pair{size_t{63}, "is not a readable ELF file"}}) {
    SCOPED_TRACE(length);
    TempFile file(real.substr(0, length));
    auto image = ElfImage::Open(file.path());
    ASSERT_FALSE(image.ok());
    EXPECT_EQ(image.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(image.error().message(), HasSubstr(file.path().string()));
    EXPECT_THAT(image.error().message(), HasSubstr(why));
  }
}

// Section headers that lie about where a section's bytes are, or how many
// there are: link-time reads fail with a reason, and never allocate what a
// NOBITS size claims.
TEST(ElfImageTest, HostileSectionHeadersFailLinkTimeReadsClearly) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  auto head = plain.Symbol("coresight_dump_list");  // in .data
  auto pgd = plain.Symbol("swapper_pg_dir");        // in .bss
  ASSERT_TRUE(head.ok() && pgd.ok());

  TempFile moved(PatchSectionHeader(real, ".data", [&](Elf64_Shdr& shdr) {
    shdr.sh_offset = real.size() + 0x1000;  // past the end of the file
  }));
  ElfImage image = OpenImageOrDie(moved.path());
  auto bytes = image.ReadLinkTime(head->address, 16);
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(bytes.error().message(), HasSubstr("section .data is not fully present"));
  EXPECT_THAT(bytes.error().message(), HasSubstr(moved.path().string()));

  TempFile huge(PatchSectionHeader(real, ".bss", [](Elf64_Shdr& shdr) {
    shdr.sh_size = uint64_t{1} << 40;  // a terabyte of zeros
  }));
  ElfImage big = OpenImageOrDie(huge.path());
  auto capped = big.ReadLinkTime(pgd->address, uint64_t{1} << 31);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().code(), ErrorCode::kLimit);
  EXPECT_THAT(capped.error().message(), HasSubstr("cap"));
  auto small = big.ReadLinkTime(pgd->address, 4096);  // still zeros
  ASSERT_TRUE(small.ok()) << small.error().Describe();
  EXPECT_EQ(small->size(), 4096u);
}

}  // namespace
}  // namespace csd
