// SPDX-License-Identifier: MIT
#include "debuginfo/dwarf_index.h"

#include <dwarf.h>
#include <fmt/format.h>

#include <utility>
#include <vector>

namespace csd::debuginfo_detail {

// ---------------------------------------------------------------- the scan

void DwarfTypeIndex::IndexUnit(Dwarf_Die* unit) const {
  Dwarf_Die child;
  if (dwarf_child(unit, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (tag != DW_TAG_structure_type && tag != DW_TAG_variable) continue;
    const char* name = dwarf_diename(&child);  // follows DW_AT_specification
    if (name == nullptr) continue;
    bool declaration = IsDeclaration(&child);
    if (tag == DW_TAG_structure_type) {
      if (declaration) {
        declared_only_.insert(name);
      } else {
        struct_dies_.try_emplace(name, child);
      }
      continue;
    }
    // A variable definition has a location; gcc may also split it into a
    // declaration plus a definition DIE pointing at it via DW_AT_specification.
    if (declaration) continue;
    if (dwarf_hasattr(&child, DW_AT_location) || dwarf_hasattr(&child, DW_AT_specification)) {
      variable_dies_.try_emplace(name, child);
    }
  } while (NextSibling(&child) == 0);
}

// Indexes the next unit in order until done() says the lookups have what
// they need, or every unit is read.
template <typename Done>
void DwarfTypeIndex::ScanUntil(Done done) const {
  if (!scan_done_) {
    if (auto status = dwarf_.Ensure(); !status.ok()) {
      scan_done_ = true;
      scan_error_ = status.error();
    }
  }
  while (!scan_done_ && !done()) {
    Dwarf_CU* next = nullptr;
    Dwarf_Half version;
    uint8_t unit_type;
    Dwarf_Die unit_die;
    int rc = dwarf_get_units(dwarf_.handle(), scan_cursor_, &next, &version, &unit_type, &unit_die,
                             nullptr);
    if (rc != 0) {
      scan_done_ = true;
      if (rc < 0) {
        scan_error_ = Error(
            ErrorCode::kCorrupt,
            fmt::format("{}: DWARF unit list is unreadable: {}", image_.File(), dwarf_errmsg(-1)));
      }
      break;
    }
    scan_cursor_ = next;
    IndexUnit(&unit_die);
  }
}

// Indexes the unit of the first anchor whose unit is known, once, unless the
// struct is known already. Any failure leaves the ordinary scan to find it.
void DwarfTypeIndex::Anchor(std::string_view name,
                            std::span<const std::string_view> anchors) const {
  if (struct_by_name_.contains(name) || struct_dies_.contains(name)) return;
  for (std::string_view anchor : anchors) {
    auto unit = units_.UnitOf(anchor);
    if (!unit.ok()) continue;
    if (anchored_units_.insert(unit->offset).second) {
      Dwarf_Die die;
      if (units_.UnitDie(unit->offset, &die)) IndexUnit(&die);
    }
    return;
  }
}

// ---------------------------------------------------------------- structs

Expected<const StructDetail*> DwarfTypeIndex::StructByDie(Dwarf_Die die) const {
  const void* key = die.addr;
  auto it = struct_by_die_.find(key);
  if (it == struct_by_die_.end()) {
    Expected<StructDetail> built = BuildStruct(&die, Context());
    if (!built.ok()) {
      built = Error(std::move(built).error().AddContext(fmt::format("reading {}", image_.File())));
    }
    it = struct_by_die_.emplace(key, std::move(built)).first;
  }
  if (!it->second.ok()) return it->second.error();
  return &it->second.value();
}

Expected<const StructDetail*> DwarfTypeIndex::StructByName(std::string_view name) const {
  auto cached = struct_by_name_.find(name);
  if (cached != struct_by_name_.end()) return cached->second;

  std::string key(name);
  ScanUntil([&] { return struct_dies_.contains(std::string_view(key)); });
  Expected<const StructDetail*> result = Error(ErrorCode::kLookup, "");
  auto found = struct_dies_.find(key);
  if (found != struct_dies_.end()) {
    result = StructByDie(found->second);
  } else if (scan_error_) {
    result = Error(scan_error_->code(),
                   fmt::format("struct {} not found: {}", name, scan_error_->message()));
  } else if (declared_only_.contains(key)) {
    result = Error(ErrorCode::kLookup,
                   fmt::format("struct {} is only declared, never defined, in the DWARF of {}",
                               name, image_.File()));
  } else {
    result = Error(ErrorCode::kLookup,
                   fmt::format("struct {} not found in the DWARF of {}", name, image_.File()));
  }
  struct_by_name_.emplace(std::move(key), result);
  return result;
}

Expected<StructLayout> DwarfTypeIndex::Struct(std::string_view name,
                                              std::span<const std::string_view> anchors) const {
  Anchor(name, anchors);
  CSD_ASSIGN_OR_RETURN(const StructDetail* detail, StructByName(name));
  return detail->layout;
}

// ---------------------------------------------------------------- member paths

Expected<MemberLayout> DwarfTypeIndex::MemberPath(std::string_view struct_name,
                                                  std::string_view path,
                                                  std::span<const std::string_view> anchors) const {
  Anchor(struct_name, anchors);
  return FindMemberPath(struct_name, path);
}

Expected<MemberLayout> DwarfTypeIndex::FindMemberPath(std::string_view struct_name,
                                                      std::string_view member_path) const {
  CSD_ASSIGN_OR_RETURN(const StructDetail* current, StructByName(struct_name));
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
                               member_path, struct_name, where, component, image_.File()));
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
                               member_path, struct_name, walked, member.type_name, image_.File()));
    }
    CSD_ASSIGN_OR_RETURN(current, StructByDie(*aggregate));
    base = member.offset;
    rest = rest.substr(dot + 1);
  }
}

// ---------------------------------------------------------------- variables

Expected<MemberLayout> DwarfTypeIndex::VariableType(std::string_view name) const {
  auto cached = variable_cache_.find(name);
  if (cached != variable_cache_.end()) return cached->second;

  std::string key(name);
  ScanUntil([&] { return variable_dies_.contains(std::string_view(key)); });
  Expected<MemberLayout> result = Error(ErrorCode::kLookup, "");
  auto found = variable_dies_.find(key);
  if (found == variable_dies_.end()) {
    result =
        scan_error_
            ? Error(scan_error_->code(),
                    fmt::format("variable '{}' not found: {}", name, scan_error_->message()))
            : Error(ErrorCode::kLookup,
                    fmt::format("no DWARF definition of variable '{}' in {}", name, image_.File()));
  } else {
    Dwarf_Die die = found->second;
    Dwarf_Die type;
    int rc = TypeOf(&die, &type);
    if (rc < 0) {
      result = Error(ErrorCode::kCorrupt, fmt::format("variable '{}' has an unreadable type in {}",
                                                      name, image_.File()));
    } else {
      auto desc = DescribeType(rc == 1 ? &type : nullptr, Context());
      if (!desc.ok()) {
        result = Error(std::move(desc).error().AddContext(
            fmt::format("type of variable '{}' in {}", name, image_.File())));
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
  variable_cache_.emplace(std::move(key), result);
  return result;
}

}  // namespace csd::debuginfo_detail
