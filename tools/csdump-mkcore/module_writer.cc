// SPDX-License-Identifier: MIT
#include "csdump-mkcore/module_writer.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>

#include "base/byte_reader.h"
#include "csdump-mkcore/kernel_layout_writer.h"
#include "csdump-mkcore/module_sysfs_writer.h"

namespace csd::mkcore {
namespace {

constexpr std::string_view kThisModule = ".gnu.linkonce.this_module";
constexpr std::string_view kBuildIdNote = ".note.gnu.build-id";
constexpr uint32_t kNtGnuBuildId = 3;

uint64_t AlignUp(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

std::string Hex(std::span<const std::byte> bytes) {
  std::string hex;
  for (std::byte b : bytes) hex += fmt::format("{:02x}", std::to_integer<unsigned>(b));
  return hex;
}

uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

// The descriptor of an NT_GNU_BUILD_ID note ("GNU"), or an empty span.
std::span<std::byte> BuildIdDesc(std::span<std::byte> note) {
  if (note.size() < 16) return {};
  const uint64_t namesz = LoadUnsigned(note.subspan(0, 4), Endian::kLittle);
  const uint64_t descsz = LoadUnsigned(note.subspan(4, 4), Endian::kLittle);
  const uint64_t type = LoadUnsigned(note.subspan(8, 4), Endian::kLittle);
  const uint64_t desc = 12 + AlignUp(namesz, 4);
  if (type != kNtGnuBuildId || namesz != 4 || descsz == 0 || desc > note.size() ||
      note.size() - desc < descsz) {
    return {};
  }
  return note.subspan(desc, descsz);
}

// A note as ld --build-id=sha1 writes it, for decoys: sha1 of the name.
std::vector<std::byte> DecoyBuildIdNote(const std::string& name) {
  const std::string input = "csdump decoy module " + name;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha1(), nullptr);
  std::vector<std::byte> note(16 + len);
  StoreUnsigned(std::span(note).subspan(0, 4), 4, Endian::kLittle);
  StoreUnsigned(std::span(note).subspan(4, 4), len, Endian::kLittle);
  StoreUnsigned(std::span(note).subspan(8, 4), kNtGnuBuildId, Endian::kLittle);
  const char gnu[4] = {'G', 'N', 'U', '\0'};
  for (size_t i = 0; i < 4; ++i) note[12 + i] = static_cast<std::byte>(gnu[i]);
  for (unsigned i = 0; i < len; ++i) note[16 + i] = static_cast<std::byte>(md[i]);
  return note;
}

// A section as it will be placed in the module's memory.
struct PlannedSection {
  std::string name;
  uint64_t flags = 0;
  uint64_t align = 1;
  uint64_t size = 0;
  std::vector<std::byte> bytes;                         // `size` bytes
  std::optional<size_t> object_section = std::nullopt;  // index into ModuleObject::sections
  uint64_t offset = 0;                                  // in the module's memory
  bool note = false;                                    // SHT_NOTE
};

// The module's memory, one region per group of AssignOffsets(): text,
// read-only data, writable data, as offsets [begin, end).
struct GroupBounds {
  uint64_t begin = 0, end = 0;
};

struct ModulePlan {
  std::vector<PlannedSection> sections;  // sect_attrs order
  size_t this_module = 0;                // index of .gnu.linkonce.this_module
  uint64_t size = 0;                     // page multiple
  std::array<GroupBounds, 3> groups;     // text, rodata, data
  uint64_t va = 0;
  const ModuleObject* object = nullptr;
};

std::vector<std::byte> Pattern(uint64_t seed, std::string_view module, std::string_view section,
                               uint64_t size) {
  SplitMix64 rng(seed ^ Fnv1a(module) ^ (Fnv1a(section) << 1));
  std::vector<std::byte> bytes(size);
  for (std::byte& b : bytes) b = static_cast<std::byte>(rng.Next() & 0xff);
  return bytes;
}

std::vector<PlannedSection> DecoySections(const ModuleSpec& m, uint64_t seed) {
  using namespace elf;
  std::vector<PlannedSection> s;
  if (m.build_id != ModuleSpec::BuildId::kAbsent) {
    std::vector<std::byte> note = DecoyBuildIdNote(m.name);
    const uint64_t size = note.size();
    s.push_back({std::string(kBuildIdNote), kShfAlloc, 4, size, std::move(note)});
    s.back().note = true;
  }
  struct Fake {
    const char* name;
    uint64_t flags, size;
    bool zero;
  } fakes[] = {{".text", kShfAlloc | kShfExecinstr, 0x1340, false},
               {".rodata", kShfAlloc, 0x1a0, false},
               {".data", kShfAlloc | kShfWrite, 0x120, false},
               {".bss", kShfAlloc | kShfWrite, 0x80, true}};
  for (const Fake& f : fakes) {
    s.push_back({f.name, f.flags, 8, f.size,
                 f.zero ? std::vector<std::byte>(f.size) : Pattern(seed, m.name, f.name, f.size)});
  }
  return s;
}

Expected<std::vector<PlannedSection>> ObjectSections(const ModuleSpec& m,
                                                     const ModuleObject& object) {
  std::vector<PlannedSection> s;
  for (size_t i = 0; i < object.sections.size(); ++i) {
    const ModuleObjectSection& o = object.sections[i];
    if (o.name == kBuildIdNote && m.build_id == ModuleSpec::BuildId::kAbsent) continue;
    PlannedSection p{o.name, o.flags, o.align, o.size, o.bytes, i};
    p.note = o.type == elf::kShtNote;
    if (o.name == kBuildIdNote && m.build_id == ModuleSpec::BuildId::kMismatch) {
      // Another build of the module was loaded: same name, other build-id.
      std::span<std::byte> desc = BuildIdDesc(p.bytes);
      if (desc.empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("{} has no NT_GNU_BUILD_ID note to change for \"mismatch\"",
                                 object.path.string()));
      }
      for (std::byte& b : desc) b = ~b;
    }
    s.push_back(std::move(p));
  }
  return s;
}

// layout_sections() with CONFIG_STRICT_MODULE_RWX: text, then read-only
// data, then writable data, each group page-aligned; sections keep their
// header order inside a group and their own alignment.
uint64_t AssignOffsets(std::vector<PlannedSection>& sections, uint64_t page,
                       std::array<GroupBounds, 3>& groups) {
  auto group = [](const PlannedSection& s) {
    if (s.flags & elf::kShfExecinstr) return 0;
    return (s.flags & elf::kShfWrite) ? 2 : 1;
  };
  uint64_t offset = 0;
  for (int g = 0; g < 3; ++g) {
    offset = AlignUp(offset, page);
    groups[g].begin = offset;
    for (PlannedSection& s : sections) {
      if (group(s) != g) continue;
      offset = AlignUp(offset, s.align);
      s.offset = offset;
      offset += s.size;
    }
    groups[g].end = offset;
  }
  return AlignUp(std::max<uint64_t>(offset, 1), page);
}

MemberLayout At(MemberLayout m, uint64_t base) {
  m.offset += base;
  return m;
}

class ModuleWriter {
 public:
  ModuleWriter(const Spec& spec, const ModuleListTypes& types,
               std::span<const ModuleObject> objects, Arm64Layout& layout, PhysImage& image,
               PhysAllocator& alloc)
      : spec_(spec), t_(types), objects_(objects), layout_(layout), image_(image), alloc_(alloc) {}

  Expected<ModuleWriteResult> Write() {
    ModuleWriteResult result;
    result.modules_head_va = layout_.Runtime(t_.modules);
    std::vector<ModulePlan> plans;
    for (size_t i = 0; i < spec_.modules.size(); ++i) {
      auto plan = Plan(i);
      if (!plan.ok()) return std::move(plan).error().AddContext(Where(i));
      plans.push_back(std::move(*plan));
    }
    // list_add_tail in spec order: the head's next is spec module 0.
    std::vector<uint64_t> links;
    for (const ModulePlan& p : plans) {
      links.push_back(p.va + p.sections[p.this_module].offset + t_.list.offset);
    }
    for (size_t i = 0; i < plans.size(); ++i) {
      const uint64_t next = i + 1 < plans.size() ? links[i + 1] : result.modules_head_va;
      const uint64_t prev = i > 0 ? links[i - 1] : result.modules_head_va;
      auto written = Place(i, plans[i], next, prev);
      if (!written.ok()) return std::move(written).error().AddContext(Where(i));
      result.modules.push_back(std::move(*written));
    }
    const uint64_t head_pa = layout_.KimagePa(result.modules_head_va);
    const uint64_t first = links.empty() ? result.modules_head_va : links.front();
    const uint64_t last = links.empty() ? result.modules_head_va : links.back();
    std::vector<std::byte> head(t_.list_prev.offset + t_.list_prev.size);
    CSD_RETURN_IF_ERROR(StoreMember(head, t_.list_next, first, "modules"));
    CSD_RETURN_IF_ERROR(StoreMember(head, t_.list_prev, last, "modules"));
    CSD_RETURN_IF_ERROR(image_.Write(head_pa, head));

    if (const auto owner = spec_.list_owner()) {
      const ModuleObject& object = *plans[*owner].object;
      const WrittenModule& m = result.modules[*owner];
      const auto section = m.SectionAddress(object.dump_list->section);
      if (!section) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("{}.owns_list: coresight_dump_list is in section {}, which the "
                                 "module does not load",
                                 Where(*owner), object.dump_list->section));
      }
      result.list_owner = *owner;
      result.list_head_va = *section + object.dump_list->address;
    }
    return result;
  }

 private:
  static std::string Where(size_t i) { return fmt::format("spec.modules[{}]", i); }

  Expected<ModulePlan> Plan(size_t index) {
    const ModuleSpec& m = spec_.modules[index];
    ModulePlan plan;
    if (m.object) {
      if (*m.object >= objects_.size()) return MissingModuleObject(spec_, index, objects_.size());
      plan.object = &objects_[*m.object];
      if (m.owns_list && !plan.object->dump_list) {
        Error error = plan.object->dump_list_error.value_or(
            Error(ErrorCode::kLookup, "no coresight_dump_list in the object"));
        return std::move(error).AddContext(
            fmt::format("owns_list: {} cannot hold the panic-dump list",
                        plan.object->path.filename().string()));
      }
      CSD_ASSIGN_OR_RETURN(plan.sections, ObjectSections(m, *plan.object));
    } else {
      plan.sections = DecoySections(m, spec_.seed);
    }
    // struct module lives in .gnu.linkonce.this_module (modpost's .mod.c);
    // an object linked without one gets it appended, as the last section.
    auto it = std::find_if(plan.sections.begin(), plan.sections.end(),
                           [](const PlannedSection& s) { return s.name == kThisModule; });
    if (it == plan.sections.end()) {
      plan.sections.push_back({std::string(kThisModule), elf::kShfAlloc | elf::kShfWrite, 64,
                               t_.module_size, std::vector<std::byte>(t_.module_size)});
      it = plan.sections.end() - 1;
    } else if (it->size < t_.module_size) {
      it->size = t_.module_size;
      it->bytes.resize(t_.module_size);
    }
    plan.this_module = static_cast<size_t>(it - plan.sections.begin());
    plan.size = AssignOffsets(plan.sections, layout_.page_size(), plan.groups);
    CSD_ASSIGN_OR_RETURN(plan.va, layout_.ReserveModule(plan.size / layout_.page_size()));
    return plan;
  }

  // mod_sysfs_setup(): the section and notes attributes, as the spec asks.
  Status WriteSysfs(const ModuleSpec& spec, const ModulePlan& plan, WrittenModule& m) {
    if (spec.sect_attrs == ModuleSpec::SectAttrs::kNull) return OkStatus();
    std::vector<SysfsSection> sections;
    for (const PlannedSection& s : plan.sections) {
      sections.push_back({s.name, plan.va + s.offset, s.size, s.note});
    }
    SysfsCorruption corrupt;
    corrupt.unterminated = spec.sect_attrs == ModuleSpec::SectAttrs::kUnterminated;
    if (spec.sect_attrs == ModuleSpec::SectAttrs::kWildAddress) {
      // The section a reader needs: the list's, or a decoy's .data.
      corrupt.wild_section =
          plan.object && plan.object->dump_list ? plan.object->dump_list->section : ".data";
    }
    SysfsAttrWriter writer(t_, layout_, image_, alloc_);
    CSD_ASSIGN_OR_RETURN(SysfsTables tables, writer.Write(sections, corrupt));
    m.sect_attrs_va = tables.sect_attrs;
    if (!spec.notes_attrs_null) m.notes_attrs_va = tables.notes_attrs;
    return OkStatus();
  }

  // The bounds of the module's memory: mod->mem[MOD_TEXT, MOD_DATA,
  // MOD_RODATA] (6.4+), or core_layout before; the init regions are empty,
  // as after do_init_module().
  Status WriteRegions(std::span<std::byte> mod, const ModulePlan& plan) {
    constexpr std::string_view kWhat = "struct module";
    if (t_.mem) {
      // enum mod_mem_type: MOD_TEXT 0, MOD_DATA 1, MOD_RODATA 2; groups are
      // text, rodata, data.
      constexpr size_t kMemIndex[3] = {0, 2, 1};
      for (size_t g = 0; g < 3; ++g) {
        const GroupBounds& b = plan.groups[g];
        if (b.end == b.begin) continue;
        const uint64_t entry = t_.mem->offset + kMemIndex[g] * t_.mem_entry_size;
        CSD_RETURN_IF_ERROR(StoreMember(mod, At(t_.mem_base, entry), plan.va + b.begin, kWhat));
        CSD_RETURN_IF_ERROR(StoreMember(mod, At(t_.mem_size, entry), b.end - b.begin, kWhat));
      }
    } else if (t_.core_base && t_.core_size) {
      CSD_RETURN_IF_ERROR(StoreMember(mod, *t_.core_base, plan.va, kWhat));
      CSD_RETURN_IF_ERROR(StoreMember(mod, *t_.core_size, plan.size, kWhat));
    }
    return OkStatus();
  }

  Expected<WrittenModule> Place(size_t index, ModulePlan& plan, uint64_t next, uint64_t prev) {
    const ModuleSpec& spec = spec_.modules[index];
    WrittenModule m;
    m.spec_index = index;
    m.name = spec.name;
    m.state = spec.state;
    m.has_object = plan.object != nullptr;
    m.image_va = plan.va;
    m.image_size = plan.size;
    if (plan.object) m.object_build_id = plan.object->build_id;
    for (PlannedSection& s : plan.sections) {
      m.sections.push_back({s.name, plan.va + s.offset, s.size});
      if (s.name == kBuildIdNote) {
        std::span<std::byte> desc = BuildIdDesc(s.bytes);
        if (!desc.empty()) m.build_id = Hex(desc);
      }
    }
    CSD_RETURN_IF_ERROR(WriteSysfs(spec, plan, m));

    std::vector<std::byte> memory(plan.size);
    std::vector<std::optional<size_t>> by_object(plan.object ? plan.object->sections.size() : 0);
    for (size_t i = 0; i < plan.sections.size(); ++i) {
      const PlannedSection& s = plan.sections[i];
      std::copy(s.bytes.begin(), s.bytes.end(), memory.begin() + static_cast<ptrdiff_t>(s.offset));
      if (s.object_section) by_object[*s.object_section] = i;
    }
    if (plan.object) {
      // apply_relocate_add(): data pointers into the module's own sections.
      for (const ModuleAbs64Reloc& r : plan.object->relocs) {
        const auto target = by_object[r.section], symbol = by_object[r.symbol_section];
        if (!target || !symbol) continue;  // a section that was not loaded
        const uint64_t value = plan.va + plan.sections[*symbol].offset + r.symbol_value +
                               static_cast<uint64_t>(r.addend);
        StoreUnsigned(std::span(memory).subspan(plan.sections[*target].offset + r.offset, 8), value,
                      Endian::kLittle);
      }
    }

    // struct module.
    const PlannedSection& this_module = plan.sections[plan.this_module];
    m.module_va = plan.va + this_module.offset;
    auto mod = std::span(memory).subspan(this_module.offset, t_.module_size);
    CSD_RETURN_IF_ERROR(
        StoreMember(mod, t_.state, static_cast<uint64_t>(spec.state), "struct module"));
    if (spec.name.size() + 1 > t_.name.size) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("name: \"{}\" does not fit struct module.name ({} bytes with the "
                               "NUL, from DWARF)",
                               spec.name, t_.name.size));
    }
    for (size_t i = 0; i < spec.name.size(); ++i)
      mod[t_.name.offset + i] = static_cast<std::byte>(spec.name[i]);
    CSD_RETURN_IF_ERROR(StoreMember(mod, At(t_.list_next, t_.list.offset), next, "struct module"));
    CSD_RETURN_IF_ERROR(StoreMember(mod, At(t_.list_prev, t_.list.offset), prev, "struct module"));
    CSD_RETURN_IF_ERROR(StoreMember(mod, t_.sect_attrs, m.sect_attrs_va, "struct module"));
    if (t_.notes_attrs) {
      CSD_RETURN_IF_ERROR(StoreMember(mod, *t_.notes_attrs, m.notes_attrs_va, "struct module"));
    }
    CSD_RETURN_IF_ERROR(WriteRegions(mod, plan));

    CSD_RETURN_IF_ERROR(MapScattered(plan.va, memory, index));
    return m;
  }

  // module_alloc() is vmalloc: every page physically apart from its
  // neighbours and out of order, reachable only through the page tables.
  Status MapScattered(uint64_t va, std::span<const std::byte> memory, size_t index) {
    const uint64_t page = layout_.page_size();
    const uint64_t pages = memory.size() / page;
    std::vector<uint64_t> pas;
    for (uint64_t i = 0; i < pages; ++i) {
      CSD_ASSIGN_OR_RETURN(uint64_t pa, alloc_.AllocLow(page, page));
      CSD_RETURN_IF_ERROR(alloc_.AllocLow(page, page));  // the gap
      pas.push_back(pa);
    }
    SplitMix64 rng(spec_.seed ^ (0x9fb21c651e98df25ull * (index + 1)));
    for (size_t i = pas.size(); i > 1; --i) std::swap(pas[i - 1], pas[rng.Below(i)]);
    if (pas.size() > 1 && std::is_sorted(pas.begin(), pas.end()))
      std::reverse(pas.begin(), pas.end());
    for (uint64_t i = 0; i < pages; ++i) {
      CSD_RETURN_IF_ERROR(image_.Write(pas[i], memory.subspan(i * page, page)));
      layout_.MapVmallocPage(va + i * page, pas[i]);
    }
    return OkStatus();
  }

  const Spec& spec_;
  const ModuleListTypes& t_;
  std::span<const ModuleObject> objects_;
  Arm64Layout& layout_;
  PhysImage& image_;
  PhysAllocator& alloc_;
};

}  // namespace

Error MissingModuleObject(const Spec& spec, size_t index, size_t given) {
  const size_t object = *spec.modules[index].object;
  std::string hint;
  if (object < spec.module_objects.size()) {
    hint = fmt::format(" (the spec's module_objects names {})", spec.module_objects[object]);
  }
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("object: {} needs {} --module file{}, but {} given{}", object,
                           object + 1, object == 0 ? "" : "s",
                           given == 0 ? "none was" : fmt::format("only {} was", given), hint));
}

std::optional<uint64_t> WrittenModule::SectionAddress(std::string_view section) const {
  for (const WrittenModuleSection& s : sections) {
    if (s.name == section) return s.address;
  }
  return std::nullopt;
}

Expected<ModuleWriteResult> WriteModules(const Spec& spec, const KernelModel& kernel,
                                         std::span<const ModuleObject> objects, Arm64Layout& layout,
                                         PhysImage& image, PhysAllocator& alloc) {
  if (!kernel.module_list) {
    Error error = kernel.module_list_error.value_or(
        Error(ErrorCode::kLookup, "no symbol `modules` in the vmlinux"));
    return std::move(error).AddContext(
        "spec.modules: the vmlinux has no loaded-module list to put them on");
  }
  return ModuleWriter(spec, *kernel.module_list, objects, layout, image, alloc).Write();
}

}  // namespace csd::mkcore
