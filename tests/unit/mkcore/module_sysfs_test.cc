// SPDX-License-Identifier: MIT
// The module sysfs attributes csdump-mkcore writes, in both of the kernel's
// shapes: modules-host (Linux 6.1: nsections, module_sect_attr.address, the
// bin_attrs array in the same allocation, a counted module_notes_attrs,
// core_layout) and modules-host-v7 (6.14+: bare bin_attributes whose
// `private` is the address, listed by separate NULL-terminated grp.bin_attrs
// arrays, mod->mem[]). Read back through the page tables with offsets taken
// from each vmlinux's DWARF, the way sysfs itself walks them.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core_reader.h"
#include "csd_fake_kernels.h"
#include "csdump-mkcore/core_builder.h"
#include "csdump-mkcore/module_object.h"
#include "csdump-mkcore/module_sysfs_writer.h"
#include "debuginfo/debug_info.h"
#include "support/layout_lookup.h"

namespace csd::mkcore {
namespace {

namespace td = csd::testdata;

struct Kernel {
  DebugInfo info;
  KernelModel model;
};

const Kernel& KernelFor(bool v7) {
  // Loaded once per process and kept (reachable, for LeakSanitizer).
  static Kernel* cache[2] = {nullptr, nullptr};
  Kernel*& k = cache[v7 ? 1 : 0];
  if (k == nullptr) {
    auto info = DebugInfo::Open(v7 ? td::kModulesHostV7Vmlinux : td::kModulesHostVmlinux);
    EXPECT_TRUE(info.ok()) << info.error().Describe();
    auto model = LoadKernelModel(*info);
    EXPECT_TRUE(model.ok()) << model.error().Describe();
    k = new Kernel{std::move(info).value(), std::move(model).value()};
  }
  return *k;
}

const ModuleObject& Object() {
  static const ModuleObject* object = [] {
    auto loaded = LoadModuleObject(td::kCoresightModule);
    EXPECT_TRUE(loaded.ok()) << loaded.error().Describe();
    return new ModuleObject(std::move(loaded).value());
  }();
  return *object;
}

class ModuleSysfsTest : public ::testing::TestWithParam<bool> {
 protected:
  bool v7() const { return GetParam(); }
  const DebugInfo& info() const { return KernelFor(v7()).info; }

  BuiltCore Build(const std::string& extra = "") const {
    const std::string text = fmt::format(
        R"({{"kernel": "x", "ram": [{{"start": "0x40000000", "size": "0x1000000"}}],
        "kernel_phys": "0x40200000", "kaslr_offset": "0x1e50000", "seed": 3,
        "modules": [{{"name": "coresight_dump", "object": 0, "owns_list": true{}}}],
        "nodes": [{{"cpu": 0, "type": 1, "device": "etf", "content": {{"pattern": {{"size": 64}}}}}}]}})",
        extra);
    auto spec = ParseSpec(text);
    EXPECT_TRUE(spec.ok()) << spec.error().Describe();
    auto core =
        BuildCore(*spec, KernelFor(v7()).model, std::span<const ModuleObject>(&Object(), 1));
    EXPECT_TRUE(core.ok()) << core.error().Describe();
    return std::move(core).value();
  }
  MemberLayout M(std::string_view type, std::string_view path) const {
    return csd::testing::MemberOrFail(info(), type, path);
  }
  uint64_t SizeOf(std::string_view type) const {
    return csd::testing::StructSizeOrFail(info(), type);
  }
  static const WrittenModule& Module(const BuiltCore& core) { return core.modules->modules.at(0); }

  // The NULL-terminated pointer array at `va`, capped.
  static std::vector<uint64_t> Pointers(const Reader& r, uint64_t va, size_t cap = 64) {
    std::vector<uint64_t> out;
    for (uint64_t p; out.size() < cap && (p = r.U64(va + 8 * out.size())) != 0;) out.push_back(p);
    return out;
  }
};

TEST_P(ModuleSysfsTest, SectionAttributesAsSysfsWalksThem) {
  const BuiltCore core = Build();
  const Reader r(core);
  const WrittenModule& m = Module(core);
  ASSERT_NE(m.sect_attrs_va, 0u);
  EXPECT_EQ(r.U64(m.module_va + M("module", "sect_attrs").offset), m.sect_attrs_va);
  EXPECT_EQ(r.String(r.U64(m.sect_attrs_va + M("module_sect_attrs", "grp.name").offset)),
            "sections");
  // grp.bin_attrs: one bin_attribute per section, in order, then NULL.
  const std::vector<uint64_t> entries =
      Pointers(r, r.U64(m.sect_attrs_va + M("module_sect_attrs", "grp.bin_attrs").offset));
  ASSERT_EQ(entries.size(), m.sections.size());
  const uint64_t attrs = m.sect_attrs_va + M("module_sect_attrs", "attrs").offset;
  for (size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(m.sections[i].name);
    EXPECT_EQ(r.String(r.U64(entries[i] + M("bin_attribute", "attr.name").offset)),
              m.sections[i].name);
    const uint64_t private_ = r.U64(entries[i] + M("bin_attribute", "private").offset);
    if (v7()) {
      // 6.14+: the entries are the bin_attributes, the address their private.
      EXPECT_EQ(entries[i], attrs + i * SizeOf("bin_attribute"));
      EXPECT_EQ(private_, m.sections[i].address);
    } else {
      // 6.13 and before: each points at module_sect_attr.battr; the address
      // is the entry's own member and private is left NULL.
      const uint64_t entry = attrs + i * SizeOf("module_sect_attr");
      EXPECT_EQ(entries[i], entry + M("module_sect_attr", "battr").offset);
      EXPECT_EQ(r.U64(entry + M("module_sect_attr", "address").offset), m.sections[i].address);
      EXPECT_EQ(private_, 0u);
    }
  }
  if (!v7()) {
    EXPECT_EQ(r.U(m.sect_attrs_va + M("module_sect_attrs", "nsections").offset, 4),
              m.sections.size());
  }
}

TEST_P(ModuleSysfsTest, NotesAttributesPointAtTheLoadedNote) {
  const BuiltCore core = Build();
  const Reader r(core);
  const WrittenModule& m = Module(core);
  ASSERT_NE(m.notes_attrs_va, 0u);
  EXPECT_EQ(r.U64(m.module_va + M("module", "notes_attrs").offset), m.notes_attrs_va);
  const uint64_t attrs = m.notes_attrs_va + M("module_notes_attrs", "attrs").offset;
  if (v7()) {
    const std::vector<uint64_t> entries =
        Pointers(r, r.U64(m.notes_attrs_va + M("module_notes_attrs", "grp.bin_attrs").offset));
    EXPECT_EQ(entries, std::vector<uint64_t>{attrs});
  } else {
    EXPECT_EQ(r.U(m.notes_attrs_va + M("module_notes_attrs", "notes").offset, 4), 1u);
  }
  // The one SHT_NOTE section: name shared with its section entry, address, size.
  EXPECT_EQ(r.String(r.U64(attrs + M("bin_attribute", "attr.name").offset)), ".note.gnu.build-id");
  EXPECT_EQ(r.U64(attrs + M("bin_attribute", "private").offset),
            m.SectionAddress(".note.gnu.build-id"));
  EXPECT_EQ(r.U64(attrs + M("bin_attribute", "size").offset), 36u);
}

TEST_P(ModuleSysfsTest, RegionsBoundTheModulesMemory) {
  const BuiltCore core = Build();
  const Reader r(core);
  const WrittenModule& m = Module(core);
  auto inside = [&](uint64_t address) {
    if (!v7()) {
      const uint64_t base = r.U64(m.module_va + M("module", "core_layout.base").offset);
      const uint64_t size = r.U(m.module_va + M("module", "core_layout.size").offset, 4);
      EXPECT_EQ(base, m.image_va);
      EXPECT_EQ(size, m.image_size);
      return address >= base && address < base + size;
    }
    const uint64_t mem = m.module_va + M("module", "mem").offset;
    for (uint64_t i = 0; i < 7; ++i) {
      const uint64_t entry = mem + i * SizeOf("module_memory");
      const uint64_t base = r.U64(entry + M("module_memory", "base").offset);
      const uint64_t size = r.U(entry + M("module_memory", "size").offset, 4);
      if (address >= base && address < base + size) return true;
    }
    return false;
  };
  for (const WrittenModuleSection& s : m.sections) EXPECT_TRUE(inside(s.address)) << s.name;
  if (v7()) {
    // MOD_TEXT holds .text, MOD_DATA .data, MOD_RODATA the note; init regions empty.
    const uint64_t mem = m.module_va + M("module", "mem").offset;
    const uint64_t entry = SizeOf("module_memory");
    EXPECT_EQ(r.U64(mem + M("module_memory", "base").offset), m.SectionAddress(".text"));
    EXPECT_EQ(r.U64(mem + entry + M("module_memory", "base").offset), m.SectionAddress(".data"));
    EXPECT_EQ(r.U64(mem + 2 * entry + M("module_memory", "base").offset),
              m.SectionAddress(".note.gnu.build-id"));
    for (uint64_t i = 3; i < 7; ++i) EXPECT_EQ(r.U64(mem + i * entry), 0u);
  }
}

TEST_P(ModuleSysfsTest, NullNotesAttrs) {
  const BuiltCore core = Build(R"(, "notes_attrs": "null")");
  const Reader r(core);
  const WrittenModule& m = Module(core);
  EXPECT_EQ(m.notes_attrs_va, 0u);
  EXPECT_EQ(r.U64(m.module_va + M("module", "notes_attrs").offset), 0u);
  EXPECT_NE(m.sect_attrs_va, 0u);
}

TEST_P(ModuleSysfsTest, WildAddressIsTheListSectionsOnly) {
  const BuiltCore core = Build(R"(, "sect_attrs": "wild-address")");
  const Reader r(core);
  const WrittenModule& m = Module(core);
  const std::vector<uint64_t> entries =
      Pointers(r, r.U64(m.sect_attrs_va + M("module_sect_attrs", "grp.bin_attrs").offset));
  ASSERT_EQ(entries.size(), m.sections.size());
  const MemberLayout address =
      v7() ? M("bin_attribute", "private") : M("module_sect_attr", "address");
  for (size_t i = 0; i < entries.size(); ++i) {
    const uint64_t recorded = r.U64(entries[i] + address.offset);
    EXPECT_EQ(recorded, m.sections[i].name == ".data" ? kWildSectionAddress : m.sections[i].address)
        << m.sections[i].name;
  }
  // expected.json keeps where the list really is.
  EXPECT_EQ(core.written.list_head_va, *m.SectionAddress(".data") + Object().dump_list->address);
}

TEST_P(ModuleSysfsTest, UnterminatedRunsPastTheReadersCap) {
  const BuiltCore core = Build(R"(, "sect_attrs": "unterminated")");
  const Reader r(core);
  const WrittenModule& m = Module(core);
  const uint64_t list = r.U64(m.sect_attrs_va + M("module_sect_attrs", "grp.bin_attrs").offset);
  EXPECT_EQ(Pointers(r, list, kUnterminatedEntries).size(), kUnterminatedEntries);
  if (!v7()) {
    EXPECT_EQ(r.U(m.sect_attrs_va + M("module_sect_attrs", "nsections").offset, 4), 0xffffffffu);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, ModuleSysfsTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Linux614" : "Linux61";
                         });

}  // namespace
}  // namespace csd::mkcore
