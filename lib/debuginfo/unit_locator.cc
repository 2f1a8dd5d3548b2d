// SPDX-License-Identifier: MIT
#include "debuginfo/unit_locator.h"

#include <dwarf.h>
#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "debuginfo/dwarf_units.h"
#include "debuginfo/elf_handles.h"
#include "debuginfo/type_layout.h"

namespace csd::debuginfo_detail {

namespace {

// UnitOf of a static variable: how far its file's run of local symbols is
// walked each way for code symbols, how many of their addresses are looked
// up in .debug_aranges, and how many of the units found are checked for the
// variable. A real file has a code symbol within a few entries of each static.
constexpr size_t kMaxFileGroupWalk = 8192;
constexpr size_t kMaxAnchorAddresses = 16;
constexpr size_t kMaxAnchorUnits = 4;
// One-unit views a locator keeps at most; further units are read through the
// whole file's session.
constexpr size_t kMaxUnitViews = 64;

// Whether `unit` defines (not merely declares) a file-scope variable `name`.
bool UnitDefinesVariable(Dwarf_Die* unit, std::string_view name) {
  Dwarf_Die child;
  if (dwarf_child(unit, &child) != 0) return false;
  do {
    if (dwarf_tag(&child) != DW_TAG_variable) continue;
    const char* found = dwarf_diename(&child);
    if (found == nullptr || name != found || IsDeclaration(&child)) continue;
    if (dwarf_hasattr(&child, DW_AT_location) || dwarf_hasattr(&child, DW_AT_specification)) {
      return true;
    }
  } while (NextSibling(&child) == 0);
  return false;
}

}  // namespace

// A second libelf/libdw session over the same file whose .debug_info is cut
// down to one unit. libdw reaches a unit only after reading the header of
// every unit before it (a page fault and an allocation each), where a view
// starts at the unit it is for. Its DIEs are the same bytes of the same file,
// mapped a second time, so a view is made only for a unit that reads the same
// cut out (dwarf_units.h: SelfContainedUnit) and only from uncompressed
// sections (the view's offsets are the file's).
//
// The libelf caveat: the cut is made by narrowing d_buf and d_size of the
// view's own .debug_info Elf_Data before libdw first looks (libdw keeps that
// Elf_Data). The Elf_Data is libelf's, and elf_end releases what it points
// at, so the view puts the whole section back before its Elf ends, and only
// after its Dwarf, which reads through it, has ended.
class UnitLocator::UnitView {
 public:
  // nullptr when no view of the unit at `offset` can be made.
  static std::unique_ptr<UnitView> Make(const ElfImage& image, uint64_t offset);

  UnitView(const UnitView&) = delete;
  UnitView& operator=(const UnitView&) = delete;
  ~UnitView() {
    dwarf_.reset();  // before the Elf it reads, which gets its section back
    if (info_ != nullptr) {
      info_->d_buf = whole_buf_;
      info_->d_size = whole_size_;
    }
  }

  Dwarf* dwarf() const { return dwarf_.get(); }
  Dwarf_Off die_offset() const { return die_offset_; }  // of the unit DIE, in the view

 private:
  UnitView() = default;

  ElfPtr elf_;
  DwarfPtr dwarf_;
  Elf_Data* info_ = nullptr;  // the view's .debug_info, d_buf/d_size narrowed to the unit
  Dwarf_Off die_offset_ = 0;
  void* whole_buf_ = nullptr;
  size_t whole_size_ = 0;
};

std::unique_ptr<UnitLocator::UnitView> UnitLocator::UnitView::Make(const ElfImage& image,
                                                                   uint64_t offset) {
  std::optional<std::span<const std::byte>> info;
  std::optional<std::span<const std::byte>> abbrev;
  for (size_t i = 0; i < image.sections().size(); ++i) {
    const std::string& name = image.sections()[i].name;
    if (name != ".debug_info" && name != ".debug_abbrev") continue;
    Elf_Scn* scn = image.Section(i);
    GElf_Shdr shdr;
    if (scn == nullptr || gelf_getshdr(scn, &shdr) == nullptr ||
        (shdr.sh_flags & SHF_COMPRESSED) != 0) {
      return nullptr;
    }
    const Elf_Data* data = elf_rawdata(scn, nullptr);
    if (data == nullptr || data->d_buf == nullptr) {
      (name == ".debug_info" ? info : abbrev).reset();
    } else {
      (name == ".debug_info" ? info : abbrev) =
          std::span(static_cast<const std::byte*>(data->d_buf), data->d_size);
    }
  }
  if (!info || !abbrev) return nullptr;
  const std::optional<UnitExtent> extent =
      SelfContainedUnit(*info, *abbrev, image.endian(), offset);
  if (!extent) return nullptr;

  std::unique_ptr<UnitView> view(new UnitView());
  view->elf_.reset(elf_begin(image.fd(), ELF_C_READ_MMAP, nullptr));
  size_t shstrndx = 0;
  if (!view->elf_ || elf_getshdrstrndx(view->elf_.get(), &shstrndx) != 0) return nullptr;
  Elf_Data* view_info = nullptr;
  for (Elf_Scn* scn = elf_nextscn(view->elf_.get(), nullptr); scn != nullptr;
       scn = elf_nextscn(view->elf_.get(), scn)) {
    GElf_Shdr shdr;
    if (gelf_getshdr(scn, &shdr) == nullptr) return nullptr;
    const char* name = elf_strptr(view->elf_.get(), shstrndx, shdr.sh_name);
    if (name == nullptr || std::strcmp(name, ".debug_info") != 0) continue;
    if (view_info != nullptr) return nullptr;  // twice: libdw would take the first
    view_info = elf_getdata(scn, nullptr);
  }
  // The same bytes as the session's (read in place, no conversion): narrow
  // them to the unit before libdw looks.
  if (view_info == nullptr || view_info->d_buf == nullptr || view_info->d_size != info->size()) {
    return nullptr;
  }
  view->info_ = view_info;
  view->whole_buf_ = view_info->d_buf;
  view->whole_size_ = view_info->d_size;
  view_info->d_buf = static_cast<char*>(view_info->d_buf) + offset;
  view_info->d_size = extent->end - offset;
  view->dwarf_.reset(dwarf_begin_elf(view->elf_.get(), DWARF_C_READ, nullptr));
  // The view's only unit starts at 0; its DIE follows the header.
  Dwarf_Off next = 0;
  size_t header_size = 0;
  if (!view->dwarf_ || dwarf_next_unit(view->dwarf_.get(), 0, &next, &header_size, nullptr, nullptr,
                                       nullptr, nullptr, nullptr, nullptr) != 0) {
    return nullptr;
  }
  view->die_offset_ = header_size;
  return view;
}

UnitLocator::UnitLocator(const ElfImage& image, const ElfSymbolTable& symbols,
                         const DwarfSession& dwarf)
    : image_(image), symbols_(symbols), dwarf_(dwarf) {}

UnitLocator::~UnitLocator() = default;

// From a view of that unit alone where one can be made, else from the whole
// file's session.
bool UnitLocator::UnitDie(uint64_t offset, Dwarf_Die* unit) const {
  Dwarf* const whole = dwarf_.handle();
  if (whole == nullptr) return false;  // the DWARF is not open
  auto view = views_.find(offset);
  if (view == views_.end() && views_.size() < kMaxUnitViews) {
    view = views_.emplace(offset, UnitView::Make(image_, offset)).first;
  }
  Dwarf* handle = whole;
  Dwarf_Off die = 0;
  if (view != views_.end() && view->second) {
    handle = view->second->dwarf();
    die = view->second->die_offset();
  } else {
    Dwarf_Off next = 0;
    size_t header_size = 0;
    if (dwarf_next_unit(whole, offset, &next, &header_size, nullptr, nullptr, nullptr, nullptr,
                        nullptr, nullptr) != 0) {
      return false;
    }
    die = offset + header_size;
  }
  if (dwarf_offdie(handle, die, unit) == nullptr) return false;
  const int tag = dwarf_tag(unit);
  return tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit;
}

Expected<DebugInfo::CompileUnit> UnitLocator::UnitOf(std::string_view symbol) const {
  auto cached = unit_of_symbol_.find(symbol);
  if (cached != unit_of_symbol_.end()) return cached->second;
  auto answer = [&]() -> Expected<DebugInfo::CompileUnit> {
    if (image_.relocatable()) {
      // Section-relative addresses; a module has a unit or two anyway.
      return Error(
          ErrorCode::kUnsupported,
          fmt::format("{} is relocatable: its units are not found by address", image_.File()));
    }
    CSD_RETURN_IF_ERROR(dwarf_.Ensure());
    CSD_ASSIGN_OR_RETURN(ElfSymbol sym, symbols_.Pick(symbol));
    // The symbol's own address first: a function's unit needs nothing else.
    std::vector<uint64_t> addresses{sym.address};
    const bool file_local = symbols_.InFileRun(sym);
    if (sym.type != STT_FUNC && file_local) {
      for (uint64_t code : symbols_.CodeNear(sym.index, kMaxFileGroupWalk, kMaxAnchorAddresses)) {
        if (code != sym.address) addresses.push_back(code);
      }
    }
    // For each address, the unit whose .debug_aranges ranges hold it.
    const std::optional<std::span<const std::byte>> aranges = image_.RawSection(".debug_aranges");
    const std::vector<std::optional<uint64_t>> units =
        aranges ? UnitsOfAddresses(*aranges, image_.endian(), addresses)
                : std::vector<std::optional<uint64_t>>(addresses.size());
    std::vector<uint64_t> tried;
    for (const std::optional<uint64_t>& unit : units) {
      if (!unit || std::find(tried.begin(), tried.end(), *unit) != tried.end()) continue;
      if (tried.size() == kMaxAnchorUnits) break;
      tried.push_back(*unit);
      Dwarf_Die die;
      if (!UnitDie(*unit, &die)) continue;
      // A function's range is its unit's own; a variable must be defined by
      // the unit its neighbours' code came from (a file without an STT_FILE
      // entry would otherwise lend it the previous file's unit).
      if (sym.type != STT_FUNC && !UnitDefinesVariable(&die, symbol)) continue;
      const char* name = dwarf_diename(&die);
      return DebugInfo::CompileUnit{*unit, name ? name : ""};
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
    return Error(ErrorCode::kLookup,
                 fmt::format("the compile unit of '{}' in {} cannot be told: {}", symbol,
                             image_.File(), why));
  }();
  return unit_of_symbol_.emplace(std::string(symbol), std::move(answer)).first->second;
}

}  // namespace csd::debuginfo_detail
