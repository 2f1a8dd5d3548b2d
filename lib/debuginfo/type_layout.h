// SPDX-License-Identifier: MIT
// DWARF type DIE -> MemberLayout/StructLayout. Internal to the debuginfo
// module; DwarfSession owns the Dwarf handle and DwarfTypeIndex the caches,
// this file only interprets DIEs. Every walk is depth-bounded because the DWARF comes from a
// file we do not trust (a cyclic type chain must be an error, not a crash).
#pragma once

#include <elfutils/libdw.h>

#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/error.h"
#include "debuginfo/debug_info.h"

namespace csd::debuginfo_detail {

struct DwarfContext {
  unsigned address_size = 8;  // fallback when a CU does not say
  Endian endian = Endian::kLittle;
};

// What a member (or variable) of a given type looks like, minus its name and
// offset. `aggregate` is the struct/union DIE (after stripping typedefs and
// qualifiers) for kStruct/kUnion, so a member path can descend into anonymous
// types that cannot be looked up by name.
struct TypeDescription {
  MemberLayout::Kind kind = MemberLayout::Kind::kOther;
  uint64_t size = 0;
  bool is_signed = false;
  std::string type_name;
  std::string target_struct;
  std::optional<Dwarf_Die> aggregate;
};

struct StructDetail {
  StructLayout layout;
  // Parallel to layout.members: the member's struct/union type DIE, if any.
  std::vector<std::optional<Dwarf_Die>> member_aggregates;
};

// `type` may be null (void).
Expected<TypeDescription> DescribeType(Dwarf_Die* type, const DwarfContext& ctx);
// `die` is a DW_TAG_structure_type/union_type with a body.
Expected<StructDetail> BuildStruct(Dwarf_Die* die, const DwarfContext& ctx);

// True when the DIE carries DW_AT_declaration (an incomplete type or an
// extern variable declaration).
bool IsDeclaration(Dwarf_Die* die);
// dwarf_siblingof in place, which also fails when the chain does not move
// forward: a hostile DW_AT_sibling pointing backwards would otherwise make a
// sibling loop spin forever. 0: *die is the next sibling, 1: no more, -1: error.
int NextSibling(Dwarf_Die* die);
// The DW_AT_type of `die`: 1 with *out set, 0 when there is none (void), -1 on error.
int TypeOf(Dwarf_Die* die, Dwarf_Die* out);

}  // namespace csd::debuginfo_detail
