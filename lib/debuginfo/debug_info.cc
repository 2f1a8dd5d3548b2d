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
#include "debuginfo/type_layout.h"

namespace csd {

using debuginfo_detail::DwarfContext;
using debuginfo_detail::DwarfPtr;
using debuginfo_detail::DwarfSession;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfPtr;
using debuginfo_detail::StructDetail;

namespace {

struct RawSymbol {
  uint64_t address;
  uint64_t size;
  unsigned char binding;
  unsigned char type;    // STT_*
  size_t section_index;  // ELF index; meaningful for relocatable objects
  size_t index;          // in .symtab
};

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
      : image(std::move(elf_image)), dwarf_session(std::move(session)) {}

  // Declaration order = reverse destruction order: libdw borrows the Elf.
  ElfImage image;
  DwarfSession dwarf_session;
  // One-unit views for anchored lookups (see UnitView), by unit offset.
  mutable std::map<uint64_t, std::unique_ptr<UnitView>> unit_views;

  // Everything below is filled lazily by const lookups: libelf/libdw calls
  // also mutate internal state, so one mutex serialises every lookup.
  mutable std::mutex mutex;

  // The symbol table is scanned per name asked for, not indexed: a distro
  // vmlinux has ~200k symbols and a run asks for a handful, so hashing them
  // all cost more than every scan together (measured: 60 ms vs < 1 ms each).
  mutable bool symbols_loaded = false;
  mutable std::optional<Error> symbols_error;
  mutable Elf_Data* symtab_data = nullptr;
  mutable size_t symtab_count = 0;
  // The table as an array of the file's class, when libelf's translated copy
  // is one (it always is for a well-formed file): a pass over a distro
  // vmlinux's 200k symbols costs a third of what gelf_getsym per entry does.
  mutable const Elf64_Sym* symtab64 = nullptr;
  mutable const Elf32_Sym* symtab32 = nullptr;
  mutable size_t first_global = 0;        // sh_info: every symbol before it is STB_LOCAL
  mutable std::string_view symbol_names;  // the .strtab bytes
  mutable std::unordered_map<std::string, std::vector<RawSymbol>> symbols;  // per name asked

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
  void ScanSymbolsLocked(std::span<const std::string_view> wanted) const;
  template <typename Visit>
  void ForEachSymbolLocked(size_t begin, size_t end, Visit visit) const;
  std::optional<GElf_Sym> SymbolAtLocked(size_t index) const;
  Status LoadSymbolsLocked() const;
  Expected<RawSymbol> PickSymbolLocked(std::string_view name) const;
  Expected<SymbolInfo> SymbolLocked(std::string_view name) const;
  void IndexUnit(Dwarf_Die* unit) const;
  std::vector<uint64_t> CodeNearLocked(size_t index) const;
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

Status DebugInfo::Impl::LoadSymbolsLocked() const {
  if (symbols_loaded) {
    if (symbols_error) return *symbols_error;
    return OkStatus();
  }
  symbols_loaded = true;
  Elf* e = image.elf();
  for (size_t i = 0; i < image.sections().size(); ++i) {
    Elf_Scn* scn = image.Section(i);
    GElf_Shdr shdr;
    if (scn == nullptr || gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_SYMTAB) {
      continue;
    }
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) {
      symbols_error = Error(ErrorCode::kCorrupt,
                            fmt::format("{}: unreadable .symtab: {}", File(), elf_errmsg(-1)));
      return *symbols_error;
    }
    Elf_Scn* strtab = elf_getscn(e, shdr.sh_link);
    Elf_Data* names = strtab ? elf_getdata(strtab, nullptr) : nullptr;
    if (names == nullptr || names->d_buf == nullptr) {
      symbols_error =
          Error(ErrorCode::kCorrupt,
                fmt::format("{}: unreadable symbol string table: {}", File(), elf_errmsg(-1)));
      return *symbols_error;
    }
    const size_t entry_size = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
    symtab_data = data;
    symtab_count = entry_size ? data->d_size / entry_size : 0;
    first_global = std::min<size_t>(shdr.sh_info, symtab_count);
    // elf_getdata translated the table to this host's layout (copying it if
    // the file's bytes were misaligned or of the other byte order).
    const auto address = reinterpret_cast<uintptr_t>(data->d_buf);
    if (data->d_type == ELF_T_SYM && data->d_buf != nullptr) {
      const unsigned pointer_size = image.pointer_size();
      if (pointer_size == 8 && entry_size == sizeof(Elf64_Sym) &&
          address % alignof(Elf64_Sym) == 0) {
        symtab64 = static_cast<const Elf64_Sym*>(data->d_buf);
      } else if (pointer_size == 4 && entry_size == sizeof(Elf32_Sym) &&
                 address % alignof(Elf32_Sym) == 0) {
        symtab32 = static_cast<const Elf32_Sym*>(data->d_buf);
      }
    }
    symbol_names = std::string_view(static_cast<const char*>(names->d_buf), names->d_size);
    return OkStatus();
  }
  symbols_error =
      Error(ErrorCode::kLookup, fmt::format("{} has no .symtab (stripped of symbols?)", File()));
  return *symbols_error;
}

// Calls visit(index, sym) for the symbols [begin, end) in order while it
// returns true; `sym` is an Elf64_Sym, Elf32_Sym or GElf_Sym (same field names).
template <typename Visit>
void DebugInfo::Impl::ForEachSymbolLocked(size_t begin, size_t end, Visit visit) const {
  end = std::min(end, symtab_count);
  // The table pointer in a local: a visitor that stores through a reference
  // (a result vector) could alias this object's members as far as the
  // compiler knows, and a loop over the member would reload it for every
  // entry (5-12 % of the 222k-symbol pass of bench/run.py's debuginfo case).
  if (const Elf64_Sym* table = symtab64; table != nullptr) {
    for (size_t n = begin; n < end; ++n) {
      if (!visit(n, table[n])) return;
    }
  } else if (const Elf32_Sym* table32 = symtab32; table32 != nullptr) {
    for (size_t n = begin; n < end; ++n) {
      if (!visit(n, table32[n])) return;
    }
  } else {
    for (size_t n = begin; n < end && n <= size_t{INT_MAX}; ++n) {
      GElf_Sym sym;
      if (gelf_getsym(symtab_data, static_cast<int>(n), &sym) == nullptr) return;
      if (!visit(n, sym)) return;
    }
  }
}

std::optional<GElf_Sym> DebugInfo::Impl::SymbolAtLocked(size_t index) const {
  std::optional<GElf_Sym> out;
  ForEachSymbolLocked(index, index + 1, [&](size_t, const auto& sym) {
    out = GElf_Sym{sym.st_name, sym.st_info, sym.st_other, sym.st_shndx, sym.st_value, sym.st_size};
    return false;
  });
  return out;
}

void DebugInfo::Impl::ScanSymbolsLocked(std::span<const std::string_view> wanted) const {
  // One pass over the table for every name asked. A name's first two bytes,
  // read as one 16-bit word, rule out almost every symbol before any
  // comparison: the first byte alone let 40% of a distro vmlinux's symbols
  // through ('_', 's', 'c', ...), each then measured and compared, which made
  // the pass 4x slower than on the bench's kernel of the same size.
  auto prefix = [](const char* name) {
    uint16_t word;
    std::memcpy(&word, name, sizeof word);
    return word;
  };
  std::bitset<65536> prefixes;
  for (std::string_view name : wanted) {
    if (name.empty()) continue;
    const char two[2] = {name[0], name.size() > 1 ? name[1] : '\0'};  // "x" is 'x', NUL
    prefixes.set(prefix(two));
  }
  std::vector<std::vector<RawSymbol>> found(wanted.size());
  const char* names = symbol_names.data();
  const size_t names_size = symbol_names.size();
  if (names_size >= 2) {                 // else no name of at least one byte and its NUL fits
    const size_t last = names_size - 2;  // where such a name starts at the latest
    // The few names that pass the prefix test are compared in full, out of
    // line; the test itself captures what it reads by value, so the loop
    // keeps it in registers and loads only st_name and two bytes of a name.
    auto candidate = [&](size_t n, const auto& sym) {
      const size_t at = sym.st_name;
      for (size_t i = 0; i < wanted.size(); ++i) {
        const std::string_view name = wanted[i];
        if (name.empty() || name.size() >= names_size - at || names[at + name.size()] != '\0' ||
            std::memcmp(names + at, name.data(), name.size()) != 0) {
          continue;
        }
        const unsigned type = GELF_ST_TYPE(sym.st_info);
        if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF) return;
        found[i].push_back({sym.st_value, sym.st_size,
                            static_cast<unsigned char>(GELF_ST_BIND(sym.st_info)),
                            static_cast<unsigned char>(type), sym.st_shndx, n});
        return;
      }
    };
    // From 1: entry 0 is the reserved null symbol.
    ForEachSymbolLocked(1, symtab_count,
                        [names, last, &prefixes, &prefix, &candidate](size_t n, const auto& sym) {
                          const size_t at = sym.st_name;
                          if (at <= last && prefixes[prefix(names + at)]) [[unlikely]] {
                            candidate(n, sym);
                          }
                          return true;
                        });
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    symbols.try_emplace(std::string(wanted[i]), std::move(found[i]));
  }
}

void DebugInfo::PrefetchSymbols(std::initializer_list<std::string_view> names) const {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->LoadSymbolsLocked().ok()) return;  // Symbol() reports it
  std::vector<std::string_view> missing;
  for (std::string_view name : names) {
    if (!name.empty() && !impl_->symbols.contains(std::string(name))) missing.push_back(name);
  }
  if (!missing.empty()) impl_->ScanSymbolsLocked(missing);
}

Expected<RawSymbol> DebugInfo::Impl::PickSymbolLocked(std::string_view name) const {
  CSD_RETURN_IF_ERROR(LoadSymbolsLocked());
  if (name.empty()) return Error(ErrorCode::kInvalidArgument, "empty symbol name");
  auto it = symbols.find(std::string(name));
  if (it == symbols.end()) {
    ScanSymbolsLocked(std::span(&name, 1));
    it = symbols.find(std::string(name));
  }
  if (it->second.empty()) {
    return Error(ErrorCode::kLookup,
                 fmt::format("symbol '{}' not found in .symtab of {}", name, File()));
  }
  const std::vector<RawSymbol>& candidates = it->second;
  // A global beats any number of same-named statics; STB_GLOBAL beats STB_WEAK.
  const RawSymbol* best_global = nullptr;
  for (const RawSymbol& sym : candidates) {
    if (sym.binding == STB_GLOBAL) {
      best_global = &sym;
      break;
    }
    if (sym.binding == STB_WEAK && best_global == nullptr) best_global = &sym;
  }
  if (best_global != nullptr) return *best_global;
  std::set<std::pair<size_t, uint64_t>> addresses;
  for (const RawSymbol& sym : candidates) {
    addresses.insert({image.relocatable() ? sym.section_index : 0, sym.address});
  }
  if (addresses.size() > 1) {
    std::string list;
    for (const auto& entry : addresses)
      list += fmt::format("{}{:#x}", list.empty() ? "" : ", ", entry.second);
    return Error(ErrorCode::kLookup,
                 fmt::format("symbol '{}' is ambiguous in {}: {} local (static) definitions at "
                             "{} and no global one",
                             name, File(), candidates.size(), list));
  }
  return candidates.front();
}

Expected<SymbolInfo> DebugInfo::Impl::SymbolLocked(std::string_view name) const {
  CSD_ASSIGN_OR_RETURN(RawSymbol picked, PickSymbolLocked(name));
  SymbolInfo info;
  info.name = std::string(name);
  info.address = picked.address;
  info.size = picked.size;
  info.global = picked.binding == STB_GLOBAL || picked.binding == STB_WEAK;
  // Only a relocatable object's addresses are section offsets.
  if (image.relocatable()) info.section = image.SectionNameAt(picked.section_index);
  return info;
}

Expected<SymbolInfo> DebugInfo::Symbol(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->SymbolLocked(name);
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

// Code symbols of the file `index` (a local symbol) belongs to, nearest first:
// the linker copies each object's local symbols after its STT_FILE entry, so
// the run between two STT_FILE entries is one source file's statics, its static
// functions and (arm, arm64) its $x/$d mapping symbols among them.
std::vector<uint64_t> DebugInfo::Impl::CodeNearLocked(size_t index) const {
  std::vector<uint64_t> code;
  bool down = true;
  bool up = true;
  auto visit = [&](size_t at, bool& open) {
    std::optional<GElf_Sym> sym = SymbolAtLocked(at);
    if (!sym || GELF_ST_TYPE(sym->st_info) == STT_FILE || GELF_ST_BIND(sym->st_info) != STB_LOCAL) {
      open = false;  // the file's run ends here
      return;
    }
    const unsigned type = GELF_ST_TYPE(sym->st_info);
    if ((type == STT_FUNC || type == STT_NOTYPE) && image.IsCode(sym->st_shndx) &&
        std::find(code.begin(), code.end(), sym->st_value) == code.end()) {
      code.push_back(sym->st_value);
    }
  };
  for (size_t step = 1; step <= kMaxFileGroupWalk && (down || up); ++step) {
    if (down) {
      if (index <= step) {
        down = false;  // entry 0 is the null symbol
      } else {
        visit(index - step, down);
      }
    }
    if (code.size() >= kMaxAnchorAddresses) break;
    if (up) {
      if (index + step >= first_global) {
        up = false;  // globals follow every file's locals
      } else {
        visit(index + step, up);
      }
    }
    if (code.size() >= kMaxAnchorAddresses) break;
  }
  return code;
}

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
    CSD_ASSIGN_OR_RETURN(RawSymbol sym, PickSymbolLocked(symbol));
    // The symbol's own address first: a function's unit needs nothing else.
    std::vector<uint64_t> addresses{sym.address};
    const bool file_local = sym.binding == STB_LOCAL && sym.index < first_global;
    if (sym.type != STT_FUNC && file_local) {
      for (uint64_t code : CodeNearLocked(sym.index)) {
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
