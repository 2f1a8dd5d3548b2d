// SPDX-License-Identifier: MIT
// Kernel modules in synthetic dumps: the relocatable object is read from its
// section headers, its sections are placed in module space behind the page
// tables, and the loaded-module list, struct module and its section
// attributes are laid out from the modules-host vmlinux DWARF. Everything is
// read back the way a reader must: through the reader-side translator, with
// the offsets a reader takes from DWARF.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "base/byte_reader.h"
#include "core_reader.h"
#include "csd_fake_kernels.h"
#include "csdump-mkcore/core_builder.h"
#include "csdump-mkcore/module_object.h"
#include "debuginfo/debug_info.h"
#include "xlat/arm64_translator.h"

namespace csd::mkcore {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace td = csd::testdata;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::vector<std::byte> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(bytes.size());
  std::transform(bytes.begin(), bytes.end(), out.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return out;
}

const DebugInfo& Vmlinux() {
  static const DebugInfo* info = [] {
    auto opened = DebugInfo::Open(td::kModulesHostVmlinux);
    EXPECT_TRUE(opened.ok()) << opened.error().Describe();
    return new DebugInfo(std::move(opened).value());
  }();
  return *info;
}

const KernelModel& Kernel() {
  static const KernelModel* kernel = [] {
    auto loaded = LoadKernelModel(Vmlinux());
    EXPECT_TRUE(loaded.ok()) << loaded.error().Describe();
    return new KernelModel(std::move(loaded).value());
  }();
  return *kernel;
}

const ModuleObject& Object() {
  static const ModuleObject* object = [] {
    auto loaded = LoadModuleObject(td::kCoresightModule);
    EXPECT_TRUE(loaded.ok()) << loaded.error().Describe();
    return new ModuleObject(std::move(loaded).value());
  }();
  return *object;
}

constexpr const char* kNodes =
    R"({"cpu": 0, "type": 0, "device": "etm0", "content": {"etmv4": {"trcconfigr": 0,
      "trctraceidr": "0x10", "trcidr0": "0x28000ea1", "trcidr1": "0x4100f403",
      "trcidr2": "0x488", "trcidr8": 0, "trcauthstatus": "0xcc"}}},
    {"cpu": 0, "type": 1, "device": "etr", "alloc": "vmalloc",
      "content": {"pattern": {"size": 20000}}})";

std::string SpecText(const std::string& modules, const std::string& kaslr = "0x1e50000") {
  return fmt::format(
      R"({{"kernel": "modules-host", "ram": [{{"start": "0x40000000", "size": "0x800000"}}],
      "kernel_phys": "0x40200000", "kaslr_offset": "{}", "seed": 3,
      "modules": [{}], "nodes": [{}]}})",
      kaslr, modules, kNodes);
}

constexpr const char* kOwner = R"({"name": "coresight_dump", "object": 0, "owns_list": true})";

Spec MustParse(const std::string& text) {
  auto spec = ParseSpec(text);
  EXPECT_TRUE(spec.ok()) << spec.error().Describe();
  return std::move(spec).value();
}

Expected<BuiltCore> Build(const std::string& modules, const std::string& kaslr = "0x1e50000") {
  return BuildCore(MustParse(SpecText(modules, kaslr)), Kernel(),
                   std::span<const ModuleObject>(&Object(), 1));
}

BuiltCore MustBuild(const std::string& modules, const std::string& kaslr = "0x1e50000") {
  auto core = Build(modules, kaslr);
  EXPECT_TRUE(core.ok()) << core.error().Describe();
  return std::move(core).value();
}

MemberLayout MemberOrDie(std::string_view type, std::string_view path) {
  auto m = Vmlinux().MemberPath(type, path);
  EXPECT_TRUE(m.ok()) << m.error().Describe();
  return m.ok() ? *m : MemberLayout{};
}

// What a reader finds for one module, read with offsets from the vmlinux DWARF.
struct ReadModule {
  uint64_t address = 0;
  std::string name;
  uint64_t state = 0;
  uint64_t sect_attrs = 0;
  std::vector<std::pair<std::string, uint64_t>> sections;
};

std::vector<ReadModule> WalkModules(const BuiltCore& core) {
  const Reader r(core);
  auto head = Vmlinux().Symbol("modules");
  EXPECT_TRUE(head.ok());
  const uint64_t head_va = core.layout.Runtime(head->address);
  const MemberLayout list = MemberOrDie("module", "list");
  const MemberLayout name = MemberOrDie("module", "name");
  const MemberLayout state = MemberOrDie("module", "state");
  const MemberLayout sect_attrs = MemberOrDie("module", "sect_attrs");
  const MemberLayout nsections = MemberOrDie("module_sect_attrs", "nsections");
  const MemberLayout attrs = MemberOrDie("module_sect_attrs", "attrs");
  const MemberLayout attr_name = MemberOrDie("module_sect_attr", "battr.attr.name");
  const MemberLayout attr_address = MemberOrDie("module_sect_attr", "address");
  auto attr = Vmlinux().Struct("module_sect_attr");
  EXPECT_TRUE(attr.ok());

  std::vector<ReadModule> modules;
  uint64_t prev = head_va;
  for (uint64_t cur = r.U64(head_va); cur != head_va && modules.size() < 64; cur = r.U64(cur)) {
    EXPECT_EQ(r.U64(cur + 8), prev) << "prev link of " << modules.size();
    prev = cur;
    ReadModule m;
    m.address = cur - list.offset;
    m.name = r.String(m.address + name.offset);
    m.state = r.U(m.address + state.offset, state.size);
    m.sect_attrs = r.U64(m.address + sect_attrs.offset);
    if (m.sect_attrs) {
      const uint64_t n = r.U(m.sect_attrs + nsections.offset, nsections.size);
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t a = m.sect_attrs + attrs.offset + i * attr->size;
        m.sections.emplace_back(r.String(r.U64(a + attr_name.offset)),
                                r.U64(a + attr_address.offset));
      }
    }
    modules.push_back(std::move(m));
  }
  EXPECT_EQ(r.U64(head_va + 8), prev) << "the head's prev is the last module";
  return modules;
}

uint64_t SectionOf(const ReadModule& m, std::string_view section) {
  for (const auto& [name, address] : m.sections) {
    if (name == section) return address;
  }
  ADD_FAILURE() << m.name << " has no section " << section;
  return 0;
}

// The build-id in a loaded NT_GNU_BUILD_ID note (20-byte sha1).
std::string LoadedBuildId(const BuiltCore& core, uint64_t note) {
  const Reader r(core);
  EXPECT_EQ(r.U(note, 4), 4u);      // namesz
  EXPECT_EQ(r.U(note + 8, 4), 3u);  // NT_GNU_BUILD_ID
  const uint64_t descsz = r.U(note + 4, 4);
  std::string hex;
  for (std::byte b : r.Read(note + 16, descsz))
    hex += fmt::format("{:02x}", std::to_integer<unsigned>(b));
  return hex;
}

// ---------------------------------------------------------------- the object

TEST(ModuleObjectTest, AllocatedSectionsComeFromTheSectionHeaders) {
  const ModuleObject& o = Object();
  std::vector<std::string> names;
  for (const ModuleObjectSection& s : o.sections) names.push_back(s.name);
  // ld -r keeps the note first; .comment, .debug_* and .rela.* are not SHF_ALLOC.
  EXPECT_THAT(names,
              ::testing::ElementsAre(".note.gnu.build-id", ".text", ".eh_frame", ".data", ".bss"));
  const ModuleObjectSection* data = o.FindSection(".data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->size, 56u);  // csd_module_cookie[5] + coresight_dump_list
  EXPECT_EQ(data->align, 8u);
  EXPECT_TRUE(data->flags & elf::kShfWrite);
  EXPECT_EQ(LoadUnsigned(std::span(data->bytes).first(8), Endian::kLittle), 0x636f726573696768ull);
  const ModuleObjectSection* bss = o.FindSection(".bss");
  ASSERT_NE(bss, nullptr);
  EXPECT_EQ(bss->type, elf::kShtNobits);
  EXPECT_EQ(bss->bytes, std::vector<std::byte>(bss->size));
  const ModuleObjectSection* note = o.FindSection(".note.gnu.build-id");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->type, elf::kShtNote);
  EXPECT_EQ(note->size, 36u);
  // LIST_HEAD_INIT(coresight_dump_list): two ABS64 relocations of .data into .data.
  size_t data_into_data = 0;
  for (const ModuleAbs64Reloc& r : o.relocs) {
    if (o.sections[r.section].name == ".data" && o.sections[r.symbol_section].name == ".data")
      ++data_into_data;
  }
  EXPECT_EQ(data_into_data, 2u);
}

TEST(ModuleObjectTest, BuildIdSymbolAndTypesThroughDebugInfo) {
  const ModuleObject& o = Object();
  EXPECT_EQ(o.build_id, ReadText(td::kCoresightModuleBuildIdFile));
  ASSERT_TRUE(o.dump_list.has_value());
  EXPECT_EQ(o.dump_list->section, ".data");
  EXPECT_EQ(o.dump_list->address, 40u);
  ASSERT_TRUE(o.list_types.has_value());
  EXPECT_EQ(o.list_types->node.size, 48u);
  EXPECT_EQ(o.list_types->node.list.offset, 32u);
  EXPECT_EQ(o.list_types->csdev_kobj_name.offset, 48u);
}

TEST(ModuleObjectTest, OtherFilesAreRefusedClearly) {
  std::vector<std::byte> ko = ReadFile(td::kCoresightModule);
  ASSERT_GT(ko.size(), 64u);
  EXPECT_EQ(ParseModuleElf(std::span(ko).first(10)).error().code(), ErrorCode::kCorrupt);
  std::vector<std::byte> not_elf = ko;
  not_elf[1] = std::byte{'X'};
  EXPECT_THAT(ParseModuleElf(not_elf).error().Describe(), HasSubstr("not an ELF"));
  std::vector<std::byte> elf32 = ko;
  elf32[4] = std::byte{1};
  EXPECT_EQ(ParseModuleElf(elf32).error().code(), ErrorCode::kUnsupported);
  // The section header table past the end of the file.
  std::vector<std::byte> cut(ko.begin(), ko.end() - 64);
  EXPECT_EQ(ParseModuleElf(cut).error().code(), ErrorCode::kCorrupt);
  // A vmlinux is ET_EXEC, not a module.
  auto vmlinux = LoadModuleObject(td::kModulesHostVmlinux);
  ASSERT_FALSE(vmlinux.ok());
  EXPECT_THAT(vmlinux.error().Describe(), HasSubstr("relocatable"));
}

// ---------------------------------------------------------------- the dump

TEST(ModuleDumpTest, TheListHeadIsTheModulesDataRelocatedBySectAttrs) {
  const BuiltCore core = MustBuild(kOwner);
  const std::vector<ReadModule> modules = WalkModules(core);
  ASSERT_EQ(modules.size(), 1u);
  const ReadModule& m = modules[0];
  EXPECT_EQ(m.name, "coresight_dump");
  EXPECT_EQ(m.state, 0u);  // MODULE_STATE_LIVE
  // One attribute per loaded section, in section-header order, plus the
  // struct module's own section.
  std::vector<std::string> names;
  for (const auto& s : m.sections) names.push_back(s.first);
  EXPECT_THAT(names, ::testing::ElementsAre(".note.gnu.build-id", ".text", ".eh_frame", ".data",
                                            ".bss", ".gnu.linkonce.this_module"));
  EXPECT_EQ(SectionOf(m, ".gnu.linkonce.this_module"), m.address);

  // A reader relocates the object's section-relative symbol with sect_attrs.
  const uint64_t head = SectionOf(m, ".data") + Object().dump_list->address;
  EXPECT_EQ(core.written.list_head_va, head);
  const Reader r(core);
  EXPECT_EQ(r.U64(head), core.written.nodes.front().list_va);
  EXPECT_EQ(r.U64(head + 8), core.written.nodes.back().list_va);
  EXPECT_EQ(r.U64(core.written.nodes.back().list_va), head);
  // The rest of .data is the object's bytes.
  EXPECT_EQ(r.U64(SectionOf(m, ".data")), 0x636f726573696768ull);
  EXPECT_EQ(r.U64(SectionOf(m, ".data") + 32), 4u);
  // The .text literal pointing at the list (an ABS64 relocation) holds its runtime address.
  EXPECT_EQ(r.U64(SectionOf(m, ".text") + 0xe0), head);
  // The loaded note is the object's.
  EXPECT_EQ(LoadedBuildId(core, SectionOf(m, ".note.gnu.build-id")), *Object().build_id);

  // Module space: the 128 MiB below the runtime _text, only through the tables.
  for (const auto& [name, address] : m.sections) {
    EXPECT_GE(address, core.layout.text() - (128ull << 20)) << name;
    EXPECT_LT(address, core.layout.text()) << name;
  }
  // Text, read-only data and writable data start on pages of their own.
  EXPECT_EQ(SectionOf(m, ".text") % 4096, 0u);
  EXPECT_EQ(SectionOf(m, ".note.gnu.build-id") % 4096, 0u);
  EXPECT_EQ(SectionOf(m, ".data") % 4096, 0u);
  // Physically scattered: no two pages of the module adjacent.
  std::vector<uint64_t> pas;
  for (uint64_t va = SectionOf(m, ".text"); va < SectionOf(m, ".data") + 4096; va += 4096)
    pas.push_back(r.Pa(va));
  ASSERT_EQ(pas.size(), 3u);
  for (size_t i = 1; i < pas.size(); ++i) EXPECT_NE(pas[i], pas[i - 1] + 4096);
  EXPECT_FALSE(std::is_sorted(pas.begin(), pas.end()));
}

TEST(ModuleDumpTest, NodesUseTheModulesTypes) {
  const BuiltCore core = MustBuild(kOwner);
  const Reader r(core);
  const DumpListTypes& t = *Object().list_types;
  for (const WrittenNode& w : core.written.nodes) {
    const uint64_t node = w.list_va - t.node.list.offset;
    EXPECT_EQ(r.U64(node + t.node.buf.offset), w.buf_va);
    EXPECT_EQ(r.U(node + t.node.buf_size.offset, t.node.buf_size.size), w.buf_size);
    EXPECT_EQ(r.U64(w.csdev_va + t.csdev_kobj_name.offset), w.name_va);
  }
}

TEST(ModuleDumpTest, ExpectedJsonNamesTheModuleAndBothBuildIds) {
  const BuiltCore core = MustBuild(kOwner);
  const json e = json::parse(core.expected_json);
  const std::vector<ReadModule> modules = WalkModules(core);
  EXPECT_EQ(e["list_symbol"], "coresight_dump_list");
  EXPECT_EQ(e["list_address"], fmt::format("{:#x}", core.written.list_head_va));
  EXPECT_EQ(e["list_module"], "coresight_dump");
  EXPECT_EQ(e["walk_error_expected"], false);
  EXPECT_EQ(e["total_nodes"], 2);
  ASSERT_EQ(e["modules"].size(), 1u);
  const json& m = e["modules"][0];
  EXPECT_EQ(m["name"], "coresight_dump");
  EXPECT_EQ(m["address"], fmt::format("{:#x}", modules[0].address));
  EXPECT_EQ(m["owns_list"], true);
  EXPECT_EQ(m["has_object"], true);
  EXPECT_EQ(m["state"], "live");
  EXPECT_EQ(m["build_id"], *Object().build_id);
  EXPECT_EQ(m["object_build_id"], *Object().build_id);
  EXPECT_EQ(m["sect_attrs"], fmt::format("{:#x}", modules[0].sect_attrs));
  ASSERT_EQ(m["sections"].size(), modules[0].sections.size());
  for (size_t i = 0; i < modules[0].sections.size(); ++i) {
    EXPECT_EQ(m["sections"][i]["name"], modules[0].sections[i].first);
    EXPECT_EQ(m["sections"][i]["address"], fmt::format("{:#x}", modules[0].sections[i].second));
  }
}

TEST(ModuleDumpTest, MismatchedBuildIdIsInTheLoadedNoteOnly) {
  const BuiltCore core = MustBuild(R"({"name": "coresight_dump", "object": 0, "owns_list": true,
                    "build_id": "mismatch"})");
  const std::vector<ReadModule> modules = WalkModules(core);
  ASSERT_EQ(modules.size(), 1u);
  const std::string loaded = LoadedBuildId(core, SectionOf(modules[0], ".note.gnu.build-id"));
  EXPECT_NE(loaded, *Object().build_id);
  EXPECT_EQ(loaded.size(), Object().build_id->size());
  const json e = json::parse(core.expected_json);
  EXPECT_EQ(e["modules"][0]["build_id"], loaded);
  EXPECT_EQ(e["modules"][0]["object_build_id"], *Object().build_id);
  // The list itself is where it always is.
  EXPECT_EQ(core.written.list_head_va,
            SectionOf(modules[0], ".data") + Object().dump_list->address);
}

TEST(ModuleDumpTest, AbsentBuildIdLeavesTheNoteOut) {
  const BuiltCore core = MustBuild(
      R"({"name": "coresight_dump", "object": 0, "owns_list": true, "build_id": "absent"})");
  const std::vector<ReadModule> modules = WalkModules(core);
  ASSERT_EQ(modules.size(), 1u);
  for (const auto& s : modules[0].sections) EXPECT_NE(s.first, ".note.gnu.build-id");
  const json e = json::parse(core.expected_json);
  EXPECT_TRUE(e["modules"][0]["build_id"].is_null());
  EXPECT_EQ(e["modules"][0]["object_build_id"], *Object().build_id);
}

TEST(ModuleDumpTest, NullSectAttrs) {
  const BuiltCore core = MustBuild(
      R"({"name": "coresight_dump", "object": 0, "owns_list": true, "sect_attrs": "null"})");
  const std::vector<ReadModule> modules = WalkModules(core);
  ASSERT_EQ(modules.size(), 1u);
  EXPECT_EQ(modules[0].sect_attrs, 0u);
  const json e = json::parse(core.expected_json);
  EXPECT_TRUE(e["modules"][0]["sect_attrs"].is_null());
  // The list is still there, only a reader cannot find where.
  EXPECT_EQ(e["list_module"], "coresight_dump");
  EXPECT_EQ(e["total_nodes"], 2);
}

TEST(ModuleDumpTest, DecoysSurroundTheOwnerInSpecOrder) {
  const BuiltCore core =
      MustBuild(R"({"name": "snd_dummy"}, {"name": "nf_conntrack", "build_id": "absent"}, )" +
                std::string(kOwner) + R"(, {"name": "virtio_rng", "state": "unformed"})");
  const std::vector<ReadModule> modules = WalkModules(core);
  ASSERT_EQ(modules.size(), 4u);
  EXPECT_EQ(modules[0].name, "snd_dummy");
  EXPECT_EQ(modules[1].name, "nf_conntrack");
  EXPECT_EQ(modules[2].name, "coresight_dump");
  EXPECT_EQ(modules[3].name, "virtio_rng");
  EXPECT_EQ(modules[3].state, 3u);
  const json e = json::parse(core.expected_json);
  std::set<uint64_t> pages;
  for (size_t i = 0; i < modules.size(); ++i) {
    SCOPED_TRACE(modules[i].name);
    const json& m = e["modules"][i];
    EXPECT_EQ(m["has_object"], i == 2);
    EXPECT_EQ(m["owns_list"], i == 2);
    EXPECT_NE(modules[i].sect_attrs, 0u);
    EXPECT_EQ(SectionOf(modules[i], ".gnu.linkonce.this_module"), modules[i].address);
    // Every module has its own memory.
    EXPECT_TRUE(pages.insert(SectionOf(modules[i], ".text") & ~0xfffull).second);
    if (i == 1) {
      EXPECT_TRUE(m["build_id"].is_null());
    } else if (i != 2) {
      // A made-up sha1, as the loaded note has it.
      const std::string id = m["build_id"];
      EXPECT_EQ(id.size(), 40u);
      EXPECT_EQ(LoadedBuildId(core, SectionOf(modules[i], ".note.gnu.build-id")), id);
      EXPECT_TRUE(m["object_build_id"].is_null());
    }
  }
  EXPECT_NE(e["modules"][0]["build_id"], e["modules"][3]["build_id"]);
  EXPECT_EQ(core.written.list_head_va,
            SectionOf(modules[2], ".data") + Object().dump_list->address);
}

TEST(ModuleDumpTest, NoModulesGiveAnEmptyListAtItsRuntimeAddress) {
  // The vmlinux's LIST_HEAD_INIT(modules) holds link-time addresses; the
  // kernel's (and our) list head points at its runtime self.
  const Spec spec = MustParse(SpecText(kOwner));
  Spec no_modules = spec;
  no_modules.modules.clear();
  KernelModel kernel = Kernel();
  kernel.dump_list = kernel.text + 0x10;  // a list head of our own in the image header
  kernel.list_types = *Object().list_types;
  auto core = BuildCore(no_modules, kernel);
  ASSERT_TRUE(core.ok()) << core.error().Describe();
  EXPECT_TRUE(WalkModules(*core).empty());
  const json e = json::parse(core->expected_json);
  EXPECT_EQ(e["modules"], json::array());
  EXPECT_TRUE(e["list_module"].is_null());
}

TEST(ModuleDumpTest, TheSameSpecGivesTheSameBytes) {
  const BuiltCore a = MustBuild(std::string(R"({"name": "snd_dummy"}, )") + kOwner);
  const BuiltCore b = MustBuild(std::string(R"({"name": "snd_dummy"}, )") + kOwner);
  EXPECT_EQ(a.expected_json, b.expected_json);
  ASSERT_EQ(a.image->chunk_count(), b.image->chunk_count());
  for (const auto& [va, pa] : a.layout.vmalloc_pages()) {
    std::vector<std::byte> x(4096), y(4096);
    ASSERT_TRUE(a.image->ReadPhysical(pa, x).ok());
    ASSERT_TRUE(b.image->ReadPhysical(b.layout.vmalloc_pages().at(va), y).ok());
    EXPECT_EQ(x, y) << std::hex << va;
  }
}

TEST(ModuleDumpTest, ErrorsNameWhatToChange) {
  // The vmlinux has no coresight_dump_list and no module owns one.
  auto no_owner = Build(R"({"name": "coresight_dump", "object": 0})");
  ASSERT_FALSE(no_owner.ok());
  EXPECT_THAT(no_owner.error().Describe(), HasSubstr("coresight_dump_list"));
  EXPECT_THAT(no_owner.error().Describe(), HasSubstr("owns_list"));

  // An object index without that many --module files.
  auto missing = BuildCore(MustParse(SpecText(kOwner)), Kernel());
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().Describe(),
              HasSubstr("spec.modules[0]: object: 0 needs 1 --module file, but none was given"));
  // A decoy before the owner reaches the module writer with the same message.
  auto missing_later = BuildCore(
      MustParse(SpecText(R"({"name": "snd_dummy", "object": 1}, )" + std::string(kOwner))),
      Kernel(), std::span<const ModuleObject>(&Object(), 1));
  ASSERT_FALSE(missing_later.ok());
  EXPECT_THAT(missing_later.error().Describe(),
              HasSubstr("spec.modules[0]: object: 1 needs 2 --module files, but only 1 was given"));

  // struct module.name is 56 bytes in this kernel.
  auto long_name = Build(R"({"name": ")" + std::string(56, 'm') + R"("}, )" + kOwner);
  ASSERT_FALSE(long_name.ok());
  EXPECT_THAT(long_name.error().Describe(), HasSubstr("spec.modules[0]"));
  EXPECT_THAT(long_name.error().Describe(), HasSubstr("struct module.name"));
  EXPECT_TRUE(Build(R"({"name": ")" + std::string(55, 'm') + R"("}, )" + kOwner).ok());

  // An object that does not define the list cannot own it.
  ModuleObject listless = Object();
  listless.dump_list.reset();
  listless.list_types.reset();
  listless.dump_list_error = Error(ErrorCode::kLookup, "no symbol coresight_dump_list");
  auto not_there =
      BuildCore(MustParse(SpecText(kOwner)), Kernel(), std::span<const ModuleObject>(&listless, 1));
  ASSERT_FALSE(not_there.ok());
  EXPECT_THAT(not_there.error().Describe(), HasSubstr("spec.modules[0].owns_list"));

  // A kernel without a module list cannot have modules.
  KernelModel no_modules = Kernel();
  no_modules.module_list.reset();
  no_modules.module_list_error = Error(ErrorCode::kLookup, "vmlinux symbol modules: not found");
  no_modules.dump_list = no_modules.text + 0x10;
  no_modules.list_types = *Object().list_types;
  auto decoy = BuildCore(MustParse(SpecText(R"({"name": "snd_dummy"})")), no_modules);
  ASSERT_FALSE(decoy.ok());
  EXPECT_THAT(decoy.error().Describe(), HasSubstr("spec.modules"));
  EXPECT_THAT(decoy.error().Describe(), HasSubstr("modules"));
}

TEST(ModuleDumpTest, ModuleSpaceFollowsKaslr) {
  const BuiltCore a = MustBuild(kOwner);
  const BuiltCore b = MustBuild(kOwner, "0x4000000");
  // Inside the fake kernel's image in both cases: _text - 128 MiB moves with it.
  EXPECT_EQ(a.layout.module_base(), a.layout.text() - (128ull << 20));
  EXPECT_EQ(b.layout.module_base(), b.layout.text() - (128ull << 20));
  EXPECT_EQ(b.written.list_head_va - a.written.list_head_va, 0x4000000ull - 0x1e50000ull);
}

}  // namespace
}  // namespace csd::mkcore
