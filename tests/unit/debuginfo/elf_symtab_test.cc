// SPDX-License-Identifier: MIT
// The ELF symbol table behind DebugInfo::Symbol: linker symbols, the
// global-beats-static rule, prefetching, section-relative module symbols,
// and what the unit locator asks of the table.
#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "debuginfo/debug_info.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
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

}  // namespace
}  // namespace csd
