// SPDX-License-Identifier: MIT
// DebugInfo as its callers use it: lookups of every kind through one
// object, moves, concurrent callers, files without DWARF, and damage
// anywhere in an image. Each component behind the facade has its own test
// file (elf_image, elf_symtab, dwarf_index, unit_locator, dwarf_session).
#include "debuginfo/debug_info.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using ::testing::HasSubstr;

TEST(DebugInfoTest, MoveKeepsState) {
  DebugInfo a = OpenOrDie(td::kSeedFlippedVmlinux);
  ASSERT_TRUE(a.Struct("device").ok());
  DebugInfo b(std::move(a));
  auto kobj = b.MemberPath("device", "kobj");
  ASSERT_TRUE(kobj.ok());
  EXPECT_EQ(kobj->offset, 16u);
  DebugInfo c = OpenOrDie(td::kNoListVmlinux);
  c = std::move(b);
  EXPECT_EQ(c.path(), std::filesystem::path(td::kSeedFlippedVmlinux));
  EXPECT_TRUE(c.Symbol("coresight_dump_list").ok());
}

TEST(DebugInfoTest, ConcurrentLookups) {
  DebugInfo info = OpenOrDie(td::kSeedFlippedVmlinux);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!info.Struct("coresight_dump_node").ok()) ++failures;
        if (!info.Symbol("coresight_dump_list").ok()) ++failures;
        if (!info.MemberPath("coresight_device", "dev.kobj.name").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(DebugInfoTest, StrippedVmlinuxSaysNoDwarf) {
  auto info = DebugInfo::Open(td::kSeedFlippedStrippedVmlinux);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(info.error().message(), HasSubstr("no DWARF"));
  EXPECT_THAT(info.error().message(), HasSubstr("unstripped vmlinux"));
  EXPECT_THAT(info.error().message(), HasSubstr(td::kSeedFlippedStrippedVmlinux));
}

TEST_P(VariantTest, DumpListHeadAndNode) {
  auto head = info().Symbol("coresight_dump_list");
  auto node = info().Struct("coresight_dump_node");
  auto head_type = info().VariableType("coresight_dump_list");
  switch (GetParam().list) {
    case Variant::List::kNone:
      ASSERT_FALSE(head.ok());
      EXPECT_EQ(head.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(head.error().message(), HasSubstr("coresight_dump_list"));
      EXPECT_THAT(head.error().message(), HasSubstr(GetParam().vmlinux));
      ASSERT_FALSE(node.ok());
      EXPECT_EQ(node.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(node.error().message(), HasSubstr("coresight_dump_node"));
      ASSERT_FALSE(head_type.ok());
      EXPECT_EQ(head_type.error().code(), ErrorCode::kLookup);
      return;
    case Variant::List::kSeedStatic:
    case Variant::List::kSeedGlobal:
      ASSERT_TRUE(node.ok()) << node.error().Describe();
      ExpectMembers(
          *node, 48,
          {{"cpu", 0, 4, Kind::kInteger, "int", "", true},
           {"type", 4, 4, Kind::kInteger, "int", "", true},
           {"csdev", 8, 8, Kind::kPointer, "struct coresight_device *", "coresight_device"},
           {"buf", 16, 8, Kind::kPointer, "char *"},
           {"buf_size", 24, 4, Kind::kInteger, "unsigned int"},
           {"list", 32, 16, Kind::kStruct, "struct list_head", "list_head"}});
      ASSERT_TRUE(head.ok()) << head.error().Describe();
      // static LIST_HEAD, as in the seed: STB_LOCAL; seed-global: STB_GLOBAL
      EXPECT_EQ(head->global, GetParam().list == Variant::List::kSeedGlobal);
      break;
    case Variant::List::kReorderedStatic:
      ASSERT_TRUE(node.ok()) << node.error().Describe();
      ExpectMembers(
          *node, 64,
          {{"list", 0, 16, Kind::kStruct, "struct list_head", "list_head"},
           {"csdev", 16, 8, Kind::kPointer, "struct coresight_device *", "coresight_device"},
           {"cpu", 24, 4, Kind::kInteger, "int", "", true},
           {"flags", 28, 4, Kind::kInteger, "unsigned int"},
           {"buf", 32, 8, Kind::kPointer, "char *"},
           {"buf_size", 40, 8, Kind::kInteger, "long unsigned int"},  // gcc's spelling
           {"type", 48, 4, Kind::kInteger, "int", "", true},
           {"name", 56, 8, Kind::kPointer, "const char *"}});
      ASSERT_TRUE(head.ok()) << head.error().Describe();
      EXPECT_FALSE(head->global);  // static LIST_HEAD: STB_LOCAL
      break;
  }
  EXPECT_EQ(head->size, 16u);
  ASSERT_TRUE(head_type.ok()) << head_type.error().Describe();
  EXPECT_EQ(head_type->name, "coresight_dump_list");
  EXPECT_EQ(head_type->kind, Kind::kStruct);
  EXPECT_EQ(head_type->type_name, "struct list_head");
  EXPECT_EQ(head_type->target_struct, "list_head");
  EXPECT_EQ(head_type->size, 16u);
  EXPECT_EQ(head_type->offset, 0u);

  // LIST_HEAD() initialises an empty list: next == prev == &head.
  auto bytes = info().ReadLinkTime(head->address, 16);
  ASSERT_TRUE(bytes.ok()) << bytes.error().Describe();
  EXPECT_EQ(Le64(*bytes, 0), head->address);
  EXPECT_EQ(Le64(*bytes, 8), head->address);
}

// Random byte flips inside a real vmlinux: whatever Open and the lookups
// return, they must return (no crash, no hang). Flips avoid the ELF and
// section headers, which the truncation test covers, so that most runs get
// past Open and exercise the DWARF and symbol readers on damaged data.
TEST(DebugInfoTest, CorruptedContentsDoNotCrash) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  // e_shoff (ELF64 header offset 0x28, little-endian): the section header
  // table is last; everything from the image to it (code, data, DWARF,
  // .symtab, .strtab) is fair game.
  uint64_t shoff = 0;
  for (int i = 0; i < 8; ++i)
    shoff |= uint64_t{static_cast<unsigned char>(real.at(0x28 + i))} << (8 * i);
  ASSERT_GT(shoff, 0x10000u);
  ASSERT_LE(shoff, real.size());
  std::mt19937 rng(1234);
  int opened = 0;
  for (int round = 0; round < 200; ++round) {
    std::string damaged = real;
    std::uniform_int_distribution<size_t> where(0x10000, shoff - 1);
    int flips = 1 + round % 32;
    for (int flip = 0; flip < flips; ++flip) damaged[where(rng)] = static_cast<char>(rng());
    TempFile file(damaged);
    auto info = DebugInfo::Open(file.path());
    if (!info.ok()) continue;
    ++opened;
    (void)info->Symbol("coresight_dump_list");
    (void)info->Struct("coresight_dump_node");
    (void)info->Struct("coresight_device");
    (void)info->MemberPath("coresight_device", "dev.kobj.name");
    (void)info->VariableType("init_uts_ns");
    (void)info->Struct("no_such_struct");
    (void)info->ReadLinkTime(td::kSeedFlippedLinkBase, 64);
  }
  EXPECT_GT(opened, 0);
}

}  // namespace
}  // namespace csd
