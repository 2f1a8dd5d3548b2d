// SPDX-License-Identifier: MIT
#include "debuginfo/debug_info.h"

#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "debuginfo/dwarf_session.h"
#include "debuginfo/dwarf_units.h"
#include "debuginfo/elf_handles.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/elf_symtab.h"
#include "debuginfo/symbol_table.h"
#include "debuginfo/type_layout.h"
#include "debuginfo/unit_locator.h"

namespace csd {

using debuginfo_detail::DwarfContext;
using debuginfo_detail::DwarfPtr;
using debuginfo_detail::DwarfSession;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfPtr;
using debuginfo_detail::ElfSymbol;
using debuginfo_detail::ElfSymbolTable;
using debuginfo_detail::StructDetail;
using debuginfo_detail::UnitLocator;

struct DebugInfo::Impl {
  Impl(ElfImage elf_image, DwarfSession session)
      : image(std::move(elf_image)),
        dwarf_session(std::move(session)),
        elf_symbols(image),
        units(image, elf_symbols, dwarf_session) {}

  // Declaration order = reverse destruction order: libdw borrows the Elf,
  // and the DIE caches below keep DIEs of the locator's unit views.
  ElfImage image;
  DwarfSession dwarf_session;
  ElfSymbolTable elf_symbols;
  const SymbolTable& symbols = elf_symbols;  // where symbol lookups go
  UnitLocator units;

  // Everything below is filled lazily by const lookups: libelf/libdw calls
  // also mutate internal state, so one mutex serialises every lookup.
  mutable std::mutex mutex;

  // Incremental scan over the top-level DIEs of each unit: every unit is read
  // once, and only as far as needed to answer the lookups asked so far.
  mutable Dwarf_CU* scan_cursor = nullptr;
  mutable bool scan_done = false;
  mutable std::optional<Error> scan_error;
  // Keys point into the mapped .debug_str (valid as long as the Dwarf is):
  // a distro vmlinux has hundreds of thousands of these names, and copying
  // each into a std::string was most of the scan's cost.
  mutable std::unordered_map<std::string_view, Dwarf_Die> struct_dies;    // first definition
  mutable std::unordered_map<std::string_view, Dwarf_Die> variable_dies;  // first definition
  mutable std::unordered_set<std::string_view> declared_only;             // seen as declaration

  mutable std::map<std::string, Expected<const StructDetail*>, std::less<>> struct_by_name;
  // Keyed by the DIE's address in the mapped section: unlike dwarf_dieoffset,
  // unique across .debug_info and .debug_types.
  mutable std::map<const void*, Expected<StructDetail>> struct_by_die;
  mutable std::map<std::string, Expected<MemberLayout>, std::less<>> variable_cache;

  // The units indexed out of scan order for an anchor.
  mutable std::set<uint64_t> anchored_units;

  std::string File() const { return image.File(); }
  DwarfContext Context() const { return {image.pointer_size(), image.endian()}; }

  Status EnsureDwarfLocked() const { return dwarf_session.Ensure(); }
  void IndexUnit(Dwarf_Die* unit) const;
  void AnchorLocked(std::string_view name, std::initializer_list<std::string_view> anchors) const;
  Expected<MemberLayout> MemberPathLocked(std::string_view struct_name,
                                          std::string_view path) const;
  template <typename Done>
  void ScanUntil(Done done) const;
  Expected<const StructDetail*> StructByNameLocked(std::string_view name) const;
  Expected<const StructDetail*> StructByDieLocked(Dwarf_Die die) const;
  Expected<MemberLayout> VariableLocked(std::string_view name) const;
};

// ---------------------------------------------------------------- Open

Expected<DebugInfo> DebugInfo::Open(const std::filesystem::path& path) {
  CSD_ASSIGN_OR_RETURN(ElfImage image, ElfImage::Open(path));
  if (!image.has_dwarf()) {
    return Error(ErrorCode::kLookup,
                 fmt::format("{} has no DWARF debug info; use the unstripped vmlinux (e.g. from "
                             "the -dbg package)",
                             image.File()));
  }
  CSD_ASSIGN_OR_RETURN(DwarfSession dwarf, DwarfSession::Begin(image));
  return DebugInfo(std::make_unique<Impl>(std::move(image), std::move(dwarf)));
}

DebugInfo::DebugInfo(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DebugInfo::DebugInfo(DebugInfo&&) noexcept = default;
DebugInfo& DebugInfo::operator=(DebugInfo&&) noexcept = default;
DebugInfo::~DebugInfo() = default;

const std::filesystem::path& DebugInfo::path() const {
  return impl_->image.path();
}
Arch DebugInfo::arch() const {
  return impl_->image.arch();
}
Endian DebugInfo::endian() const {
  return impl_->image.endian();
}
unsigned DebugInfo::pointer_size() const {
  return impl_->image.pointer_size();
}
bool DebugInfo::relocatable() const {
  return impl_->image.relocatable();
}
std::optional<std::string> DebugInfo::BuildId() const {
  return impl_->image.build_id();
}
const std::vector<SectionInfo>& DebugInfo::sections() const {
  return impl_->image.sections();
}

const MemberLayout* StructLayout::Find(std::string_view member) const {
  for (const MemberLayout& m : members) {
    if (m.name == member) return &m;
  }
  return nullptr;
}

// ---------------------------------------------------------------- symbols

Expected<SymbolInfo> DebugInfo::Symbol(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->symbols.Symbol(name);
}

void DebugInfo::PrefetchSymbols(std::initializer_list<std::string_view> names) const {
  std::lock_guard lock(impl_->mutex);
  impl_->symbols.Prefetch(std::span(names.begin(), names.size()));
}

// ---------------------------------------------------------------- DWARF scan

void DebugInfo::Impl::IndexUnit(Dwarf_Die* unit) const {
  Dwarf_Die child;
  if (dwarf_child(unit, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (tag != DW_TAG_structure_type && tag != DW_TAG_variable) continue;
    const char* name = dwarf_diename(&child);  // follows DW_AT_specification
    if (name == nullptr) continue;
    bool declaration = debuginfo_detail::IsDeclaration(&child);
    if (tag == DW_TAG_structure_type) {
      if (declaration) {
        declared_only.insert(name);
      } else {
        struct_dies.try_emplace(name, child);
      }
      continue;
    }
    // A variable definition has a location; gcc may also split it into a
    // declaration plus a definition DIE pointing at it via DW_AT_specification.
    if (declaration) continue;
    if (dwarf_hasattr(&child, DW_AT_location) || dwarf_hasattr(&child, DW_AT_specification)) {
      variable_dies.try_emplace(name, child);
    }
  } while (debuginfo_detail::NextSibling(&child) == 0);
}

template <typename Done>
void DebugInfo::Impl::ScanUntil(Done done) const {
  if (!scan_done) {
    if (auto status = EnsureDwarfLocked(); !status.ok()) {
      scan_done = true;
      scan_error = status.error();
    }
  }
  while (!scan_done && !done()) {
    Dwarf_CU* next = nullptr;
    Dwarf_Half version;
    uint8_t unit_type;
    Dwarf_Die unit_die;
    int rc = dwarf_get_units(dwarf_session.handle(), scan_cursor, &next, &version, &unit_type,
                             &unit_die, nullptr);
    if (rc != 0) {
      scan_done = true;
      if (rc < 0) {
        scan_error = Error(ErrorCode::kCorrupt, fmt::format("{}: DWARF unit list is unreadable: {}",
                                                            File(), dwarf_errmsg(-1)));
      }
      break;
    }
    scan_cursor = next;
    IndexUnit(&unit_die);
  }
}

Expected<const StructDetail*> DebugInfo::Impl::StructByDieLocked(Dwarf_Die die) const {
  const void* key = die.addr;
  auto it = struct_by_die.find(key);
  if (it == struct_by_die.end()) {
    Expected<StructDetail> built = debuginfo_detail::BuildStruct(&die, Context());
    if (!built.ok()) {
      built = Error(std::move(built).error().AddContext(fmt::format("reading {}", File())));
    }
    it = struct_by_die.emplace(key, std::move(built)).first;
  }
  if (!it->second.ok()) return it->second.error();
  return &it->second.value();
}

Expected<const StructDetail*> DebugInfo::Impl::StructByNameLocked(std::string_view name) const {
  auto cached = struct_by_name.find(name);
  if (cached != struct_by_name.end()) return cached->second;

  std::string key(name);
  ScanUntil([&] { return struct_dies.contains(std::string_view(key)); });
  Expected<const StructDetail*> result = Error(ErrorCode::kLookup, "");
  auto found = struct_dies.find(key);
  if (found != struct_dies.end()) {
    result = StructByDieLocked(found->second);
  } else if (scan_error) {
    result = Error(scan_error->code(),
                   fmt::format("struct {} not found: {}", name, scan_error->message()));
  } else if (declared_only.contains(key)) {
    result = Error(
        ErrorCode::kLookup,
        fmt::format("struct {} is only declared, never defined, in the DWARF of {}", name, File()));
  } else {
    result = Error(ErrorCode::kLookup,
                   fmt::format("struct {} not found in the DWARF of {}", name, File()));
  }
  struct_by_name.emplace(std::move(key), result);
  return result;
}

// ---------------------------------------------------------------- anchored lookups

// For each address, the unit whose .debug_aranges ranges hold it.
Expected<DebugInfo::CompileUnit> DebugInfo::UnitOf(std::string_view symbol) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->units.UnitOf(symbol);
}

// Indexes the unit of the first anchor whose unit is known, once, unless the
// struct is known already. Any failure leaves the ordinary scan to find it.
void DebugInfo::Impl::AnchorLocked(std::string_view name,
                                   std::initializer_list<std::string_view> anchors) const {
  if (struct_by_name.contains(name) || struct_dies.contains(name)) return;
  for (std::string_view anchor : anchors) {
    auto unit = units.UnitOf(anchor);
    if (!unit.ok()) continue;
    if (anchored_units.insert(unit->offset).second) {
      Dwarf_Die die;
      if (units.UnitDie(unit->offset, &die)) IndexUnit(&die);
    }
    return;
  }
}

Expected<StructLayout> DebugInfo::Struct(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  CSD_ASSIGN_OR_RETURN(const StructDetail* detail, impl_->StructByNameLocked(name));
  return detail->layout;
}

Expected<StructLayout> DebugInfo::Struct(std::string_view name,
                                         std::initializer_list<std::string_view> anchors) const {
  std::lock_guard lock(impl_->mutex);
  impl_->AnchorLocked(name, anchors);
  CSD_ASSIGN_OR_RETURN(const StructDetail* detail, impl_->StructByNameLocked(name));
  return detail->layout;
}

Expected<MemberLayout> DebugInfo::MemberPath(std::string_view struct_name,
                                             std::string_view path) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->MemberPathLocked(struct_name, path);
}

Expected<MemberLayout> DebugInfo::MemberPath(
    std::string_view struct_name, std::string_view path,
    std::initializer_list<std::string_view> anchors) const {
  std::lock_guard lock(impl_->mutex);
  impl_->AnchorLocked(struct_name, anchors);
  return impl_->MemberPathLocked(struct_name, path);
}

Expected<MemberLayout> DebugInfo::Impl::MemberPathLocked(std::string_view struct_name,
                                                         std::string_view member_path) const {
  CSD_ASSIGN_OR_RETURN(const StructDetail* current, StructByNameLocked(struct_name));
  if (member_path.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("empty member path in struct {}", struct_name));
  }
  uint64_t base = 0;
  std::string_view rest = member_path;
  std::string walked;  // the prefix resolved so far, for messages
  while (true) {
    size_t dot = rest.find('.');
    std::string_view component = rest.substr(0, dot);
    if (component.empty()) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("malformed member path '{}' in struct {}", member_path, struct_name));
    }
    const std::vector<MemberLayout>& members = current->layout.members;
    size_t index = 0;
    while (index < members.size() && members[index].name != component) ++index;
    if (index == members.size()) {
      std::string where =
          walked.empty()
              ? fmt::format("struct {}", struct_name)
              : fmt::format("'{}' (struct {})", walked,
                            current->layout.name.empty() ? "<anonymous>" : current->layout.name);
      return Error(ErrorCode::kLookup,
                   fmt::format("member path '{}' of struct {}: {} has no member '{}' (in {})",
                               member_path, struct_name, where, component, File()));
    }
    MemberLayout member = members[index];
    auto offset = CheckedAdd(base, member.offset);
    if (!offset) {
      return Error(
          ErrorCode::kCorrupt,
          fmt::format("member path '{}' of struct {}: offset overflows", member_path, struct_name));
    }
    member.offset = *offset;
    if (!walked.empty()) walked += '.';
    walked += component;
    if (dot == std::string_view::npos) {
      member.name = std::string(member_path);
      return member;
    }
    const std::optional<Dwarf_Die>& aggregate = current->member_aggregates[index];
    if (!aggregate) {
      return Error(ErrorCode::kLookup,
                   fmt::format("member path '{}' of struct {}: '{}' is '{}', not a struct or "
                               "union (paths do not follow pointers; in {})",
                               member_path, struct_name, walked, member.type_name, File()));
    }
    CSD_ASSIGN_OR_RETURN(current, StructByDieLocked(*aggregate));
    base = member.offset;
    rest = rest.substr(dot + 1);
  }
}

Expected<MemberLayout> DebugInfo::Impl::VariableLocked(std::string_view name) const {
  auto cached = variable_cache.find(name);
  if (cached != variable_cache.end()) return cached->second;

  std::string key(name);
  ScanUntil([&] { return variable_dies.contains(std::string_view(key)); });
  Expected<MemberLayout> result = Error(ErrorCode::kLookup, "");
  auto found = variable_dies.find(key);
  if (found == variable_dies.end()) {
    result = scan_error
                 ? Error(scan_error->code(),
                         fmt::format("variable '{}' not found: {}", name, scan_error->message()))
                 : Error(ErrorCode::kLookup,
                         fmt::format("no DWARF definition of variable '{}' in {}", name, File()));
  } else {
    Dwarf_Die die = found->second;
    Dwarf_Die type;
    int rc = debuginfo_detail::TypeOf(&die, &type);
    if (rc < 0) {
      result = Error(ErrorCode::kCorrupt,
                     fmt::format("variable '{}' has an unreadable type in {}", name, File()));
    } else {
      auto desc = debuginfo_detail::DescribeType(rc == 1 ? &type : nullptr, Context());
      if (!desc.ok()) {
        result = Error(std::move(desc).error().AddContext(
            fmt::format("type of variable '{}' in {}", name, File())));
      } else {
        MemberLayout layout;
        layout.name = key;
        layout.offset = 0;
        layout.size = desc->size;
        layout.kind = desc->kind;
        layout.is_signed = desc->is_signed;
        layout.type_name = std::move(desc->type_name);
        layout.target_struct = std::move(desc->target_struct);
        result = std::move(layout);
      }
    }
  }
  variable_cache.emplace(std::move(key), result);
  return result;
}

Expected<MemberLayout> DebugInfo::VariableType(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->VariableLocked(name);
}

// ---------------------------------------------------------------- bytes

Expected<std::vector<std::byte>> DebugInfo::ReadLinkTime(uint64_t address, uint64_t size) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->image.ReadLinkTime(address, size);
}

}  // namespace csd
