// SPDX-License-Identifier: MIT
// DebugInfo is a facade: the file (ElfImage), its DWARF session, its symbol
// table, its unit locator and its DWARF index each live in a file of their
// own, and the lookups go through the SymbolTable and TypeIndex interfaces,
// so that another source of symbols and types can answer them.
#include "debuginfo/debug_info.h"

#include <fmt/format.h>

#include <mutex>
#include <span>
#include <utility>

#include "debuginfo/dwarf_index.h"
#include "debuginfo/dwarf_session.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/elf_symtab.h"
#include "debuginfo/symbol_table.h"
#include "debuginfo/type_index.h"
#include "debuginfo/unit_locator.h"

namespace csd {

using debuginfo_detail::DwarfSession;
using debuginfo_detail::DwarfTypeIndex;
using debuginfo_detail::ElfImage;
using debuginfo_detail::ElfSymbolTable;
using debuginfo_detail::UnitLocator;

namespace {

std::span<const std::string_view> Span(std::initializer_list<std::string_view> list) {
  return {list.begin(), list.size()};
}

}  // namespace

struct DebugInfo::Impl {
  Impl(ElfImage elf_image, DwarfSession dwarf_session)
      : image(std::move(elf_image)),
        dwarf(std::move(dwarf_session)),
        elf_symbols(image),
        units(image, elf_symbols, dwarf),
        dwarf_types(image, dwarf, units) {}

  // Declaration order = reverse destruction order: each component reads the
  // ones above it, the DWARF index keeps DIEs of the locator's unit views,
  // and libdw borrows the Elf.
  ElfImage image;
  DwarfSession dwarf;
  ElfSymbolTable elf_symbols;
  UnitLocator units;
  DwarfTypeIndex dwarf_types;

  // Where the lookups go.
  const SymbolTable& symbols = elf_symbols;
  const TypeIndex& types = dwarf_types;

  // The components fill their caches lazily, and libelf/libdw calls change
  // the state of the one Elf they all read: one mutex serialises every lookup.
  std::mutex mutex;
};

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

Expected<SymbolInfo> DebugInfo::Symbol(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->symbols.Symbol(name);
}

void DebugInfo::PrefetchSymbols(std::initializer_list<std::string_view> names) const {
  std::lock_guard lock(impl_->mutex);
  impl_->symbols.Prefetch(Span(names));
}

Expected<StructLayout> DebugInfo::Struct(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->types.Struct(name, {});
}

Expected<StructLayout> DebugInfo::Struct(std::string_view name,
                                         std::initializer_list<std::string_view> anchors) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->types.Struct(name, Span(anchors));
}

Expected<MemberLayout> DebugInfo::MemberPath(std::string_view struct_name,
                                             std::string_view path) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->types.MemberPath(struct_name, path, {});
}

Expected<MemberLayout> DebugInfo::MemberPath(
    std::string_view struct_name, std::string_view path,
    std::initializer_list<std::string_view> anchors) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->types.MemberPath(struct_name, path, Span(anchors));
}

Expected<DebugInfo::CompileUnit> DebugInfo::UnitOf(std::string_view symbol) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->units.UnitOf(symbol);
}

Expected<MemberLayout> DebugInfo::VariableType(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->types.VariableType(name);
}

Expected<std::vector<std::byte>> DebugInfo::ReadLinkTime(uint64_t address, uint64_t size) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->image.ReadLinkTime(address, size);
}

}  // namespace csd
