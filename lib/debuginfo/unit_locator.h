// SPDX-License-Identifier: MIT
// Which compile unit defines a symbol, and that unit's DIE, without libdw
// walking every unit before it. Without .debug_names (gcc emits none) libdw
// finds a unit by reading the header of every unit before it, and finds a
// struct by name only by walking the top-level DIEs of all those units; a
// struct private to one .c file, or defined only by code linked late (the
// CoreSight drivers), then costs a scan of thousands of units. Told a
// symbol of that file (an anchor), the DWARF index reads the one unit
// instead.
//
// A function's unit comes from .debug_aranges (read in place, dwarf_units.h);
// a static variable's from the code symbols next to it in its source file's
// run of local symbols, if that unit's DWARF defines a variable of that
// name. A unit is read through a one-unit view of the file where one can be
// made (unit_locator.cc says how, and what libelf requires of it), else
// through the file's own session. Internal to the debuginfo module, and not
// synchronised (see elf_image.h).
#pragma once

#include <elfutils/libdw.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/dwarf_session.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/elf_symtab.h"

namespace csd::debuginfo_detail {

class UnitLocator {
 public:
  // All three must outlive the locator.
  UnitLocator(const ElfImage& image, const ElfSymbolTable& symbols, const DwarfSession& dwarf);
  UnitLocator(const UnitLocator&) = delete;
  UnitLocator& operator=(const UnitLocator&) = delete;
  ~UnitLocator();

  // See DebugInfo::UnitOf: kUnsupported for a relocatable object, kLookup
  // when the unit cannot be told (the message says why). Answered once per
  // symbol; later calls return the first answer.
  Expected<DebugInfo::CompileUnit> UnitOf(std::string_view symbol) const;

  // The unit DIE of the unit whose header is at `offset` in .debug_info,
  // when there is a compile or partial unit there. The DIE (and any DIE
  // reached from it) stays valid as long as the locator does. Call after
  // UnitOf has succeeded once (the DWARF is then open).
  bool UnitDie(uint64_t offset, Dwarf_Die* unit) const;

 private:
  class UnitView;

  const ElfImage& image_;
  const ElfSymbolTable& symbols_;
  const DwarfSession& dwarf_;
  // One-unit views, by unit offset (null: none could be made for that unit).
  mutable std::map<uint64_t, std::unique_ptr<UnitView>> views_;
  mutable std::map<std::string, Expected<DebugInfo::CompileUnit>, std::less<>> unit_of_symbol_;
};

}  // namespace csd::debuginfo_detail
