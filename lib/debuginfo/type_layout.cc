// SPDX-License-Identifier: MIT
#include "debuginfo/type_layout.h"

#include <dwarf.h>
#include <fmt/format.h>

#include <cstring>
#include <span>
#include <string_view>

namespace csd::debuginfo_detail {
namespace {

using Kind = MemberLayout::Kind;

// Real kernels nest typedef/qualifier/pointer/array chains a handful of levels
// deep and anonymous members two or three; 64 only stops cycles in bad DWARF.
constexpr int kMaxDepth = 64;

Error Corrupt(std::string message) {
  return Error(ErrorCode::kCorrupt, std::move(message));
}

std::string DieLabel(Dwarf_Die* die) {
  const char* name = dwarf_diename(die);
  return fmt::format("DIE 0x{:x}{}{}", dwarf_dieoffset(die), name ? " " : "", name ? name : "");
}

Error DepthError(Dwarf_Die* die) {
  return Corrupt(fmt::format("DWARF type chain deeper than {} at {} (cyclic type?)", kMaxDepth,
                             DieLabel(die)));
}

bool IsQualifierTag(int tag) {
  switch (tag) {
    case DW_TAG_typedef:
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: return true;
    default: return false;
  }
}

// Follows typedefs and qualifiers: the type that decides kind and size.
// nullopt = void.
Expected<std::optional<Dwarf_Die>> Strip(Dwarf_Die type) {
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    if (!IsQualifierTag(dwarf_tag(&type))) return std::optional<Dwarf_Die>(type);
    Dwarf_Die next;
    int rc = TypeOf(&type, &next);
    if (rc < 0) return Corrupt(fmt::format("bad DW_AT_type at {}", DieLabel(&type)));
    if (rc == 0) return std::optional<Dwarf_Die>();  // const void
    type = next;
  }
  return DepthError(&type);
}

// An unsigned attribute value; nullopt when absent or not a constant.
std::optional<uint64_t> UnsignedAttr(Dwarf_Die* die, unsigned name) {
  Dwarf_Attribute attr;
  Dwarf_Word value;
  if (dwarf_attr_integrate(die, name, &attr) == nullptr) return std::nullopt;
  if (dwarf_formudata(&attr, &value) != 0) return std::nullopt;
  return value;
}

bool EnumIsSigned(Dwarf_Die* enum_die) {
  // DWARF 3+ producers give the underlying type; older ones only the values.
  Dwarf_Die underlying;
  if (TypeOf(enum_die, &underlying) == 1) {
    auto stripped = Strip(underlying);
    if (stripped.ok() && stripped->has_value()) {
      auto enc = UnsignedAttr(&**stripped, DW_AT_encoding);
      return enc && (*enc == DW_ATE_signed || *enc == DW_ATE_signed_char);
    }
  }
  Dwarf_Die child;
  if (dwarf_child(enum_die, &child) != 0) return false;
  do {
    if (dwarf_tag(&child) != DW_TAG_enumerator) continue;
    Dwarf_Attribute attr;
    Dwarf_Sword value;
    if (dwarf_attr(&child, DW_AT_const_value, &attr) != nullptr &&
        dwarf_whatform(&attr) == DW_FORM_sdata && dwarf_formsdata(&attr, &value) == 0 &&
        value < 0) {
      return true;
    }
  } while (NextSibling(&child) == 0);
  return false;
}

Expected<std::string> TypeName(Dwarf_Die* type, int depth);

// "ret inner(params)": inner is "(*)" for a function pointer, "" for a bare
// function type.
Expected<std::string> FunctionTypeName(Dwarf_Die* func, std::string_view inner, int depth) {
  if (depth > kMaxDepth) return DepthError(func);
  Dwarf_Die ret;
  int rc = TypeOf(func, &ret);
  if (rc < 0) return Corrupt(fmt::format("bad return type at {}", DieLabel(func)));
  CSD_ASSIGN_OR_RETURN(std::string text, TypeName(rc == 1 ? &ret : nullptr, depth + 1));
  std::string params;
  Dwarf_Die child;
  if (dwarf_child(func, &child) == 0) {
    do {
      int tag = dwarf_tag(&child);
      if (tag == DW_TAG_formal_parameter) {
        Dwarf_Die param;
        int prc = TypeOf(&child, &param);
        if (prc < 0) return Corrupt(fmt::format("bad parameter type at {}", DieLabel(&child)));
        CSD_ASSIGN_OR_RETURN(std::string param_name,
                             TypeName(prc == 1 ? &param : nullptr, depth + 1));
        if (!params.empty()) params += ", ";
        params += param_name;
      } else if (tag == DW_TAG_unspecified_parameters) {
        if (!params.empty()) params += ", ";
        params += "...";
      }
    } while (NextSibling(&child) == 0);
  }
  if (params.empty()) {
    bool prototyped = false;
    Dwarf_Attribute attr;
    if (dwarf_attr(func, DW_AT_prototyped, &attr) != nullptr) dwarf_formflag(&attr, &prototyped);
    if (prototyped) params = "void";
  }
  text += ' ';
  text += inner;
  text += '(';
  text += params;
  text += ')';
  return text;
}

std::string ArrayDims(Dwarf_Die* array) {
  std::string dims;
  Dwarf_Die child;
  if (dwarf_child(array, &child) == 0) {
    do {
      if (dwarf_tag(&child) != DW_TAG_subrange_type) continue;
      if (auto count = UnsignedAttr(&child, DW_AT_count)) {
        dims += fmt::format("[{}]", *count);
        continue;
      }
      Dwarf_Attribute attr;
      if (dwarf_attr(&child, DW_AT_upper_bound, &attr) == nullptr) {
        dims += "[]";  // flexible array member
      } else if (dwarf_whatform(&attr) == DW_FORM_sdata) {
        Dwarf_Sword upper = -1;
        dwarf_formsdata(&attr, &upper);
        dims += fmt::format("[{}]", upper >= 0 ? upper + 1 : 0);
      } else {
        // gcc spells a zero-length array's bound as an all-ones constant.
        Dwarf_Word upper = ~Dwarf_Word{0};
        if (dwarf_formudata(&attr, &upper) != 0) {
          dims += "[?]";  // a non-constant (VLA) bound
        } else {
          dims += fmt::format("[{}]", upper == ~Dwarf_Word{0} ? 0 : upper + 1);
        }
      }
    } while (NextSibling(&child) == 0);
  }
  return dims.empty() ? std::string("[]") : dims;
}

// A C-like spelling of the type: "unsigned int", "char *", "struct list_head",
// "const char *", "char [65]", "void (*)(struct device *)".
Expected<std::string> TypeName(Dwarf_Die* type, int depth) {
  if (type == nullptr) return std::string("void");
  if (depth > kMaxDepth) return DepthError(type);
  const char* raw_name = dwarf_diename(type);
  std::string name = raw_name ? raw_name : "";
  int tag = dwarf_tag(type);
  auto target_name = [&](Dwarf_Die* target, bool* is_function) -> Expected<std::string> {
    int rc = TypeOf(type, target);
    if (rc < 0) return Corrupt(fmt::format("bad DW_AT_type at {}", DieLabel(type)));
    *is_function = rc == 1 && dwarf_tag(target) == DW_TAG_subroutine_type;
    if (*is_function) return std::string();
    return TypeName(rc == 1 ? target : nullptr, depth + 1);
  };
  switch (tag) {
    case DW_TAG_base_type:
    case DW_TAG_typedef:
    case DW_TAG_unspecified_type: return name.empty() ? std::string("<unnamed>") : name;
    case DW_TAG_structure_type:
      return "struct " + (name.empty() ? std::string("<anonymous>") : name);
    case DW_TAG_class_type: return "class " + (name.empty() ? std::string("<anonymous>") : name);
    case DW_TAG_union_type: return "union " + (name.empty() ? std::string("<anonymous>") : name);
    case DW_TAG_enumeration_type:
      return "enum " + (name.empty() ? std::string("<anonymous>") : name);
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
      const char* sigil = tag == DW_TAG_pointer_type     ? "*"
                          : tag == DW_TAG_reference_type ? "&"
                                                         : "&&";
      Dwarf_Die target;
      bool is_function = false;
      CSD_ASSIGN_OR_RETURN(std::string inner, target_name(&target, &is_function));
      if (is_function) return FunctionTypeName(&target, fmt::format("({})", sigil), depth + 1);
      return inner + (inner.ends_with('*') ? "" : " ") + sigil;
    }
    case DW_TAG_const_type:
    case DW_TAG_volatile_type:
    case DW_TAG_restrict_type:
    case DW_TAG_atomic_type: {
      const char* word = tag == DW_TAG_const_type      ? "const"
                         : tag == DW_TAG_volatile_type ? "volatile"
                         : tag == DW_TAG_restrict_type ? "restrict"
                                                       : "_Atomic";
      Dwarf_Die target;
      bool is_function = false;
      CSD_ASSIGN_OR_RETURN(std::string inner, target_name(&target, &is_function));
      if (is_function) {
        CSD_ASSIGN_OR_RETURN(inner, FunctionTypeName(&target, "", depth + 1));
      }
      // Qualified pointers read "char *const"; everything else "const char".
      if (inner.ends_with('*')) return inner + word;
      return fmt::format("{} {}", word, inner);
    }
    case DW_TAG_array_type: {
      Dwarf_Die target;
      bool is_function = false;
      CSD_ASSIGN_OR_RETURN(std::string inner, target_name(&target, &is_function));
      if (is_function) inner = "<function>";
      return inner + (inner.ends_with('*') ? "" : " ") + ArrayDims(type);
    }
    case DW_TAG_subroutine_type: return FunctionTypeName(type, "", depth + 1);
    default: return name.empty() ? fmt::format("<DWARF tag 0x{:x}>", tag) : name;
  }
}

// The constant byte offset of a member: DWARF 3+ writes a constant, DWARF 2 a
// location block "DW_OP_plus_uconst N". nullopt when the attribute is absent
// (union members, DWARF 5 bit-fields).
Expected<std::optional<uint64_t>> MemberLocation(Dwarf_Die* member) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(member, DW_AT_data_member_location, &attr) == nullptr) {
    return std::optional<uint64_t>();
  }
  switch (dwarf_whatform(&attr)) {
    case DW_FORM_block1:
    case DW_FORM_block2:
    case DW_FORM_block4:
    case DW_FORM_block:
    case DW_FORM_exprloc: {
      Dwarf_Block block;
      if (dwarf_formblock(&attr, &block) != 0) {
        return Corrupt(fmt::format("unreadable member location of {}", DieLabel(member)));
      }
      // ULEB128 operand after the opcode, bounded by the block.
      const ByteReader ops(std::as_bytes(std::span(block.data, block.length)), Endian::kLittle,
                           "member location");
      uint64_t pos = 1;
      if (block.length >= 2 && block.data[0] == DW_OP_plus_uconst) {
        auto value = ops.Uleb128(&pos);
        if (value.ok() && pos == block.length) return std::optional<uint64_t>(*value);
      } else if (block.length >= 3 && block.data[0] == DW_OP_constu) {
        auto value = ops.Uleb128(&pos);
        if (value.ok() && pos + 1 == block.length && block.data[pos] == DW_OP_plus) {
          return std::optional<uint64_t>(*value);
        }
      }
      return Error(ErrorCode::kUnsupported,
                   fmt::format("member location of {} is not a constant offset expression",
                               DieLabel(member)));
    }
    default: {
      Dwarf_Word value;
      if (dwarf_formudata(&attr, &value) != 0) {
        return Corrupt(fmt::format("unreadable member location of {}: {}", DieLabel(member),
                                   dwarf_errmsg(-1)));
      }
      return std::optional<uint64_t>(value);
    }
  }
}

Status AppendMembers(Dwarf_Die* aggregate, uint64_t base, const DwarfContext& ctx,
                     StructDetail* out, int depth);

Status AppendMember(Dwarf_Die* member, uint64_t base, const DwarfContext& ctx, StructDetail* out,
                    int depth) {
  const char* name = dwarf_diename(member);
  Dwarf_Die type;
  int rc = TypeOf(member, &type);
  if (rc < 0) return Corrupt(fmt::format("bad member type at {}", DieLabel(member)));
  CSD_ASSIGN_OR_RETURN(std::optional<uint64_t> location, MemberLocation(member));
  auto offset = CheckedAdd(base, location.value_or(0));
  if (!offset) return Corrupt(fmt::format("member offset overflows at {}", DieLabel(member)));
  CSD_ASSIGN_OR_RETURN(TypeDescription desc, DescribeType(rc == 1 ? &type : nullptr, ctx));

  if (name == nullptr) {
    // C11 anonymous struct/union: its members belong to the parent. Unnamed
    // bit-field padding has no storage anyone can ask for.
    if ((desc.kind == Kind::kStruct || desc.kind == Kind::kUnion) && desc.aggregate) {
      return AppendMembers(&*desc.aggregate, *offset, ctx, out, depth + 1);
    }
    return OkStatus();
  }

  MemberLayout layout;
  layout.name = name;
  layout.offset = *offset;
  layout.size = desc.size;
  layout.kind = desc.kind;
  layout.is_signed = desc.is_signed;
  layout.type_name = std::move(desc.type_name);
  layout.target_struct = std::move(desc.target_struct);

  if (auto bit_size = UnsignedAttr(member, DW_AT_bit_size)) {
    if (*bit_size == 0 || *bit_size > 64) {
      return Corrupt(fmt::format("bit-field {} has bit size {}", DieLabel(member), *bit_size));
    }
    layout.bit_size = static_cast<uint32_t>(*bit_size);
    if (auto data_bit_offset = UnsignedAttr(member, DW_AT_data_bit_offset)) {
      // DWARF 4+: bits from the start of the struct. Report the storage unit
      // of the declared type that holds the field, as a C compiler lays it out.
      uint64_t unit = desc.size > 0 && desc.size <= 8 ? desc.size : 1;
      uint64_t unit_start = *data_bit_offset / (unit * 8) * unit;
      uint64_t bit = *data_bit_offset - unit_start * 8;
      if (bit + *bit_size > unit * 8) {  // packed field straddling units
        unit_start = *data_bit_offset / 8;
        bit = *data_bit_offset % 8;
      }
      auto start = CheckedAdd(*offset, unit_start);
      if (!start) return Corrupt(fmt::format("bit-field offset overflows at {}", DieLabel(member)));
      layout.offset = *start;
      layout.bit_offset = static_cast<uint32_t>(bit);
    } else if (auto msb_offset = UnsignedAttr(member, DW_AT_bit_offset)) {
      // DWARF 2/3: storage unit at data_member_location with DW_AT_byte_size,
      // bit_offset counted from its most significant bit.
      uint64_t unit = UnsignedAttr(member, DW_AT_byte_size).value_or(desc.size);
      if (unit == 0 || unit > 8 || *msb_offset + *bit_size > unit * 8) {
        return Corrupt(fmt::format("bit-field {} does not fit its {}-byte storage unit",
                                   DieLabel(member), unit));
      }
      layout.size = unit;
      layout.bit_offset = static_cast<uint32_t>(
          ctx.endian == Endian::kLittle ? unit * 8 - *msb_offset - *bit_size : *msb_offset);
    }
  }

  out->layout.members.push_back(std::move(layout));
  bool aggregate = desc.kind == Kind::kStruct || desc.kind == Kind::kUnion;
  out->member_aggregates.push_back(aggregate ? desc.aggregate : std::nullopt);
  return OkStatus();
}

Status AppendMembers(Dwarf_Die* aggregate, uint64_t base, const DwarfContext& ctx,
                     StructDetail* out, int depth) {
  if (depth > kMaxDepth) return DepthError(aggregate);
  Dwarf_Die child;
  int rc = dwarf_child(aggregate, &child);
  if (rc < 0) return Corrupt(fmt::format("unreadable members of {}", DieLabel(aggregate)));
  if (rc > 0) return OkStatus();
  do {
    if (dwarf_tag(&child) != DW_TAG_member) continue;  // nested type definitions etc.
    CSD_RETURN_IF_ERROR(AppendMember(&child, base, ctx, out, depth));
  } while ((rc = NextSibling(&child)) == 0);
  if (rc < 0) return Corrupt(fmt::format("unreadable members of {}", DieLabel(aggregate)));
  return OkStatus();
}

}  // namespace

bool IsDeclaration(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  bool flag = false;
  if (dwarf_attr(die, DW_AT_declaration, &attr) == nullptr) return false;
  return dwarf_formflag(&attr, &flag) == 0 && flag;
}

int NextSibling(Dwarf_Die* die) {
  Dwarf_Die next;
  int rc = dwarf_siblingof(die, &next);
  if (rc != 0) return rc;
  if (static_cast<const char*>(next.addr) <= static_cast<const char*>(die->addr)) return -1;
  *die = next;
  return 0;
}

int TypeOf(Dwarf_Die* die, Dwarf_Die* out) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(die, DW_AT_type, &attr) == nullptr) return 0;
  return dwarf_formref_die(&attr, out) != nullptr ? 1 : -1;
}

Expected<TypeDescription> DescribeType(Dwarf_Die* type, const DwarfContext& ctx) {
  TypeDescription desc;
  CSD_ASSIGN_OR_RETURN(desc.type_name, TypeName(type, 0));
  if (type == nullptr) return desc;
  CSD_ASSIGN_OR_RETURN(std::optional<Dwarf_Die> stripped, Strip(*type));
  if (!stripped) return desc;  // (const) void
  Dwarf_Die* die = &*stripped;

  Dwarf_Word size = 0;
  switch (dwarf_tag(die)) {
    case DW_TAG_base_type: {
      auto enc = UnsignedAttr(die, DW_AT_encoding).value_or(0);
      switch (enc) {
        case DW_ATE_signed:
        case DW_ATE_signed_char:
          desc.kind = Kind::kInteger;
          desc.is_signed = true;
          break;
        case DW_ATE_unsigned:
        case DW_ATE_unsigned_char:
        case DW_ATE_boolean:
        case DW_ATE_UTF: desc.kind = Kind::kInteger; break;
        default:  // float, complex, fixed point: not something we read as integers
          desc.kind = Kind::kOther;
          break;
      }
      break;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type: {
      desc.kind = Kind::kPointer;
      if (auto explicit_size = UnsignedAttr(die, DW_AT_byte_size)) {
        desc.size = *explicit_size;
      } else {
        uint8_t address_size = 0;
        Dwarf_Die cu;
        desc.size = dwarf_diecu(die, &cu, &address_size, nullptr) != nullptr && address_size != 0
                        ? address_size
                        : ctx.address_size;
      }
      Dwarf_Die pointee;
      if (TypeOf(die, &pointee) == 1) {
        auto target = Strip(pointee);
        if (target.ok() && target->has_value()) {
          int tag = dwarf_tag(&**target);
          const char* name = dwarf_diename(&**target);
          if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
               tag == DW_TAG_class_type) &&
              name != nullptr) {
            desc.target_struct = name;
          }
        }
      }
      return desc;
    }
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type: {
      desc.kind = dwarf_tag(die) == DW_TAG_union_type ? Kind::kUnion : Kind::kStruct;
      const char* name = dwarf_diename(die);
      if (name != nullptr) desc.target_struct = name;
      desc.aggregate = *die;
      break;
    }
    case DW_TAG_array_type: desc.kind = Kind::kArray; break;
    case DW_TAG_enumeration_type:
      desc.kind = Kind::kEnum;
      desc.is_signed = EnumIsSigned(die);
      break;
    default: desc.kind = Kind::kOther; break;
  }
  // Incomplete types (declarations, flexible arrays) have no size: report 0.
  if (dwarf_aggregate_size(die, &size) == 0) desc.size = size;
  return desc;
}

Expected<StructDetail> BuildStruct(Dwarf_Die* die, const DwarfContext& ctx) {
  StructDetail detail;
  const char* name = dwarf_diename(die);
  detail.layout.name = name ? name : "";
  Dwarf_Word size;
  if (dwarf_aggregate_size(die, &size) != 0) {
    return Corrupt(
        fmt::format("struct {} ({}) has no byte size", detail.layout.name, DieLabel(die)));
  }
  detail.layout.size = size;
  CSD_RETURN_IF_ERROR(AppendMembers(die, 0, ctx, &detail, 0));
  return detail;
}

}  // namespace csd::debuginfo_detail
