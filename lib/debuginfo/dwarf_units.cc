// SPDX-License-Identifier: MIT
#include "debuginfo/dwarf_units.h"

#include <dwarf.h>

namespace csd::debuginfo_detail {

std::vector<std::optional<uint64_t>> UnitsOfAddresses(std::span<const std::byte> aranges,
                                                      Endian endian,
                                                      std::span<const uint64_t> addresses) {
  std::vector<std::optional<uint64_t>> units(addresses.size());
  // Read without building an error for each field (TryUnsigned): this runs
  // over every set and tuple, and a short read only means the table, or the
  // set, ends there.
  const ByteReader reader(aranges, endian, ".debug_aranges");
  size_t missing = addresses.size();
  uint64_t set = 0;
  while (missing > 0) {
    auto length32 = reader.TryUnsigned(set, 4);
    if (!length32) break;
    const bool dwarf64 = *length32 == 0xffffffffu;
    const uint64_t length_size = dwarf64 ? 12 : 4;
    const uint64_t offset_size = dwarf64 ? 8 : 4;
    auto length = dwarf64 ? reader.TryUnsigned(set + 4, 8) : length32;
    if (!length) break;
    // The set's bytes after unit_length: version (2), debug_info_offset,
    // address_size (1), segment_selector_size (1), then the tuples. Every
    // read below is bounded by the set.
    auto body = reader.Sub(set + length_size, *length);
    if (!body.ok()) break;
    auto unit = body->TryUnsigned(2, offset_size);
    auto address_size = body->TryUnsigned(2 + offset_size, 1);
    auto segment_size = body->TryUnsigned(3 + offset_size, 1);
    if (!unit || !address_size || !segment_size) break;
    if ((*address_size != 4 && *address_size != 8) || *segment_size != 0) break;
    const uint64_t tuple = 2 * *address_size;
    // Tuples start at the first multiple of twice the address size from the
    // start of the set (as libdw reads them; gcc's sets are all aligned).
    const uint64_t header = length_size + 4 + offset_size;
    for (uint64_t at = (header + tuple - 1) / tuple * tuple - length_size; missing > 0;
         at += tuple) {
      const std::optional<uint64_t> first = body->TryUnsigned(at, *address_size);
      const std::optional<uint64_t> length_of_range =
          body->TryUnsigned(at + *address_size, *address_size);
      if (!first || !length_of_range) break;
      if (*first == 0 && *length_of_range == 0) break;
      for (size_t i = 0; i < addresses.size(); ++i) {
        if (!units[i] && addresses[i] >= *first && addresses[i] - *first < *length_of_range) {
          units[i] = *unit;
          --missing;
        }
      }
    }
    set += length_size + *length;
  }
  return units;
}

std::optional<UnitExtent> SelfContainedUnit(std::span<const std::byte> info,
                                            std::span<const std::byte> abbrev, Endian endian,
                                            uint64_t offset) {
  const ByteReader reader(info, endian, ".debug_info");
  auto length32 = reader.Unsigned(offset, 4);
  if (!length32.ok() || (*length32 >= 0xfffffff0u && *length32 != 0xffffffffu)) {
    return std::nullopt;  // reserved unit lengths
  }
  const bool dwarf64 = *length32 == 0xffffffffu;
  const uint64_t length_size = dwarf64 ? 12 : 4;
  const uint64_t offset_size = dwarf64 ? 8 : 4;
  auto length = dwarf64 ? reader.Unsigned(offset + 4, 8) : length32;
  // offset + 4 is inside the section, so the subtractions cannot wrap.
  if (!length.ok() || length_size > reader.size() - offset ||
      *length > reader.size() - offset - length_size) {
    return std::nullopt;
  }
  const uint64_t end = offset + length_size + *length;
  const uint64_t at = offset + length_size;
  auto version = reader.Unsigned(at, 2);
  if (!version.ok() || *version < 2 || *version > 5) return std::nullopt;
  uint64_t abbrev_field = 0;
  if (*version == 5) {
    // version, unit_type, address_size, debug_abbrev_offset
    auto unit_type = reader.Unsigned(at + 2, 1);
    if (!unit_type.ok() || (*unit_type != DW_UT_compile && *unit_type != DW_UT_partial)) {
      return std::nullopt;
    }
    abbrev_field = at + 4;
  } else {
    // version, debug_abbrev_offset, address_size
    abbrev_field = at + 2;
  }
  // version (2), unit_type (1, v5 only), address_size (1), abbrev offset
  const uint64_t header_size = length_size + (*version == 5 ? 4 : 3) + offset_size;
  auto abbrev_offset = reader.Unsigned(abbrev_field, offset_size);
  if (!abbrev_offset.ok() || header_size >= end - offset) return std::nullopt;

  // The unit's abbreviation table: code, tag, has_children, then
  // (attribute, form[, implicit constant]) pairs up to (0, 0); code 0 ends it.
  const ByteReader table(abbrev, endian, ".debug_abbrev");
  uint64_t pos = *abbrev_offset;
  constexpr size_t kMaxAbbrevs = size_t{1} << 16;
  for (size_t n = 0; n < kMaxAbbrevs; ++n) {
    auto code = table.Uleb128(&pos);
    if (!code.ok()) return std::nullopt;
    if (*code == 0) return UnitExtent{end, header_size};
    auto tag = table.Uleb128(&pos);
    if (!tag.ok() || !table.U8(pos).ok()) return std::nullopt;  // DW_CHILDREN_*
    ++pos;
    while (true) {
      auto name = table.Uleb128(&pos);
      if (!name.ok()) return std::nullopt;
      auto form = table.Uleb128(&pos);
      if (!form.ok()) return std::nullopt;
      if (*name == 0 && *form == 0) break;
      switch (*form) {
        case DW_FORM_ref_addr:
        case DW_FORM_ref_sig8:
        case DW_FORM_indirect:
        case DW_FORM_ref_sup4:
        case DW_FORM_ref_sup8:
        case DW_FORM_strp_sup:
        case DW_FORM_GNU_ref_alt:
        case DW_FORM_GNU_strp_alt:
        case DW_FORM_GNU_addr_index:
        case DW_FORM_GNU_str_index: return std::nullopt;
        case DW_FORM_implicit_const:
          // Its value, an SLEB128, follows in the table: same length rules.
          if (!table.Uleb128(&pos).ok()) return std::nullopt;
          break;
        default: break;
      }
    }
  }
  return std::nullopt;  // more abbreviations than any compiler writes
}

}  // namespace csd::debuginfo_detail
