// SPDX-License-Identifier: MIT
// ReadModuleList over hand-laid memory, for both shapes of the module sysfs
// attributes: the modules-host fake kernel (Linux 6.1: nsections and struct
// module_sect_attr.address, a counted notes table, core_layout) and
// modules-host-v7 (6.14+: NULL-terminated grp.bin_attrs of bare
// bin_attributes with the address in `private`, mod->mem[]). The test lays
// memory out with offsets it takes from each vmlinux's DWARF itself, then
// checks every means the reader has, and that hostile tables fail clearly.
#include "kernel/module_list.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "csd_fake_kernels.h"
#include "support/fake_physical_memory.h"
#include "support/identity_translator.h"
#include "support/layout_lookup.h"

namespace csd {
namespace {

using testing::FakePhysicalMemory;
using ::testing::HasSubstr;
using testing::IdentityTranslator;
using ::testing::Not;

constexpr uint64_t kHead = 0x1000;     // `modules`
constexpr uint64_t kImage = 0x100000;  // the module's memory: 16 pages
constexpr uint64_t kImageSize = 0x10000;
constexpr uint64_t kHeap = 0x200000;  // kmalloc'd attributes and strings
constexpr uint64_t kListOffset = 40;  // coresight_dump_list in .data
const std::string kBuildId = "0123456789abcdef0123456789abcdef01234567";

const DebugInfo& Vmlinux(bool v7) {
  // Opened once per process and kept (reachable, for LeakSanitizer).
  static DebugInfo* cache[2] = {nullptr, nullptr};
  DebugInfo*& info = cache[v7 ? 1 : 0];
  if (info == nullptr) {
    auto opened =
        DebugInfo::Open(v7 ? testdata::kModulesHostV7Vmlinux : testdata::kModulesHostVmlinux);
    EXPECT_TRUE(opened.ok()) << opened.error().Describe();
    info = new DebugInfo(std::move(opened).value());
  }
  return *info;
}

struct Section {
  std::string name;
  uint64_t address;
};

// Where the test module's sections are (kImage-relative layout: rodata,
// text, data with struct module in .gnu.linkonce.this_module).
const std::vector<Section> kSections = {{".note.gnu.build-id", kImage},
                                        {".text", kImage + 0x1000},
                                        {".data", kImage + 0x3000},
                                        {".gnu.linkonce.this_module", kImage + 0x3100},
                                        {".init.text", 0x7000000}};  // freed after init
constexpr uint64_t kModule = kImage + 0x3100;

class ModuleListTest : public ::testing::TestWithParam<bool> {
 protected:
  bool v7() const { return GetParam(); }
  const DebugInfo& info() const { return Vmlinux(v7()); }

  MemberLayout M(std::string_view type, std::string_view path) const {
    return csd::testing::MemberOrFail(info(), type, path);
  }
  uint64_t SizeOf(std::string_view type) const {
    return csd::testing::StructSizeOrFail(info(), type);
  }
  void Put(uint64_t at, const MemberLayout& m, uint64_t value) {
    std::vector<std::byte> bytes(m.size);
    StoreUnsigned(bytes, value, Endian::kLittle);
    mem_.Write(at + m.offset, bytes);
  }
  uint64_t String(const std::string& text) {
    const uint64_t at = heap_;
    std::vector<std::byte> bytes(text.size() + 1);
    for (size_t i = 0; i < text.size(); ++i) bytes[i] = static_cast<std::byte>(text[i]);
    mem_.Write(at, bytes);
    heap_ += (bytes.size() + 15) / 16 * 16;
    return at;
  }
  uint64_t Alloc(uint64_t size) {
    const uint64_t at = heap_;
    mem_.Map(at, size);
    heap_ += (size + 63) / 64 * 64;
    return at;
  }

  // One module on the list, its sections, notes and regions as the kernel
  // leaves them; the note holds kBuildId.
  void SetUp() override {
    mem_.Map(kImage, kImageSize);
    const MemberLayout list = M("module", "list");
    mem_.WriteU64(kHead, kModule + list.offset);
    mem_.WriteU64(kHead + 8, kModule + list.offset);
    mem_.WriteU64(kModule + list.offset, kHead);
    mem_.WriteU64(kModule + list.offset + 8, kHead);
    const std::string name = "coresight_dump";
    for (size_t i = 0; i < name.size(); ++i) {
      mem_.Write(kModule + M("module", "name").offset + i,
                 std::vector<std::byte>{static_cast<std::byte>(name[i])});
    }
    // The note: namesz 4, descsz 20, NT_GNU_BUILD_ID, "GNU".
    mem_.WriteU32(kImage, 4);
    mem_.WriteU32(kImage + 4, 20);
    mem_.WriteU32(kImage + 8, 3);
    mem_.Write(kImage + 12, std::vector<std::byte>{std::byte{'G'}, std::byte{'N'}, std::byte{'U'},
                                                   std::byte{0}});
    for (size_t i = 0; i < 20; ++i) {
      mem_.Write(kImage + 16 + i, std::vector<std::byte>{static_cast<std::byte>(
                                      std::stoul(kBuildId.substr(2 * i, 2), nullptr, 16))});
    }
    if (v7()) {
      // mod->mem[MOD_TEXT, MOD_DATA, MOD_RODATA]; the init regions freed.
      const MemberLayout mem = M("module", "mem");
      const uint64_t entry = SizeOf("module_memory");
      const std::pair<uint64_t, uint64_t> regions[] = {
          {kImage + 0x1000, 0x2000}, {kImage + 0x3000, 0x1000}, {kImage, 0x1000}};
      for (size_t i = 0; i < 3; ++i) {
        Put(kModule + mem.offset + i * entry, M("module_memory", "base"), regions[i].first);
        Put(kModule + mem.offset + i * entry, M("module_memory", "size"), regions[i].second);
      }
    } else {
      Put(kModule, M("module", "core_layout.base"), kImage);
      Put(kModule, M("module", "core_layout.size"), kImageSize);
    }
    sections_ = kSections;
  }

  // mod->sect_attrs as kernel/module/sysfs.c builds it from sections_.
  uint64_t WriteSectAttrs() {
    const size_t n = sections_.size();
    const uint64_t gattr = Alloc((n + 1) * 8);
    uint64_t attrs = 0;
    if (v7()) {
      const uint64_t entry = SizeOf("bin_attribute");
      attrs = Alloc(M("module_sect_attrs", "attrs").offset + n * entry);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t e = attrs + M("module_sect_attrs", "attrs").offset + i * entry;
        Put(e, M("bin_attribute", "attr.name"), String(sections_[i].name));
        Put(e, M("bin_attribute", "private"), sections_[i].address);
        mem_.WriteU64(gattr + 8 * i, e);
      }
    } else {
      const uint64_t entry = SizeOf("module_sect_attr");
      attrs = Alloc(M("module_sect_attrs", "attrs").offset + n * entry);
      Put(attrs, M("module_sect_attrs", "nsections"), n);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t e = attrs + M("module_sect_attrs", "attrs").offset + i * entry;
        Put(e, M("module_sect_attr", "battr.attr.name"), String(sections_[i].name));
        Put(e, M("module_sect_attr", "address"), sections_[i].address);
        mem_.WriteU64(gattr + 8 * i, e + M("module_sect_attr", "battr").offset);
      }
    }
    Put(attrs, M("module_sect_attrs", "grp.bin_attrs"), gattr);
    Put(kModule, M("module", "sect_attrs"), attrs);
    return attrs;
  }

  // mod->notes_attrs: one note section, the build-id's.
  uint64_t WriteNotesAttrs() {
    const uint64_t entry = SizeOf("bin_attribute");
    const uint64_t attrs = Alloc(M("module_notes_attrs", "attrs").offset + entry);
    const uint64_t e = attrs + M("module_notes_attrs", "attrs").offset;
    Put(e, M("bin_attribute", "attr.name"), String(".note.gnu.build-id"));
    Put(e, M("bin_attribute", "private"), kImage);
    Put(e, M("bin_attribute", "size"), 36);
    if (v7()) {
      const uint64_t gattr = Alloc(16);
      mem_.WriteU64(gattr, e);
      Put(attrs, M("module_notes_attrs", "grp.bin_attrs"), gattr);
    } else {
      Put(attrs, M("module_notes_attrs", "notes"), 1);
    }
    Put(kModule, M("module", "notes_attrs"), attrs);
    return attrs;
  }

  // mod->core_kallsyms (and mod->kallsyms pointing at it): `symbols` as
  // {name, runtime value, size}.
  void WriteKallsyms(const std::vector<std::tuple<std::string, uint64_t, uint64_t>>& symbols) {
    const uint64_t sym = SizeOf("elf64_sym");
    const uint64_t symtab = Alloc((symbols.size() + 1) * sym);
    const uint64_t strtab = Alloc(4096);
    uint64_t name = 1;
    for (size_t i = 0; i < symbols.size(); ++i) {
      const auto& [text, value, size] = symbols[i];
      const uint64_t s = symtab + (i + 1) * sym;  // entry 0 is the null symbol
      Put(s, M("elf64_sym", "st_name"), name);
      Put(s, M("elf64_sym", "st_info"), 0x01);  // STB_LOCAL, STT_OBJECT
      Put(s, M("elf64_sym", "st_shndx"), 5);
      Put(s, M("elf64_sym", "st_value"), value);
      Put(s, M("elf64_sym", "st_size"), size);
      std::vector<std::byte> bytes(text.size() + 1);
      for (size_t j = 0; j < text.size(); ++j) bytes[j] = static_cast<std::byte>(text[j]);
      mem_.Write(strtab + name, bytes);
      name += bytes.size();
    }
    Put(kModule, M("module", "core_kallsyms.symtab"), symtab);
    Put(kModule, M("module", "core_kallsyms.num_symtab"), symbols.size() + 1);
    Put(kModule, M("module", "core_kallsyms.strtab"), strtab);
    Put(kModule, M("module", "kallsyms"), kModule + M("module", "core_kallsyms").offset);
  }

  LoadedModule ReadOne(ModuleListLimits limits = {}) {
    KernelMemory memory(xlat_, mem_, Endian::kLittle);
    auto list = ReadModuleList(memory, info(), kHead, limits, 64 * 1024);
    EXPECT_TRUE(list.ok()) << list.error().Describe();
    if (!list.ok() || list->modules.size() != 1) {
      ADD_FAILURE() << "expected one module";
      return {};
    }
    return list->modules[0];
  }

  static SymbolInfo DumpList() {
    return SymbolInfo{"coresight_dump_list", kListOffset, 16, false, ".data"};
  }

  FakePhysicalMemory mem_;
  IdentityTranslator xlat_;
  uint64_t heap_ = kHeap;
  std::vector<Section> sections_;
};

TEST_P(ModuleListTest, SectionsAndBuildIdFromTheAttributes) {
  WriteSectAttrs();
  WriteNotesAttrs();
  const LoadedModule m = ReadOne();
  EXPECT_EQ(m.name, "coresight_dump");
  EXPECT_EQ(m.address, kModule);
  EXPECT_FALSE(m.error) << *m.error;
  ASSERT_EQ(m.sections.size(), kSections.size());
  for (size_t i = 0; i < kSections.size(); ++i) {
    EXPECT_EQ(m.sections[i].first, kSections[i].name);
    EXPECT_EQ(m.sections[i].second, kSections[i].address);
  }
  EXPECT_THAT(m.sections_from, HasSubstr(v7() ? "6.14 and later" : "6.13 and before"));
  EXPECT_EQ(m.build_id, kBuildId);
  EXPECT_EQ(m.build_id_from, "mod->notes_attrs (.note.gnu.build-id)");
  EXPECT_TRUE(m.kallsyms.empty());  // not needed, not read
  auto placed = m.Place(DumpList());
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_EQ(placed->address, kImage + 0x3000 + kListOffset);
  EXPECT_EQ(placed->section_address, kImage + 0x3000);
}

TEST_P(ModuleListTest, BuildIdFromTheNoteSectionWithoutNotesAttrs) {
  WriteSectAttrs();
  const LoadedModule m = ReadOne();
  EXPECT_EQ(m.build_id, kBuildId);
  EXPECT_EQ(m.build_id_from, ".note.gnu.build-id section");
}

TEST_P(ModuleListTest, NullSectAttrsFallsBackToKallsyms) {
  WriteNotesAttrs();
  WriteKallsyms({{"coresight_dump_add", kImage + 0x1000, 0x100},
                 {"coresight_dump_list", kImage + 0x3000 + kListOffset, 16}});
  const LoadedModule m = ReadOne();
  EXPECT_TRUE(m.sections.empty());
  ASSERT_TRUE(m.error);
  EXPECT_THAT(*m.error, HasSubstr("mod->sect_attrs is NULL"));
  EXPECT_EQ(m.kallsyms.size(), 2u);
  EXPECT_EQ(m.build_id, kBuildId);  // the notes do not need the sections
  auto placed = m.Place(DumpList());
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_EQ(placed->address, kImage + 0x3000 + kListOffset);
  EXPECT_EQ(placed->section_address, kImage + 0x3000);
  EXPECT_EQ(placed->means, "kallsyms");
}

TEST_P(ModuleListTest, KallsymsThroughCoreKallsymsWhenThePointerIsNull) {
  WriteKallsyms({{"coresight_dump_list", kImage + 0x3000 + kListOffset, 16}});
  Put(kModule, M("module", "kallsyms"), 0);
  auto placed = ReadOne().Place(DumpList());
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_EQ(placed->address, kImage + 0x3000 + kListOffset);
}

TEST_P(ModuleListTest, KallsymsOutsideTheModulesMemoryIsNotUsed) {
  WriteKallsyms({{"coresight_dump_list", 0xdead0000, 16}});
  auto placed = ReadOne().Place(DumpList());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(placed.error().Describe(), HasSubstr("outside the module's memory"));
}

TEST_P(ModuleListTest, NothingPlacesTheSymbolSaysWhyForEachMeans) {
  // CONFIG_SYSFS off and no CONFIG_KALLSYMS_ALL: the data symbol is not kept.
  WriteKallsyms({{"coresight_dump_add", kImage + 0x1000, 0x100}});
  const LoadedModule m = ReadOne();
  auto placed = m.Place(DumpList());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().code(),
            ErrorCode::kUnsupported);  // the kernel keeps nothing: not a bad dump
  EXPECT_THAT(placed.error().Describe(), HasSubstr("mod->sect_attrs is NULL"));
  EXPECT_THAT(placed.error().Describe(), HasSubstr("none of the module's 1 symbols"));
  EXPECT_THAT(placed.error().Describe(), HasSubstr("CONFIG_KALLSYMS_ALL"));
}

TEST_P(ModuleListTest, AmbiguousKallsymsNameIsNotGuessed) {
  WriteKallsyms({{"coresight_dump_list", kImage + 0x3000 + kListOffset, 16},
                 {"coresight_dump_list", kImage + 0x3800, 16}});
  auto placed = ReadOne().Place(DumpList());
  ASSERT_FALSE(placed.ok());
  EXPECT_THAT(placed.error().Describe(), HasSubstr("2 symbols named 'coresight_dump_list'"));
}

TEST_P(ModuleListTest, WildSectionAddressIsNotTrusted) {
  sections_[2].address = 0xdead0000;  // .data
  WriteSectAttrs();
  WriteKallsyms({{"coresight_dump_list", kImage + 0x3000 + kListOffset, 16}});
  const LoadedModule m = ReadOne();
  EXPECT_TRUE(m.sections.empty());
  ASSERT_TRUE(m.error);
  EXPECT_THAT(*m.error,
              HasSubstr("places section .data at 0xdead0000, outside the module's memory"));
  // kallsyms still places it.
  auto placed = m.Place(DumpList());
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_EQ(placed->address, kImage + 0x3000 + kListOffset);
}

// Debian's 6.1 (real-kernel suite): layout_symtab() puts the full .symtab and
// .strtab in init memory, freed after init, so their sect_attrs lie outside
// what remains of the module; that is no reason to distrust the table.
TEST_P(ModuleListTest, SymtabAndStrtabInFreedInitMemoryAreExpected) {
  sections_.push_back({".symtab", 0x7010000});
  sections_.push_back({".strtab", 0x7018000});
  WriteSectAttrs();
  const LoadedModule m = ReadOne();
  ASSERT_FALSE(m.error) << *m.error;
  EXPECT_EQ(m.SectionAddress(".data"), kImage + 0x3000);
  EXPECT_EQ(m.SectionAddress(".symtab"), 0x7010000u);
  auto placed = m.Place(DumpList());
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_EQ(placed->address, kImage + 0x3000 + kListOffset);
}

// Debian's armhf 6.1 (real-kernel suite): the ARM unwind tables of the init
// code (.ARM.exidx.init.text, .ARM.extab.init.text) are laid out with it, in
// init memory freed after init: their sect_attrs lie above core_layout.
TEST_P(ModuleListTest, ArmUnwindTablesInFreedInitMemoryAreExpected) {
  sections_.push_back({".ARM.exidx.init.text", 0x7020000});
  sections_.push_back({".ARM.extab.init.text", 0x7020100});
  WriteSectAttrs();
  const LoadedModule m = ReadOne();
  ASSERT_FALSE(m.error) << *m.error;
  EXPECT_EQ(m.SectionAddress(".ARM.exidx.init.text"), 0x7020000u);
  auto placed = m.Place(DumpList());
  ASSERT_TRUE(placed.ok()) << placed.error().Describe();
  EXPECT_EQ(placed->address, kImage + 0x3000 + kListOffset);
}

// Only the init code's tables: those of core code outside the module's memory
// still make the table untrustworthy.
TEST_P(ModuleListTest, ArmUnwindTableOfCoreCodeOutsideTheModuleIsDistrusted) {
  sections_.push_back({".ARM.exidx", 0x7020000});
  WriteSectAttrs();
  const LoadedModule m = ReadOne();
  ASSERT_TRUE(m.error);
  EXPECT_THAT(*m.error, HasSubstr("places section .ARM.exidx at 0x7020000, outside"));
}

TEST_P(ModuleListTest, UnreadableSectAttrsIsADamagedDump) {
  Put(kModule, M("module", "sect_attrs"), 0x9000000);  // no such page
  const LoadedModule m = ReadOne();
  ASSERT_TRUE(m.error);
  auto placed = m.Place(DumpList());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(placed.error().Describe(), HasSubstr("0x9000000"));
}

TEST_P(ModuleListTest, UnterminatedBinAttrsStopsAtTheCap) {
  const uint64_t attrs = WriteSectAttrs();
  // Overwrite the list with 8 non-NULL pointers and nothing after the cap.
  const uint64_t gattr = Alloc(9 * 8);
  for (size_t i = 0; i < 9; ++i) {
    mem_.WriteU64(gattr + 8 * i, attrs + M("module_sect_attrs", "attrs").offset);
  }
  Put(attrs, M("module_sect_attrs", "grp.bin_attrs"), gattr);
  if (!v7()) Put(attrs, M("module_sect_attrs", "nsections"), 1u << 30);  // and no usable count
  ModuleListLimits limits;
  limits.max_sections = 8;
  const LoadedModule m = ReadOne(limits);
  EXPECT_TRUE(m.sections.empty());
  ASSERT_TRUE(m.error);
  EXPECT_THAT(*m.error, HasSubstr("no NULL terminator within its first 8 entries"));
  if (!v7()) {
    EXPECT_THAT(*m.error, HasSubstr("over the cap of 8 entries"));
  }
  auto placed = m.Place(DumpList());
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.error().code(), ErrorCode::kCorrupt);
}

TEST_P(ModuleListTest, BuildIdIsFoundAmongOtherNotes) {
  WriteSectAttrs();
  const uint64_t attrs = WriteNotesAttrs();
  // The notes section holds a Linux note before the GNU one.
  const uint64_t note = Alloc(64);
  mem_.WriteU32(note, 6);  // "Linux\0"
  mem_.WriteU32(note + 4, 4);
  mem_.WriteU32(note + 8, 0x100);
  mem_.Write(note + 12, std::vector<std::byte>{std::byte{'L'}, std::byte{'i'}, std::byte{'n'},
                                               std::byte{'u'}, std::byte{'x'}, std::byte{0}});
  std::vector<std::byte> gnu(36);
  ASSERT_TRUE(mem_.ReadPhysical(kImage, gnu).ok());
  mem_.Write(note + 24, gnu);
  const uint64_t e = attrs + M("module_notes_attrs", "attrs").offset;
  Put(e, M("bin_attribute", "attr.name"), String(".note.Linux"));
  Put(e, M("bin_attribute", "private"), note);
  Put(e, M("bin_attribute", "size"), 60);
  const LoadedModule m = ReadOne();
  EXPECT_EQ(m.build_id, kBuildId);
  EXPECT_EQ(m.build_id_from, "mod->notes_attrs (.note.Linux)");
}

TEST_P(ModuleListTest, NoteAttributesOfHostileSizesAreReadWithinThemselves) {
  WriteSectAttrs();
  const uint64_t attrs = WriteNotesAttrs();
  const uint64_t e = attrs + M("module_notes_attrs", "attrs").offset;
  // A build-id note header claiming more than the attribute's size: not
  // read past its 14 bytes, so no build-id from the notes; the note section
  // found through sect_attrs still has it.
  Put(e, M("bin_attribute", "size"), 14);
  LoadedModule m = ReadOne();
  EXPECT_EQ(m.build_id, kBuildId);
  EXPECT_EQ(m.build_id_from, ".note.gnu.build-id section");
  // And sizes of 0 and past the 4 KiB read cap.
  for (uint64_t size : {uint64_t{0}, uint64_t{1} << 40}) {
    Put(e, M("bin_attribute", "size"), size);
    m = ReadOne();
    EXPECT_EQ(m.build_id, kBuildId) << size;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ModuleListTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Linux614" : "Linux61";
                         });

// Only the 6.13-and-before shape has a count; when it is unusable, the
// NULL-terminated list that the same kernel also keeps still gives the sections.
class ModuleListCountedTest : public ModuleListTest {};

TEST_P(ModuleListCountedTest, UnusableCountFallsBackToTheList) {
  const uint64_t attrs = WriteSectAttrs();
  Put(attrs, M("module_sect_attrs", "nsections"), 1u << 30);
  const LoadedModule m = ReadOne();
  EXPECT_FALSE(m.error) << *m.error;
  ASSERT_EQ(m.sections.size(), kSections.size());
  EXPECT_EQ(m.SectionAddress(".data"), kImage + 0x3000);
}

INSTANTIATE_TEST_SUITE_P(Linux61, ModuleListCountedTest, ::testing::Values(false));

TEST(ModuleListLayoutTest, KernelWithoutModulesIsALookupError) {
  auto info = DebugInfo::Open(testdata::kSeedFlippedVmlinux);
  ASSERT_TRUE(info.ok());
  FakePhysicalMemory mem;
  IdentityTranslator xlat;
  KernelMemory memory(xlat, mem, Endian::kLittle);
  auto list = ReadModuleList(memory, *info, kHead, {}, 64 * 1024);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code(), ErrorCode::kLookup);
  EXPECT_THAT(list.error().Describe(), Not(HasSubstr("sect_attrs")));
}

}  // namespace
}  // namespace csd
