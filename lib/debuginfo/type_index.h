// SPDX-License-Identifier: MIT
// What DebugInfo's type lookups go through: struct layouts, member paths and
// variable types of one kernel image by name. The DWARF index
// (dwarf_index.h) is one; another (BTF read from the dump) can answer in its
// place without anything above DebugInfo telling the difference.
#pragma once

#include <span>
#include <string_view>

#include "base/error.h"
#include "debuginfo/debug_info.h"

namespace csd {

class TypeIndex {
 public:
  virtual ~TypeIndex() = default;

  // The complete definition of `struct name` (declarations are skipped).
  // `anchors` name symbols of the source file most likely to define it: an
  // index that has to search for a struct may look there first, and the
  // answer is the same either way, but for a struct defined differently in
  // two files (see DebugInfo::Struct). An index that needs no search ignores
  // them. kLookup when there is no definition.
  virtual Expected<StructLayout> Struct(std::string_view name,
                                        std::span<const std::string_view> anchors) const = 0;
  // A dotted member path inside a struct ("dev.kobj.name"), offsets summed;
  // paths do not follow pointers. The struct is found as by Struct().
  virtual Expected<MemberLayout> MemberPath(std::string_view struct_name, std::string_view path,
                                            std::span<const std::string_view> anchors) const = 0;
  // The type of a global or static variable, as MemberLayout (name = the
  // variable, offset 0).
  virtual Expected<MemberLayout> VariableType(std::string_view name) const = 0;
};

}  // namespace csd
