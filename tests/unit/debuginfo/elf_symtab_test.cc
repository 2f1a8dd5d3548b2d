// SPDX-License-Identifier: MIT
// The ELF symbol table behind DebugInfo::Symbol: linker symbols, the
// global-beats-static rule, prefetching, section-relative module symbols,
// and what the unit locator asks of the table.
#include "debuginfo/elf_symtab.h"

#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>

#include "debuginfo/debug_info.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/symbol_table.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfSymbol;
using debuginfo_detail::ElfSymbolTable;
using ::testing::HasSubstr;

TEST_P(VariantTest, LinkerSymbols) {
  auto text = info().Symbol("_text");
  ASSERT_TRUE(text.ok()) << text.error().Describe();
  EXPECT_EQ(text->address, GetParam().link_base);
  EXPECT_TRUE(text->global);
  auto stext = info().Symbol("_stext");
  ASSERT_TRUE(stext.ok()) << stext.error().Describe();
  EXPECT_EQ(stext->address, GetParam().link_base + 0x10000);
  auto end = info().Symbol("_end");
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->address % 4096, 0u);
  EXPECT_GT(end->address, stext->address);

  auto pgd = info().Symbol("swapper_pg_dir");
  ASSERT_TRUE(pgd.ok()) << pgd.error().Describe();
  EXPECT_EQ(pgd->address % 4096, 0u);
  EXPECT_EQ(pgd->size, 4096u);
  EXPECT_LT(pgd->address, end->address);
}

TEST_P(VariantTest, SymbolRules) {
  // A static in one file and a global of the same name in another: the global wins.
  auto shadowed = info().Symbol("csd_shadowed");
  ASSERT_TRUE(shadowed.ok()) << shadowed.error().Describe();
  EXPECT_TRUE(shadowed->global);
  EXPECT_EQ(shadowed->size, 4u);
  auto value = info().ReadLinkTime(shadowed->address, 4);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(std::to_integer<int>((*value)[0]), 3);  // kernel_misc.c's global

  auto dup = info().Symbol("csd_dup_local");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(dup.error().message(), HasSubstr("ambiguous"));
  EXPECT_THAT(dup.error().message(), HasSubstr("csd_dup_local"));

  auto missing = info().Symbol("no_such_symbol_anywhere");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(missing.error().message(), HasSubstr("no_such_symbol_anywhere"));
  EXPECT_THAT(missing.error().message(), HasSubstr(GetParam().vmlinux));

  auto func = info().Symbol("start_kernel");
  ASSERT_TRUE(func.ok());
  EXPECT_GE(func->address, GetParam().link_base + 0x10000);
}

// One prefetching pass answers later lookups exactly as lookups of their own
// would, absent names included.
TEST(DebugInfoTest, PrefetchedSymbolsMatchSingleLookups) {
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  DebugInfo prefetched = OpenOrDie(td::kSeedFlippedVmlinux);
  prefetched.PrefetchSymbols(
      {"_text", "coresight_dump_list", "no_such_symbol", "init_uts_ns", "_", "$x", "_stext"});
  for (const char* name : {"_text", "coresight_dump_list", "no_such_symbol", "init_uts_ns",
                           "swapper_pg_dir", "_", "$", "$x", "_stext", "_etext"}) {
    auto a = plain.Symbol(name);
    auto b = prefetched.Symbol(name);
    ASSERT_EQ(a.ok(), b.ok()) << name;
    if (!a.ok()) {
      EXPECT_EQ(a.error().Describe(), b.error().Describe());
      continue;
    }
    EXPECT_EQ(a->address, b->address) << name;
    EXPECT_EQ(a->size, b->size) << name;
    EXPECT_EQ(a->global, b->global) << name;
  }
  // Names shorter than two bytes, and two-byte names that many symbols
  // share (arm64 mapping symbols, one per run of code or data).
  EXPECT_EQ(plain.Symbol("_").error().code(), ErrorCode::kLookup);
  EXPECT_THAT(prefetched.Symbol("_").error().message(), HasSubstr("not found"));
  EXPECT_THAT(prefetched.Symbol("$x").error().message(), HasSubstr("ambiguous"));
  EXPECT_TRUE(prefetched.Symbol("_etext").ok());
}

// A relocatable module (testdata/kernels/module_coresight.c, `ld -r`): symbols
// are section offsets, and the DWARF is only right once relocated. Without the
// relocations every DW_FORM_strp name would read as the first string of
// .debug_str, so finding `coresight_dump_node` by name proves they were applied.
TEST(DebugInfoModuleTest, SymbolsAreSectionRelative) {
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  EXPECT_TRUE(module.relocatable());
  EXPECT_EQ(module.arch(), Arch::kArm64);
  auto head = module.Symbol("coresight_dump_list");
  ASSERT_TRUE(head.ok()) << head.error().Describe();
  EXPECT_EQ(head->section, ".data");
  EXPECT_EQ(head->size, 16u);
  EXPECT_FALSE(head->global);  // static, as in the seed patch
  auto cookie = module.Symbol("csd_module_cookie");
  ASSERT_TRUE(cookie.ok()) << cookie.error().Describe();
  EXPECT_EQ(cookie->section, ".data");
  EXPECT_EQ(cookie->size, 40u);
  // Both live in .data; one of them cannot be at offset 0.
  EXPECT_NE(head->address, cookie->address);
  EXPECT_TRUE(head->address == cookie->address + 40 || cookie->address == head->address + 16);
  auto counter = module.Symbol("csd_dump_nodes");
  ASSERT_TRUE(counter.ok()) << counter.error().Describe();
  EXPECT_EQ(counter->section, ".bss");
  auto function = module.Symbol("coresight_dump_add");
  ASSERT_TRUE(function.ok()) << function.error().Describe();
  EXPECT_EQ(function->section, ".text");
  EXPECT_TRUE(function->global);
}

TEST(DebugInfoModuleTest, VmlinuxSymbolsHaveNoSection) {
  DebugInfo vmlinux = OpenOrDie(td::kModulesHostVmlinux);
  EXPECT_FALSE(vmlinux.relocatable());
  auto modules = vmlinux.Symbol("modules");
  ASSERT_TRUE(modules.ok()) << modules.error().Describe();
  EXPECT_TRUE(modules->section.empty());
  EXPECT_GE(modules->address, td::kModulesHostLinkBase);
}

// ---------------------------------------------------------------- ElfSymbolTable

// What the unit locator asks of the table beyond SymbolTable: binding,
// type and index, whether a symbol is in its file's run of locals, and the
// code next to it there.
TEST(ElfSymbolTableTest, PickTellsWhatTheUnitLocatorNeeds) {
  const ElfImage image = OpenImageOrDie(td::kSeedFlippedVmlinux);
  const ElfSymbolTable table(image);
  auto head = table.Pick("coresight_dump_list");  // static LIST_HEAD
  ASSERT_TRUE(head.ok()) << head.error().Describe();
  EXPECT_EQ(head->binding, STB_LOCAL);
  EXPECT_EQ(head->type, STT_OBJECT);
  EXPECT_GT(head->index, 0u);
  EXPECT_TRUE(table.InFileRun(*head));
  const std::vector<uint64_t> code = table.CodeNear(head->index, 8192, 16);
  ASSERT_FALSE(code.empty());
  EXPECT_LE(code.size(), 16u);
  // Distinct addresses, all of this file's code: dump_list_v2.c is linked
  // last, its code runs from list_add_tail (a static) to _etext.
  auto first = table.Pick("list_add_tail");
  auto etext = table.Pick("_etext");
  ASSERT_TRUE(first.ok() && etext.ok());
  EXPECT_EQ(first->type, STT_FUNC);
  for (uint64_t address : code) {
    EXPECT_GE(address, first->address);
    EXPECT_LT(address, etext->address);
  }
  std::vector<uint64_t> sorted = code;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  // Caps: no entry walked, or one address wanted.
  EXPECT_TRUE(table.CodeNear(head->index, 0, 16).empty());
  EXPECT_EQ(table.CodeNear(head->index, 8192, 1).size(), 1u);

  auto start = table.Pick("start_kernel");
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->binding, STB_GLOBAL);
  EXPECT_FALSE(table.InFileRun(*start));
}

// Through the interface DebugInfo uses, answers are DebugInfo's own.
TEST(ElfSymbolTableTest, AnswersAsDebugInfoDoes) {
  const ElfImage image = OpenImageOrDie(td::kSeedFlippedVmlinux);
  const ElfSymbolTable elf_table(image);
  const SymbolTable& table = elf_table;
  DebugInfo info = OpenOrDie(td::kSeedFlippedVmlinux);
  const std::string_view names[] = {"_text", "coresight_dump_list", "csd_dup_local", ""};
  table.Prefetch(names);
  for (std::string_view name : names) {
    SCOPED_TRACE(name);
    auto a = table.Symbol(name);
    auto b = info.Symbol(name);
    ASSERT_EQ(a.ok(), b.ok());
    if (!a.ok()) {
      EXPECT_EQ(a.error().code(), b.error().code());
      EXPECT_EQ(a.error().message(), b.error().message());
      continue;
    }
    EXPECT_EQ(a->address, b->address);
    EXPECT_EQ(a->global, b->global);
  }
  EXPECT_EQ(table.Symbol("").error().code(), ErrorCode::kInvalidArgument);
}

// A file whose .symtab is not one (its type rewritten): kLookup, said once
// and again, whatever is asked.
TEST(ElfSymbolTableTest, NoSymbolTableIsALookupError) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  TempFile file(
      PatchSectionHeader(real, ".symtab", [](Elf64_Shdr& shdr) { shdr.sh_type = SHT_PROGBITS; }));
  const ElfImage image = OpenImageOrDie(file.path());
  const ElfSymbolTable table(image);
  table.Prefetch(std::vector<std::string_view>{"_text"});
  for (int round = 0; round < 2; ++round) {
    auto text = table.Symbol("_text");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code(), ErrorCode::kLookup);
    EXPECT_THAT(text.error().message(), HasSubstr("has no .symtab"));
    EXPECT_THAT(text.error().message(), HasSubstr(file.path().string()));
  }
  EXPECT_FALSE(table.Pick("coresight_dump_list").ok());
}

// A .symtab whose string table (sh_link) is not there, or that is cut short:
// kCorrupt, not a scan of names from nowhere.
TEST(ElfSymbolTableTest, MissingStringTableOrTruncatedTableIsCorrupt) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  TempFile file(
      PatchSectionHeader(real, ".symtab", [](Elf64_Shdr& shdr) { shdr.sh_link = 0x7fff; }));
  const ElfImage image = OpenImageOrDie(file.path());
  const ElfSymbolTable table(image);
  auto text = table.Symbol("_text");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(text.error().message(), HasSubstr("unreadable symbol string table"));
  // The table cut short, mid-entry: libelf refuses it, and so does every
  // lookup, with the reason.
  TempFile cut(PatchSectionHeader(real, ".symtab", [](Elf64_Shdr& shdr) {
    shdr.sh_size = shdr.sh_entsize * 3 + shdr.sh_entsize / 2;
  }));
  const ElfImage cut_image = OpenImageOrDie(cut.path());
  const ElfSymbolTable cut_table(cut_image);
  auto head = cut_table.Symbol("coresight_dump_list");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(head.error().message(), HasSubstr("unreadable .symtab"));
  EXPECT_THAT(head.error().message(), HasSubstr(cut.path().string()));
}

}  // namespace
}  // namespace csd
