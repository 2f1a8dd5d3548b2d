// SPDX-License-Identifier: MIT
#include "kernel/module_list.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstring>

#include "base/byte_reader.h"
#include "kernel/list_walk.h"
#include "kernel/module_attrs.h"
#include "kernel/object_view.h"

namespace csd {

namespace {

constexpr uint32_t kNtGnuBuildId = 3;
constexpr size_t kMaxBuildIdBytes = 64;   // sha1 is 20; allow longer hashes
constexpr uint64_t kMaxNoteBytes = 4096;  // of one note section read for its build-id
constexpr std::string_view kBuildIdSection = ".note.gnu.build-id";
constexpr uint64_t kMaxRegions = 16;  // MOD_MEM_NUM_TYPES is 7

struct RegionLayout {
  std::string name;
  MemberLayout base, size;
};

struct ModuleLayout {
  StructLayout module;
  MemberLayout list, name, state;
  ListHeadLayout list_head;
  std::vector<RegionLayout> regions;
  std::optional<MemberLayout> sect_attrs, notes_attrs;  // struct module members
  std::optional<Expected<AttrTableLayout>> sect_table, notes_table;
};

Expected<MemberLayout> Member(const StructLayout& layout, std::string_view name) {
  const MemberLayout* member = layout.Find(name);
  if (member == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("struct {} in this vmlinux has no member '{}'", layout.name, name));
  }
  return *member;
}

MemberLayout At(MemberLayout member, uint64_t base) {
  member.offset += base;
  return member;
}

// The bounds of the module's memory: mod->mem[] (6.4+), else the
// module_layouts before it. Nothing when neither is there.
std::vector<RegionLayout> ResolveRegions(const DebugInfo& vmlinux, const StructLayout& module) {
  std::vector<RegionLayout> regions;
  if (const MemberLayout* mem = module.Find("mem")) {
    auto element = vmlinux.Struct("module_memory");
    if (!element.ok() || element->size == 0 || mem->kind != MemberLayout::Kind::kArray) {
      return regions;
    }
    const MemberLayout* base = element->Find("base");
    const MemberLayout* size = element->Find("size");
    if (base == nullptr || size == nullptr) return regions;
    for (uint64_t i = 0; i < mem->size / element->size && i < kMaxRegions; ++i) {
      const uint64_t at = mem->offset + i * element->size;
      regions.push_back({fmt::format("mem[{}]", i), At(*base, at), At(*size, at)});
    }
    return regions;
  }
  for (std::string_view name : {"core_layout", "init_layout", "data_layout"}) {
    auto base = vmlinux.MemberPath("module", fmt::format("{}.base", name));
    auto size = vmlinux.MemberPath("module", fmt::format("{}.size", name));
    if (base.ok() && size.ok()) regions.push_back({std::string(name), *base, *size});
  }
  return regions;
}

Expected<ModuleLayout> ResolveModuleLayout(const DebugInfo& vmlinux) {
  ModuleLayout layout;
  CSD_ASSIGN_OR_RETURN(layout.module, vmlinux.Struct("module"));
  CSD_ASSIGN_OR_RETURN(layout.list, Member(layout.module, "list"));
  CSD_ASSIGN_OR_RETURN(layout.name, Member(layout.module, "name"));
  CSD_ASSIGN_OR_RETURN(layout.state, Member(layout.module, "state"));
  if (layout.name.kind != MemberLayout::Kind::kArray || layout.name.size == 0) {
    return Error(
        ErrorCode::kUnsupported,
        fmt::format("struct module.name is '{}', not a char array", layout.name.type_name));
  }
  CSD_ASSIGN_OR_RETURN(StructLayout list_head, vmlinux.Struct("list_head"));
  CSD_ASSIGN_OR_RETURN(MemberLayout next, Member(list_head, "next"));
  CSD_ASSIGN_OR_RETURN(MemberLayout prev, Member(list_head, "prev"));
  layout.list_head = {next.offset, prev.offset, static_cast<unsigned>(next.size)};
  layout.regions = ResolveRegions(vmlinux, layout.module);

  // Each means is optional: a kernel without CONFIG_KALLSYMS has neither the
  // attributes nor kallsyms; its modules are listed, and each says why it
  // cannot be relocated.
  if (const MemberLayout* m = layout.module.Find("sect_attrs")) {
    layout.sect_attrs = *m;
    layout.sect_table = ResolveSectAttrsLayout(vmlinux);
  }
  if (const MemberLayout* m = layout.module.Find("notes_attrs")) {
    layout.notes_attrs = *m;
    layout.notes_table = ResolveNotesAttrsLayout(vmlinux);
  }
  return layout;
}

// The descriptor of the first NT_GNU_BUILD_ID note named "GNU" in a run of
// notes, as lowercase hex.
std::optional<std::string> FindBuildId(std::span<const std::byte> notes, Endian endian) {
  auto align4 = [](uint64_t v) { return (v + 3) & ~uint64_t{3}; };
  for (uint64_t at = 0; notes.size() - at >= 12;) {
    const auto note = notes.subspan(at);
    const uint64_t namesz = LoadUnsigned(note.subspan(0, 4), endian);
    const uint64_t descsz = LoadUnsigned(note.subspan(4, 4), endian);
    const uint64_t type = LoadUnsigned(note.subspan(8, 4), endian);
    if (namesz > note.size() || descsz > note.size()) return std::nullopt;
    const uint64_t desc = 12 + align4(namesz);
    const uint64_t next = desc + align4(descsz);
    if (next > note.size() + 3) return std::nullopt;  // the last note may omit its padding
    // desc + descsz inside the note first: it also keeps the name's 4 bytes in.
    if (type == kNtGnuBuildId && namesz == 4 && descsz != 0 && descsz <= kMaxBuildIdBytes &&
        desc + descsz <= note.size() && std::memcmp(note.data() + 12, "GNU", 4) == 0) {
      return LowerHex(note.subspan(desc, descsz));
    }
    if (next >= note.size()) return std::nullopt;
    at += next;
  }
  return std::nullopt;
}

// Sections the kernel lays out in the module's init memory, freed once its
// init has run, so their recorded addresses lie outside what remains:
// module_init_layout_section()'s .init* and .exit*, and the full .symtab and
// .strtab, which layout_symtab() places in init memory (only the core
// kallsyms copy survives). Seen on Debian's 6.1: .symtab's sect_attr lies
// below core_layout. 32-bit ARM adds the unwind tables of that code
// (arch/arm/kernel/module.c's module_init_section() and module_exit_section():
// .ARM.extab.init*, .ARM.exidx.init*, and their .exit twins). Seen on Debian's
// armhf 6.1: .ARM.exidx.init.text's sect_attr lies above core_layout.
bool IsInitSection(std::string_view name) {
  return name.starts_with(".init") || name.starts_with(".exit") || name == ".symtab" ||
         name == ".strtab" || name.starts_with(".ARM.extab.init") ||
         name.starts_with(".ARM.exidx.init") || name.starts_with(".ARM.extab.exit") ||
         name.starts_with(".ARM.exidx.exit");
}

bool Inside(uint64_t address, const std::vector<ModuleRegion>& regions) {
  return std::any_of(regions.begin(), regions.end(), [&](const ModuleRegion& r) {
    return r.size != 0 && address >= r.base && address - r.base < r.size;
  });
}

std::string DescribeRegions(const std::vector<ModuleRegion>& regions) {
  std::vector<std::string> parts;
  for (const ModuleRegion& r : regions) {
    if (r.size != 0) parts.push_back(fmt::format("{} {:#x}+{:#x}", r.name, r.base, r.size));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

bool RegionsKnown(const std::vector<ModuleRegion>& regions) {
  return std::any_of(regions.begin(), regions.end(),
                     [](const ModuleRegion& r) { return r.size != 0; });
}

// Unreadable or inconsistent dump data, as opposed to a kernel that keeps
// nothing csdump can use.
bool Damaged(ErrorCode code) {
  return code != ErrorCode::kLookup && code != ErrorCode::kUnsupported;
}

class ModuleReader {
 public:
  ModuleReader(const KernelMemory& memory, const DebugInfo& vmlinux, const ModuleLayout& layout,
               const ModuleListLimits& limits, uint64_t max_object_size)
      : memory_(memory),
        vmlinux_(vmlinux),
        layout_(layout),
        limits_(limits),
        max_object_size_(max_object_size) {}

  LoadedModule Read(size_t index, uint64_t list_entry) {
    LoadedModule module;
    module.index = index;
    module.address = list_entry - layout_.list.offset;
    auto view = ObjectView::Read(memory_, module.address, layout_.module, max_object_size_);
    if (!view.ok()) {
      module.error = view.error().Describe();
      return module;
    }
    if (auto state = view->Signed(layout_.state); state.ok()) module.state = *state;
    std::vector<std::byte> name(layout_.name.size);
    if (auto status = memory_.Read(module.address + layout_.name.offset, name); !status.ok()) {
      module.error = status.error().Describe();
      return module;
    }
    for (std::byte b : name) {
      const auto c = std::to_integer<unsigned char>(b);
      if (c == 0) break;
      module.name += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    for (const RegionLayout& r : layout_.regions) {
      auto base = view->Unsigned(r.base);
      auto size = view->Unsigned(r.size);
      if (base.ok() && size.ok() && *base != 0) module.regions.push_back({r.name, *base, *size});
    }

    ReadSectAttrs(*view, module);
    if (module.sections.empty()) ReadKallsyms(*view, module);
    if (module.sections.empty()) {
      std::vector<std::string> parts;
      for (const ModuleMeansFailure& f : module.failures) {
        parts.push_back(fmt::format("{}: {}", f.means, f.error.Describe()));
      }
      module.error = fmt::format("{}", fmt::join(parts, "; "));
    }
    ReadBuildId(*view, module);
    return module;
  }

 private:
  AttrTableLimits AttrLimits() const { return {limits_.max_sections, limits_.max_section_name}; }

  void Fail(LoadedModule& module, std::string means, Error error) const {
    module.failures.push_back({std::move(means), std::move(error)});
  }

  // Means 1: the sysfs section attributes.
  void ReadSectAttrs(const ObjectView& view, LoadedModule& module) const {
    constexpr std::string_view kMeans = "mod->sect_attrs";
    if (!layout_.sect_attrs) {
      Fail(module, std::string(kMeans),
           Error(ErrorCode::kUnsupported,
                 "struct module has no member sect_attrs in this vmlinux (CONFIG_KALLSYMS off)"));
      return;
    }
    const auto& table = *layout_.sect_table;
    if (!table.ok()) {
      Fail(module, std::string(kMeans),
           Error(table.error().code(),
                 "the vmlinux has no layout of the section attributes csdump reads: " +
                     table.error().Describe()));
      return;
    }
    const std::string means = fmt::format("{} ({})", kMeans, table->shape);
    auto attrs = view.Unsigned(*layout_.sect_attrs);
    if (!attrs.ok()) return Fail(module, means, std::move(attrs).error());
    if (*attrs == 0) {
      return Fail(module, means,
                  Error(ErrorCode::kUnsupported,
                        "mod->sect_attrs is NULL: the kernel keeps no section attributes for "
                        "this module (CONFIG_SYSFS off, or the module was not fully loaded)"));
    }
    auto read = ReadAttrTable(memory_, *attrs, *table, AttrLimits());
    if (!read.ok()) return Fail(module, means, std::move(read).error());
    if (read->empty()) {
      return Fail(
          module, means,
          Error(ErrorCode::kCorrupt, fmt::format("the table at {:#x} lists no section", *attrs)));
    }
    if (RegionsKnown(module.regions)) {
      for (const ModuleAttr& attr : *read) {
        if (IsInitSection(attr.name) || Inside(attr.address, module.regions)) continue;
        return Fail(
            module, means,
            Error(ErrorCode::kCorrupt,
                  fmt::format("the table at {:#x} places section {} at {:#x}, outside "
                              "the module's memory ({}): not a table to trust",
                              *attrs, attr.name, attr.address, DescribeRegions(module.regions))));
      }
    }
    for (ModuleAttr& attr : *read) module.sections.emplace_back(std::move(attr.name), attr.address);
    module.sections_from = means;
  }

  // Means 2: the module's kallsyms, for LoadedModule::Place.
  void ReadKallsyms(const ObjectView& view, LoadedModule& module) {
    constexpr std::string_view kMeans = "kallsyms";
    if (!kallsyms_layout_) kallsyms_layout_ = ResolveKallsymsLayout(vmlinux_);
    if (!kallsyms_layout_->ok()) {
      return Fail(module, std::string(kMeans), kallsyms_layout_->error());
    }
    auto symbols = ReadModuleKallsyms(memory_, view, **kallsyms_layout_,
                                      {limits_.max_symbols, KallsymsLimits{}.max_name});
    if (!symbols.ok()) return Fail(module, std::string(kMeans), std::move(symbols).error());
    module.kallsyms = std::move(*symbols);
  }

  void ReadBuildId(const ObjectView& view, LoadedModule& module) const {
    if (layout_.notes_attrs && layout_.notes_table->ok()) {
      auto notes_attrs = view.Unsigned(*layout_.notes_attrs);
      if (notes_attrs.ok() && *notes_attrs != 0) {
        auto notes = ReadAttrTable(memory_, *notes_attrs, **layout_.notes_table, AttrLimits());
        if (notes.ok()) {
          // The build-id's own section first, then any other note section.
          std::stable_partition(notes->begin(), notes->end(),
                                [](const ModuleAttr& a) { return a.name == kBuildIdSection; });
          for (const ModuleAttr& note : *notes) {
            std::vector<std::byte> bytes(std::min(note.size, kMaxNoteBytes));
            if (bytes.empty() || !memory_.Read(note.address, bytes).ok()) continue;
            if (auto id = FindBuildId(bytes, memory_.endian())) {
              module.build_id = std::move(id);
              module.build_id_from = fmt::format("mod->notes_attrs ({})", note.name);
              return;
            }
          }
        }
      }
    }
    if (auto note = module.SectionAddress(kBuildIdSection)) {
      std::array<std::byte, 16 + kMaxBuildIdBytes> bytes{};
      // The note is at most this long; read what the page allows.
      for (size_t length = bytes.size(); length >= 36; length -= 4) {
        if (memory_.Read(*note, std::span(bytes).first(length)).ok()) {
          module.build_id = FindBuildId(std::span(bytes).first(length), memory_.endian());
          if (module.build_id) module.build_id_from = std::string(kBuildIdSection) + " section";
          break;
        }
      }
    }
  }

  const KernelMemory& memory_;
  const DebugInfo& vmlinux_;
  const ModuleLayout& layout_;
  const ModuleListLimits& limits_;
  uint64_t max_object_size_;
  std::optional<Expected<KallsymsLayout>> kallsyms_layout_;  // resolved on first need
};

}  // namespace

std::optional<uint64_t> LoadedModule::SectionAddress(std::string_view section) const {
  for (const auto& entry : sections) {
    if (entry.first == section) return entry.second;
  }
  return std::nullopt;
}

Expected<PlacedSymbol> LoadedModule::Place(const SymbolInfo& symbol) const {
  if (auto base = SectionAddress(symbol.section)) {
    return PlacedSymbol{*base + symbol.address, *base, sections_from};
  }
  std::vector<std::string> tried;
  bool damaged = false;
  if (!sections.empty()) {
    tried.push_back(fmt::format("{}: lists {} sections, but not {}", sections_from, sections.size(),
                                symbol.section));
    damaged = true;
  }
  for (const ModuleMeansFailure& f : failures) {
    tried.push_back(fmt::format("{}: {}", f.means, f.error.Describe()));
    damaged = damaged || Damaged(f.error.code());
  }
  if (!kallsyms.empty()) {
    // st_value is the runtime address (simplify_symbols() added the section's
    // address), so an unambiguous match places the section exactly. A size
    // that differs is another symbol of the same name.
    std::vector<uint64_t> values;
    for (const ModuleSymbol& s : kallsyms) {
      if (s.name != symbol.name || (symbol.size != 0 && s.size != 0 && s.size != symbol.size))
        continue;
      if (std::find(values.begin(), values.end(), s.value) == values.end())
        values.push_back(s.value);
    }
    if (values.size() == 1 && values[0] >= symbol.address &&
        (!RegionsKnown(regions) || Inside(values[0], regions))) {
      return PlacedSymbol{values[0], values[0] - symbol.address, "kallsyms"};
    }
    if (values.empty()) {
      tried.push_back(fmt::format(
          "kallsyms: none of the module's {} symbols is '{}' (without CONFIG_KALLSYMS_ALL the "
          "kernel keeps only those of executable sections)",
          kallsyms.size(), symbol.name));
    } else if (values.size() > 1) {
      tried.push_back(fmt::format("kallsyms: {} symbols named '{}' at different addresses",
                                  values.size(), symbol.name));
    } else {
      tried.push_back(fmt::format("kallsyms: '{}' is at {:#x}, outside the module's memory ({})",
                                  symbol.name, values[0], DescribeRegions(regions)));
      damaged = true;
    }
  }
  return Error(damaged ? ErrorCode::kCorrupt : ErrorCode::kUnsupported,
               fmt::format("where the kernel placed section {} of module {} (struct module at "
                           "{:#x}) is unknown; tried {}",
                           symbol.section, name, address, fmt::join(tried, "; ")));
}

Expected<ModuleList> ReadModuleList(const KernelMemory& memory, const DebugInfo& vmlinux,
                                    uint64_t modules_head, const ModuleListLimits& limits,
                                    uint64_t max_object_size) {
  CSD_ASSIGN_OR_RETURN(ModuleLayout layout, ResolveModuleLayout(vmlinux));
  ListWalkResult walk = WalkList(memory, modules_head, layout.list_head, limits.max_modules);
  if (walk.stop_error && walk.head_unreadable) {
    return std::move(*walk.stop_error).AddContext("walking the module list");
  }
  ModuleList list;
  if (walk.stop_error) list.walk_error = walk.stop_error->Describe();
  ModuleReader reader(memory, vmlinux, layout, limits, max_object_size);
  for (size_t i = 0; i < walk.entries.size(); ++i) {
    list.modules.push_back(reader.Read(i, walk.entries[i]));
  }
  return list;
}

Expected<ModuleList> ReadModuleList(const KernelTarget& target, const ModuleListLimits& limits) {
  auto head = target.RuntimeSymbol("modules");
  if (!head.ok()) {
    return Error(ErrorCode::kLookup,
                 "the vmlinux has no `modules` list (a kernel without module support?): " +
                     head.error().Describe());
  }
  return ReadModuleList(target.memory(), target.debuginfo(), head->address, limits,
                        target.limits().max_object_size);
}

}  // namespace csd
