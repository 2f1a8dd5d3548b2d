// SPDX-License-Identifier: MIT
// Struct layouts, member paths and variable types from one file's DWARF, as
// a TypeIndex. Lookups are targeted and cached: the top-level DIEs of each
// unit are indexed by name only as far as the lookups asked so far need
// (every unit is read once, in order), and a struct's layout is built when
// it is first asked for. With anchors, the unit that defines the first
// anchor whose unit can be told (unit_locator.h) is indexed first, out of
// order: the definition that unit sees then wins over an earlier one of the
// same name, unless a lookup had already found that one. Internal to the
// debuginfo module, and not synchronised (see elf_image.h).
#pragma once

#include <elfutils/libdw.h>

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "base/error.h"
#include "debuginfo/dwarf_session.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/type_index.h"
#include "debuginfo/type_layout.h"
#include "debuginfo/unit_locator.h"

namespace csd::debuginfo_detail {

class DwarfTypeIndex final : public TypeIndex {
 public:
  // All three must outlive the index. A relocatable object's DWARF is
  // relocated (DwarfSession::Ensure) by the first lookup.
  DwarfTypeIndex(const ElfImage& image, const DwarfSession& dwarf, const UnitLocator& units)
      : image_(image), dwarf_(dwarf), units_(units) {}
  DwarfTypeIndex(const DwarfTypeIndex&) = delete;
  DwarfTypeIndex& operator=(const DwarfTypeIndex&) = delete;

  Expected<StructLayout> Struct(std::string_view name,
                                std::span<const std::string_view> anchors) const override;
  Expected<MemberLayout> MemberPath(std::string_view struct_name, std::string_view path,
                                    std::span<const std::string_view> anchors) const override;
  Expected<MemberLayout> VariableType(std::string_view name) const override;

 private:
  void IndexUnit(Dwarf_Die* unit) const;
  template <typename Done>
  void ScanUntil(Done done) const;
  void Anchor(std::string_view name, std::span<const std::string_view> anchors) const;
  Expected<const StructDetail*> StructByName(std::string_view name) const;
  Expected<const StructDetail*> StructByDie(Dwarf_Die die) const;
  Expected<MemberLayout> FindMemberPath(std::string_view struct_name,
                                        std::string_view member_path) const;
  DwarfContext Context() const { return {image_.pointer_size(), image_.endian()}; }

  const ElfImage& image_;
  const DwarfSession& dwarf_;
  const UnitLocator& units_;

  // The in-order scan over the top-level DIEs of each unit.
  mutable Dwarf_CU* scan_cursor_ = nullptr;
  mutable bool scan_done_ = false;
  mutable std::optional<Error> scan_error_;
  // Keys point into the mapped .debug_str (valid as long as the Dwarf is):
  // a distro vmlinux has hundreds of thousands of these names, and copying
  // each into a std::string was most of the scan's cost.
  mutable std::unordered_map<std::string_view, Dwarf_Die> struct_dies_;    // first definition
  mutable std::unordered_map<std::string_view, Dwarf_Die> variable_dies_;  // first definition
  mutable std::unordered_set<std::string_view> declared_only_;             // seen as declaration
  // Units indexed out of scan order for an anchor, by offset.
  mutable std::set<uint64_t> anchored_units_;

  mutable std::map<std::string, Expected<const StructDetail*>, std::less<>> struct_by_name_;
  // Keyed by the DIE's address in the mapped section: unlike dwarf_dieoffset,
  // unique across .debug_info and .debug_types (and one-unit views).
  mutable std::map<const void*, Expected<StructDetail>> struct_by_die_;
  mutable std::map<std::string, Expected<MemberLayout>, std::less<>> variable_cache_;
};

}  // namespace csd::debuginfo_detail
