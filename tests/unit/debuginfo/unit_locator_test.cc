// SPDX-License-Identifier: MIT
// The unit locator behind DebugInfo::UnitOf and the anchored lookups: which
// compile unit defines a symbol, one-unit views on every kind of image, and
// hostile .symtab, .debug_aranges and .debug_info.
#include "debuginfo/unit_locator.h"

#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "debuginfo/debug_info.h"
#include "debuginfo/dwarf_session.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/elf_symtab.h"
#include "debuginfo_fixtures.h"

namespace csd {
namespace {

using namespace csd::debuginfo_test;  // NOLINT(google-build-using-namespace)
namespace td = csd::testdata;
using Kind = MemberLayout::Kind;
using debuginfo_detail::DwarfSession;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfSymbolTable;
using debuginfo_detail::UnitLocator;
using ::testing::HasSubstr;

TEST_P(VariantTest, UnitOfTheListHead) {
  auto unit = info().UnitOf("coresight_dump_list");
  switch (GetParam().list) {
    case Variant::List::kSeedStatic:
      ASSERT_TRUE(unit.ok()) << unit.error().Describe();
      EXPECT_PRED2(EndsWith, unit->name, "/dump_list_v2.c");
      break;
    case Variant::List::kReorderedStatic:
      // No static function in its file: the $x mapping symbol of its code.
      ASSERT_TRUE(unit.ok()) << unit.error().Describe();
      EXPECT_PRED2(EndsWith, unit->name, "/dump_list_reordered.c");
      break;
    case Variant::List::kSeedGlobal:
      ASSERT_FALSE(unit.ok());
      EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(unit.error().message(), HasSubstr("global symbol does not say which file"));
      break;
    case Variant::List::kNone:
      ASSERT_FALSE(unit.ok());
      EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
      EXPECT_THAT(unit.error().message(), HasSubstr("not found"));
      break;
  }
  // Asked once: the same answer again.
  auto again = info().UnitOf("coresight_dump_list");
  ASSERT_EQ(again.ok(), unit.ok());
  if (unit.ok()) {
    EXPECT_EQ(again->offset, unit->offset);
    EXPECT_EQ(again->name, unit->name);
    // A function of that file lands in the same unit.
    auto function = info().UnitOf("coresight_dump_add");
    ASSERT_TRUE(function.ok()) << function.error().Describe();
    EXPECT_EQ(function->offset, unit->offset);
  }
  ExpectAnchoredLayoutsMatchTheScan(GetParam().vmlinux);
}

// Every layout read through a one-unit view (DWARF 2 to 5, 32- and 64-bit
// ELF, other granules) matches the whole file's.
TEST(DebugInfoTest, AnchoredLayoutsMatchTheScanOnEveryKernel) {
  for (const char* vmlinux :
       {td::kArmShortVmlinux, td::kArmLpaeVmlinux, td::kG64kVa42Vmlinux, td::kTraceVmlinux,
        td::kRelease61115Vmlinux, td::kG16kVa52Lpa2Vmlinux}) {
    DebugInfo info = OpenOrDie(vmlinux);
    auto unit = info.UnitOf("coresight_dump_list");
    ASSERT_TRUE(unit.ok()) << vmlinux << ": " << unit.error().Describe();
    EXPECT_PRED2(EndsWith, unit->name, "/dump_list_v2.c");
    ExpectAnchoredLayoutsMatchTheScan(vmlinux);
  }
}

TEST(DebugInfoTest, UnitOfFunctionsAndOtherSymbols) {
  DebugInfo info = OpenOrDie(td::kSeedFlippedVmlinux);
  // Functions, global or static, by their own address.
  for (auto [function, file] : {std::pair{"start_kernel", "/kernel_common.c"},
                                std::pair{"csd_misc_touch", "/kernel_misc.c"},
                                std::pair{"list_add_tail", "/dump_list_v2.c"}}) {
    auto unit = info.UnitOf(function);
    ASSERT_TRUE(unit.ok()) << function << ": " << unit.error().Describe();
    EXPECT_PRED2(EndsWith, unit->name, file);
  }
  // Global data: no file to go by.
  for (const char* name : {"csd_example_etf", "csd_shadowed" /* the global wins */}) {
    auto unit = info.UnitOf(name);
    ASSERT_FALSE(unit.ok()) << name;
    EXPECT_THAT(unit.error().message(), HasSubstr("global symbol")) << name;
  }
  // Linker symbols, names that are not there, two statics of one name.
  for (const char* name : {"_text", "_end", "no_such_symbol", "csd_dup_local"}) {
    auto unit = info.UnitOf(name);
    ASSERT_FALSE(unit.ok()) << name;
    EXPECT_EQ(unit.error().code(), ErrorCode::kLookup) << name;
  }
  EXPECT_THAT(info.UnitOf("csd_dup_local").error().message(), HasSubstr("ambiguous"));
  // Relocatable objects are not looked up by address.
  DebugInfo module = OpenOrDie(td::kCoresightModule);
  auto in_module = module.UnitOf("coresight_dump_list");
  ASSERT_FALSE(in_module.ok());
  EXPECT_EQ(in_module.error().code(), ErrorCode::kUnsupported);
  // Anchored lookups in a module scan as before.
  auto node = module.Struct("coresight_dump_node", {"coresight_dump_list"});
  ASSERT_TRUE(node.ok()) << node.error().Describe();
  EXPECT_EQ(node->size, 48u);
}

// huge-file-group: a million local labels in the head's file, its code beyond
// them. The walk stops at its cap, finds no code, and the lookups fall back.
TEST(DebugInfoTest, UnitOfStopsInAHugeFileGroup) {
  DebugInfo info = OpenOrDie(td::kHugeFileGroupVmlinux);
  ASSERT_TRUE(info.Symbol("coresight_dump_list").ok());  // the one full pass, untimed
  const auto start = std::chrono::steady_clock::now();
  auto unit = info.UnitOf("coresight_dump_list");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
  // Had the walk gone on, csd_huge_group_add 500,000 entries on would have
  // given the unit; the cap stopped it with nothing.
  EXPECT_THAT(unit.error().message(), HasSubstr("0 code address(es)"));
  EXPECT_LT(elapsed, std::chrono::seconds(2));  // 16k entries; a million would still be quick
  ExpectAnchoredLayoutsMatchTheScan(td::kHugeFileGroupVmlinux);
  DebugInfo fresh = OpenOrDie(td::kHugeFileGroupVmlinux);
  auto node = fresh.Struct("coresight_dump_node", {"coresight_dump_list"});
  ASSERT_TRUE(node.ok()) << node.error().Describe();
  EXPECT_EQ(node->size, 48u);
  EXPECT_EQ(node->Find("list")->offset, 32u);
}

// Without STT_FILE entries the walk runs into other files' symbols; only a
// unit that defines the variable is taken.
TEST(DebugInfoTest, UnitOfWithoutFileSymbols) {
  std::string no_files = PatchSymbols([](Elf64_Sym& sym, std::string_view) {
    if (ELF64_ST_TYPE(sym.st_info) == STT_FILE) sym.st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE);
  });
  TempFile file(no_files);
  DebugInfo info = OpenOrDie(file.path().c_str());
  auto unit = info.UnitOf("coresight_dump_list");
  ASSERT_TRUE(unit.ok()) << unit.error().Describe();
  EXPECT_PRED2(EndsWith, unit->name, "/dump_list_v2.c");
  ExpectAnchoredLayoutsMatchTheScan(file.path());

  // Now its own file's code symbols are gone too (moved to .data): the code
  // the walk finds is kernel_misc.c's and kernel_common.c's, whose units do
  // not define the list.
  // dump_list_v2.c is linked last: its code (list_add_tail, coresight_dump_add
  // and their literal pools, $d) runs from list_add_tail to _etext.
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  auto helper = plain.Symbol("list_add_tail");
  auto etext = plain.Symbol("_etext");
  ASSERT_TRUE(helper.ok() && etext.ok());
  const uint64_t lo = helper->address;
  const uint64_t hi = etext->address;
  auto data_index = [&] {
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, no_files.data(), sizeof ehdr);
    for (size_t i = 0; i < ehdr.e_shnum; ++i) {
      Elf64_Shdr shdr;
      std::memcpy(&shdr, no_files.data() + ehdr.e_shoff + i * ehdr.e_shentsize, sizeof shdr);
      if ((shdr.sh_flags & SHF_WRITE) != 0 && shdr.sh_type == SHT_PROGBITS) return i;
    }
    return size_t{0};
  }();
  ASSERT_NE(data_index, 0u);
  std::string no_own_code = PatchSymbols([&](Elf64_Sym& sym, std::string_view) {
    if (ELF64_ST_TYPE(sym.st_info) == STT_FILE) sym.st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE);
    if (sym.st_value >= lo && sym.st_value < hi) sym.st_shndx = static_cast<Elf64_Half>(data_index);
  });
  TempFile file2(no_own_code);
  DebugInfo info2 = OpenOrDie(file2.path().c_str());
  auto none = info2.UnitOf("coresight_dump_list");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(none.error().message(), HasSubstr("none of which defines it"));
  ExpectAnchoredLayoutsMatchTheScan(file2.path());
}

// .debug_aranges whose unit offsets point past .debug_info, at another unit,
// or into the middle of the right one: no unit is taken that does not define
// the list, and the lookups still give the scan's layouts.
TEST(DebugInfoTest, UnitOfWithGarbageAranges) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  auto right = plain.UnitOf("coresight_dump_list");
  ASSERT_TRUE(right.ok()) << right.error().Describe();
  const SectionPlace aranges = FindSection(real, ".debug_aranges");
  for (uint64_t unit : {uint64_t{0x7fffff00}, uint64_t{0}, right->offset + 1, right->offset + 4,
                        uint64_t{0xffffffff}}) {
    SCOPED_TRACE(unit);
    std::string image = real;
    // DWARF 32 sets: length (4), version (2), debug_info_offset (4), ...
    for (size_t set = aranges.offset; set + 10 <= aranges.offset + aranges.size;) {
      uint32_t length;
      std::memcpy(&length, image.data() + set, 4);
      const auto patched = static_cast<uint32_t>(unit);
      std::memcpy(image.data() + set + 6, &patched, 4);
      set += 4 + length;
    }
    TempFile file(image);
    DebugInfo info = OpenOrDie(file.path().c_str());
    auto found = info.UnitOf("coresight_dump_list");
    EXPECT_FALSE(found.ok());
    ExpectAnchoredLayoutsMatchTheScan(file.path());
    // A function is taken at the table's word (it has no variable to check);
    // a wrong unit only costs the scan that follows.
    DebugInfo by_function = OpenOrDie(file.path().c_str());
    auto node = by_function.Struct("coresight_dump_node", {"coresight_dump_add"});
    ASSERT_TRUE(node.ok()) << node.error().Describe();
    EXPECT_EQ(node->size, 48u);
  }
}

// Random damage to the tables UnitOf reads: never a crash, hang or read
// outside them (ASan builds), whatever it answers.
TEST(DebugInfoTest, CorruptedUnitTablesDoNotCrash) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  std::vector<SectionPlace> targets;
  for (const char* name : {".symtab", ".debug_aranges", ".debug_abbrev", ".debug_info"}) {
    targets.push_back(FindSection(real, name));
  }
  std::mt19937 rng(7);
  int answered = 0;
  for (int round = 0; round < 160; ++round) {
    std::string damaged = real;
    const SectionPlace& target = targets[round % targets.size()];
    // .debug_info: only its first units' headers and DIEs.
    const size_t span = std::min<size_t>(target.size, 0x400);
    std::uniform_int_distribution<size_t> where(target.offset, target.offset + span - 1);
    const int flips = 1 + round % 8;
    for (int flip = 0; flip < flips; ++flip) damaged[where(rng)] = static_cast<char>(rng());
    TempFile file(damaged);
    auto info = DebugInfo::Open(file.path());
    if (!info.ok()) continue;
    auto unit = info->UnitOf("coresight_dump_list");
    if (unit.ok()) ++answered;
    (void)info->UnitOf("coresight_dump_add");
    (void)info->Struct("coresight_dump_node", {"coresight_dump_list", "coresight_dump_add"});
    (void)info->Struct("list_head", {"coresight_dump_list"});
    (void)info->MemberPath("coresight_device", "dev.kobj.name", {"coresight_dump_list"});
    (void)info->VariableType("coresight_dump_list");
  }
  EXPECT_GT(answered, 0);
}

// ---------------------------------------------------------------- UnitLocator

// The components a UnitLocator reads, put together by hand.
struct Stack {
  explicit Stack(const std::filesystem::path& path)
      : image(OpenImageOrDie(path)),
        dwarf(BeginSessionOrDie(image)),
        symbols(image),
        units(image, symbols, dwarf) {}
  ElfImage image;
  DwarfSession dwarf;
  ElfSymbolTable symbols;
  UnitLocator units;
};

// The unit DIE comes from a one-unit view, and is the unit UnitOf named;
// offsets where no unit starts give none.
TEST(UnitLocatorTest, UnitDieIsTheUnitUnitOfNamed) {
  auto stack = std::make_unique<Stack>(td::kSeedFlippedVmlinux);
  auto unit = stack->units.UnitOf("coresight_dump_add");
  ASSERT_TRUE(unit.ok()) << unit.error().Describe();
  for (int round = 0; round < 2; ++round) {  // made once, then kept
    Dwarf_Die die;
    ASSERT_TRUE(stack->units.UnitDie(unit->offset, &die));
    EXPECT_EQ(dwarf_tag(&die), DW_TAG_compile_unit);
    const char* name = dwarf_diename(&die);
    ASSERT_NE(name, nullptr);
    EXPECT_EQ(name, unit->name);
    EXPECT_PRED2(EndsWith, name, "/dump_list_v2.c");
  }
  Dwarf_Die die;
  EXPECT_FALSE(stack->units.UnitDie(unit->offset + 1, &die));
  EXPECT_FALSE(stack->units.UnitDie(uint64_t{1} << 40, &die));
}

// Before any UnitOf the DWARF of a module is not open: no unit DIE, no crash.
TEST(UnitLocatorTest, NoUnitDieBeforeTheDwarfIsOpen) {
  auto stack = std::make_unique<Stack>(td::kCoresightModule);
  Dwarf_Die die;
  EXPECT_FALSE(stack->units.UnitDie(0, &die));
}

// .debug_aranges cut short (inside its first set, or to nothing) or with a
// set whose length runs past the section: a function's unit cannot be told,
// and the error says which address no range holds; anchored lookups fall
// back to the scan and still find the struct.
TEST(UnitLocatorTest, TruncatedArangesSayWhichAddressNoRangeHolds) {
  const std::string real = ReadText(td::kSeedFlippedVmlinux);
  DebugInfo plain = OpenOrDie(td::kSeedFlippedVmlinux);
  auto add = plain.Symbol("coresight_dump_add");
  ASSERT_TRUE(add.ok());
  const SectionPlace aranges = FindSection(real, ".debug_aranges");
  std::string long_set = real;
  const uint32_t too_long = static_cast<uint32_t>(aranges.size);  // 4 more than the section
  std::memcpy(long_set.data() + aranges.offset, &too_long, 4);
  for (const std::string& image :
       {PatchSectionHeader(real, ".debug_aranges", [](Elf64_Shdr& shdr) { shdr.sh_size = 20; }),
        PatchSectionHeader(real, ".debug_aranges", [](Elf64_Shdr& shdr) { shdr.sh_size = 0; }),
        long_set}) {
    TempFile file(image);
    auto stack = std::make_unique<Stack>(file.path());
    auto unit = stack->units.UnitOf("coresight_dump_add");
    ASSERT_FALSE(unit.ok());
    EXPECT_EQ(unit.error().code(), ErrorCode::kLookup);
    EXPECT_THAT(unit.error().message(), HasSubstr("cannot be told"));
    EXPECT_THAT(unit.error().message(),
                HasSubstr(fmt::format("no .debug_aranges range of a readable unit holds its "
                                      "address {:#x}",
                                      add->address)));
    EXPECT_THAT(unit.error().message(), HasSubstr(file.path().string()));
    auto list = stack->units.UnitOf("coresight_dump_list");
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.error().code(), ErrorCode::kLookup);
    DebugInfo info = OpenOrDie(file.path().c_str());
    auto node = info.Struct("coresight_dump_node", {"coresight_dump_add", "coresight_dump_list"});
    ASSERT_TRUE(node.ok()) << node.error().Describe();
    EXPECT_EQ(node->size, 48u);
  }
}

}  // namespace
}  // namespace csd
