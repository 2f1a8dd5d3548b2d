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

namespace csd {

using debuginfo_detail::DwarfContext;
using debuginfo_detail::DwarfPtr;
using debuginfo_detail::DwarfSession;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfPtr;
using debuginfo_detail::ElfSymbol;
using debuginfo_detail::ElfSymbolTable;
using debuginfo_detail::StructDetail;

namespace {

// UnitOf of a static variable: how far its file's run of local symbols is
// walked each way for code symbols, how many of their addresses are looked
// up in .debug_aranges, and how many of the units found are checked for the
// variable. A real file has a code symbol within a few entries of each static.
constexpr size_t kMaxFileGroupWalk = 8192;
constexpr size_t kMaxAnchorAddresses = 16;
constexpr size_t kMaxAnchorUnits = 4;
// One-unit views (UnitView) a DebugInfo keeps at most; further units are read
// through the whole file's session.
constexpr size_t kMaxUnitViews = 64;

// A second libelf/libdw session over the same file whose .debug_info is cut
// down to one unit. libdw reaches a unit only after reading the header of
// every unit before it (a page fault and an allocation each: 6 ms for the
// 3000th unit), where a view starts at the unit it is for. Its DIEs are the
// same bytes of the same file, mapped a second time.
struct UnitView {
  ElfPtr elf;
  DwarfPtr dwarf;
  Elf_Data* info = nullptr;  // the view's .debug_info, d_buf/d_size narrowed to the unit
  Dwarf_Off die_offset = 0;  // of the unit DIE, in the view
  void* whole_buf = nullptr;
  size_t whole_size = 0;

  UnitView() = default;
  UnitView(const UnitView&) = delete;
  UnitView& operator=(const UnitView&) = delete;
  ~UnitView() {
    dwarf.reset();  // before the Elf it reads, which gets its section back
    if (info != nullptr) {
      info->d_buf = whole_buf;
      info->d_size = whole_size;
    }
  }
};

}  // namespace

struct DebugInfo::Impl {
  Impl(ElfImage elf_image, DwarfSession session)
      : image(std::move(elf_image)), dwarf_session(std::move(session)), elf_symbols(image) {}

  // Declaration order = reverse destruction order: libdw borrows the Elf.
  ElfImage image;
  DwarfSession dwarf_session;
  ElfSymbolTable elf_symbols;
  const SymbolTable& symbols = elf_symbols;  // where symbol lookups go
  // One-unit views for anchored lookups (see UnitView), by unit offset.
  mutable std::map<uint64_t, std::unique_ptr<UnitView>> unit_views;

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

  // UnitOf answers, and the units indexed out of scan order for an anchor.
  mutable std::map<std::string, Expected<CompileUnit>, std::less<>> unit_of_symbol;
  mutable std::set<uint64_t> anchored_units;

  std::string File() const { return image.File(); }
  DwarfContext Context() const { return {image.pointer_size(), image.endian()}; }

  Status EnsureDwarfLocked() const { return dwarf_session.Ensure(); }
  void IndexUnit(Dwarf_Die* unit) const;
  std::vector<std::optional<uint64_t>> UnitsOfAddressesLocked(
      std::span<const uint64_t> addresses) const;
  bool UnitDieLocked(uint64_t offset, Dwarf_Die* unit) const;
  std::unique_ptr<UnitView> MakeUnitViewLocked(uint64_t offset) const;
  Expected<CompileUnit> UnitOfLocked(std::string_view symbol) const;
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
std::vector<std::optional<uint64_t>> DebugInfo::Impl::UnitsOfAddressesLocked(
    std::span<const uint64_t> addresses) const {
  const std::optional<std::span<const std::byte>> aranges = image.RawSection(".debug_aranges");
  if (aranges) return debuginfo_detail::UnitsOfAddresses(*aranges, image.endian(), addresses);
  return std::vector<std::optional<uint64_t>>(addresses.size());
}

// The unit DIE of the unit whose header is at `offset`, if that is one: from
// a view of that unit alone where one can be made (uncompressed sections, a
// self-contained unit), else from the whole file's session.
bool DebugInfo::Impl::UnitDieLocked(uint64_t offset, Dwarf_Die* unit) const {
  auto view = unit_views.find(offset);
  if (view == unit_views.end() && unit_views.size() < kMaxUnitViews) {
    view = unit_views.emplace(offset, MakeUnitViewLocked(offset)).first;
  }
  Dwarf* handle = dwarf_session.handle();
  Dwarf_Off die = 0;
  if (view != unit_views.end() && view->second) {
    handle = view->second->dwarf.get();
    die = view->second->die_offset;
  } else {
    Dwarf_Off next = 0;
    size_t header_size = 0;
    if (dwarf_next_unit(dwarf_session.handle(), offset, &next, &header_size, nullptr, nullptr,
                        nullptr, nullptr, nullptr, nullptr) != 0) {
      return false;
    }
    die = offset + header_size;
  }
  if (dwarf_offdie(handle, die, unit) == nullptr) return false;
  const int tag = dwarf_tag(unit);
  return tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit;
}

std::unique_ptr<UnitView> DebugInfo::Impl::MakeUnitViewLocked(uint64_t offset) const {
  const Elf_Data* info = nullptr;
  const Elf_Data* abbrev = nullptr;
  for (size_t i = 0; i < image.sections().size(); ++i) {
    const std::string& name = image.sections()[i].name;
    if (name != ".debug_info" && name != ".debug_abbrev") continue;
    Elf_Scn* scn = image.Section(i);
    GElf_Shdr shdr;
    if (scn == nullptr || gelf_getshdr(scn, &shdr) == nullptr ||
        (shdr.sh_flags & SHF_COMPRESSED) != 0) {
      return nullptr;
    }
    (name == ".debug_info" ? info : abbrev) = elf_rawdata(scn, nullptr);
  }
  if (info == nullptr || abbrev == nullptr || info->d_buf == nullptr || abbrev->d_buf == nullptr) {
    return nullptr;
  }
  auto bytes = [](const Elf_Data* data) {
    return std::span(static_cast<const std::byte*>(data->d_buf), data->d_size);
  };
  const std::optional<debuginfo_detail::UnitExtent> extent =
      debuginfo_detail::SelfContainedUnit(bytes(info), bytes(abbrev), image.endian(), offset);
  if (!extent) return nullptr;

  auto view = std::make_unique<UnitView>();
  view->elf.reset(elf_begin(image.fd(), ELF_C_READ_MMAP, nullptr));
  size_t shstrndx = 0;
  if (!view->elf || elf_getshdrstrndx(view->elf.get(), &shstrndx) != 0) return nullptr;
  Elf_Data* view_info = nullptr;
  for (Elf_Scn* scn = elf_nextscn(view->elf.get(), nullptr); scn != nullptr;
       scn = elf_nextscn(view->elf.get(), scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) return nullptr;
    const char* name = elf_strptr(view->elf.get(), shstrndx, shdr.sh_name);
    if (name == nullptr || std::strcmp(name, ".debug_info") != 0) continue;
    if (view_info != nullptr) return nullptr;  // twice: libdw would take the first
    view_info = elf_getdata(scn, nullptr);
  }
  // The same bytes as the session's (read in place, no conversion): narrow
  // them to the unit before libdw looks (it keeps this Elf_Data).
  if (view_info == nullptr || view_info->d_buf == nullptr || view_info->d_size != info->d_size) {
    return nullptr;
  }
  view->info = view_info;
  view->whole_buf = view_info->d_buf;
  view->whole_size = view_info->d_size;
  view_info->d_buf = static_cast<char*>(view_info->d_buf) + offset;
  view_info->d_size = extent->end - offset;
  view->dwarf.reset(dwarf_begin_elf(view->elf.get(), DWARF_C_READ, nullptr));
  // The view's only unit starts at 0; its DIE follows the header.
  Dwarf_Off next = 0;
  size_t header_size = 0;
  if (!view->dwarf || dwarf_next_unit(view->dwarf.get(), 0, &next, &header_size, nullptr, nullptr,
                                      nullptr, nullptr, nullptr, nullptr) != 0) {
    return nullptr;
  }
  view->die_offset = header_size;
  return view;
}

namespace {

// Whether `unit` defines (not merely declares) a file-scope variable `name`.
bool UnitDefinesVariable(Dwarf_Die* unit, std::string_view name) {
  Dwarf_Die child;
  if (dwarf_child(unit, &child) != 0) return false;
  do {
    if (dwarf_tag(&child) != DW_TAG_variable) continue;
    const char* found = dwarf_diename(&child);
    if (found == nullptr || name != found || debuginfo_detail::IsDeclaration(&child)) continue;
    if (dwarf_hasattr(&child, DW_AT_location) || dwarf_hasattr(&child, DW_AT_specification)) {
      return true;
    }
  } while (debuginfo_detail::NextSibling(&child) == 0);
  return false;
}

}  // namespace

Expected<DebugInfo::CompileUnit> DebugInfo::Impl::UnitOfLocked(std::string_view symbol) const {
  auto cached = unit_of_symbol.find(symbol);
  if (cached != unit_of_symbol.end()) return cached->second;
  auto answer = [&]() -> Expected<CompileUnit> {
    if (image.relocatable()) {
      // Section-relative addresses; a module has a unit or two anyway.
      return Error(ErrorCode::kUnsupported,
                   fmt::format("{} is relocatable: its units are not found by address", File()));
    }
    CSD_RETURN_IF_ERROR(EnsureDwarfLocked());
    CSD_ASSIGN_OR_RETURN(ElfSymbol sym, elf_symbols.Pick(symbol));
    // The symbol's own address first: a function's unit needs nothing else.
    std::vector<uint64_t> addresses{sym.address};
    const bool file_local = elf_symbols.InFileRun(sym);
    if (sym.type != STT_FUNC && file_local) {
      for (uint64_t code :
           elf_symbols.CodeNear(sym.index, kMaxFileGroupWalk, kMaxAnchorAddresses)) {
        if (code != sym.address) addresses.push_back(code);
      }
    }
    const std::vector<std::optional<uint64_t>> units = UnitsOfAddressesLocked(addresses);
    std::vector<uint64_t> tried;
    for (const std::optional<uint64_t>& unit : units) {
      if (!unit || std::find(tried.begin(), tried.end(), *unit) != tried.end()) continue;
      if (tried.size() == kMaxAnchorUnits) break;
      tried.push_back(*unit);
      Dwarf_Die die;
      if (!UnitDieLocked(*unit, &die)) continue;
      // A function's range is its unit's own; a variable must be defined by
      // the unit its neighbours' code came from (a file without an STT_FILE
      // entry would otherwise lend it the previous file's unit).
      if (sym.type != STT_FUNC && !UnitDefinesVariable(&die, symbol)) continue;
      const char* name = dwarf_diename(&die);
      return CompileUnit{*unit, name ? name : ""};
    }
    std::string why;
    if (sym.type == STT_FUNC) {
      why = fmt::format("no .debug_aranges range of a readable unit holds its address {:#x}",
                        sym.address);
    } else if (!file_local) {
      why =
          "it is not code, and a global symbol does not say which file it came from (only a "
          "file's local symbols follow its STT_FILE entry)";
    } else {
      why = fmt::format(
          "{} code address(es) near it among its file's local symbols, in {} "
          "unit(s) by .debug_aranges, none of which defines it",
          addresses.size() - 1, tried.size());
    }
    return Error(
        ErrorCode::kLookup,
        fmt::format("the compile unit of '{}' in {} cannot be told: {}", symbol, File(), why));
  }();
  return unit_of_symbol.emplace(std::string(symbol), std::move(answer)).first->second;
}

Expected<DebugInfo::CompileUnit> DebugInfo::UnitOf(std::string_view symbol) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->UnitOfLocked(symbol);
}

// Indexes the unit of the first anchor whose unit is known, once, unless the
// struct is known already. Any failure leaves the ordinary scan to find it.
void DebugInfo::Impl::AnchorLocked(std::string_view name,
                                   std::initializer_list<std::string_view> anchors) const {
  if (struct_by_name.contains(name) || struct_dies.contains(name)) return;
  for (std::string_view anchor : anchors) {
    auto unit = UnitOfLocked(anchor);
    if (!unit.ok()) continue;
    if (anchored_units.insert(unit->offset).second) {
      Dwarf_Die die;
      if (UnitDieLocked(unit->offset, &die)) IndexUnit(&die);
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
