// SPDX-License-Identifier: MIT
#include "debuginfo/dwarf_units.h"

#include <dwarf.h>

#include <bit>
#include <cstring>

namespace csd::debuginfo_detail {

namespace {

// A fixed-width unsigned at `at`; the caller has checked the bounds.
uint64_t Load(const std::byte* bytes, uint64_t at, uint64_t width, bool swap) {
  if (width == 8) {
    uint64_t v;
    std::memcpy(&v, bytes + at, 8);
    return swap ? __builtin_bswap64(v) : v;
  }
  if (width == 4) {
    uint32_t v;
    std::memcpy(&v, bytes + at, 4);
    return swap ? __builtin_bswap32(v) : v;
  }
  if (width == 2) {
    uint16_t v;
    std::memcpy(&v, bytes + at, 2);
    return swap ? __builtin_bswap16(v) : v;
  }
  return std::to_integer<uint64_t>(bytes[at]);  // width 1
}

std::optional<uint64_t> ReadUleb(std::span<const std::byte> bytes, uint64_t& at) {
  uint64_t value = 0;
  for (unsigned shift = 0; shift < 64 && at < bytes.size(); shift += 7) {
    const auto byte = std::to_integer<uint64_t>(bytes[at++]);
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::optional<uint64_t>> UnitsOfAddresses(std::span<const std::byte> aranges,
                                                      Endian endian,
                                                      std::span<const uint64_t> addresses) {
  std::vector<std::optional<uint64_t>> units(addresses.size());
  // Every load below is bounds-checked first; this runs once per tuple of
  // every unit, so not through ByteReader's Expected.
  const std::byte* bytes = aranges.data();
  const uint64_t size = aranges.size();
  const bool swap = (endian == Endian::kLittle) != (std::endian::native == std::endian::little);
  auto load = [&](uint64_t at, uint64_t width) { return Load(bytes, at, width, swap); };
  size_t missing = addresses.size();
  uint64_t set = 0;
  while (size - set >= 4 && missing > 0) {
    const uint64_t length32 = load(set, 4);
    const bool dwarf64 = length32 == 0xffffffffu;
    const uint64_t length_size = dwarf64 ? 12 : 4;
    const uint64_t offset_size = dwarf64 ? 8 : 4;
    if (size - set < length_size) break;
    const uint64_t length = dwarf64 ? load(set + 4, 8) : length32;
    if (length > size - set - length_size) break;
    const uint64_t end = set + length_size + length;
    // unit_length, version (2), debug_info_offset, address_size, segment_selector_size
    const uint64_t fields = set + length_size + 2;
    if (fields > end || end - fields < offset_size + 2) break;
    const uint64_t unit = load(fields, offset_size);
    const uint64_t address_size = load(fields + offset_size, 1);
    const uint64_t segment_size = load(fields + offset_size + 1, 1);
    if ((address_size != 4 && address_size != 8) || segment_size != 0) break;
    const uint64_t tuple = 2 * address_size;
    // Tuples start at the first multiple of twice the address size from the
    // start of the set (as libdw reads them; gcc's sets are all aligned).
    const uint64_t header = fields + offset_size + 2 - set;
    uint64_t at = set + (header + tuple - 1) / tuple * tuple;
    for (; at <= end && end - at >= tuple && missing > 0; at += tuple) {
      const uint64_t first = load(at, address_size);
      const uint64_t length_of_range = load(at + address_size, address_size);
      if (first == 0 && length_of_range == 0) break;
      for (size_t i = 0; i < addresses.size(); ++i) {
        if (!units[i] && addresses[i] >= first && addresses[i] - first < length_of_range) {
          units[i] = unit;
          --missing;
        }
      }
    }
    set = end;
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
  if (!length.ok() || length_size > info.size() - offset ||
      *length > info.size() - offset - length_size) {
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
  uint64_t pos = *abbrev_offset;
  constexpr size_t kMaxAbbrevs = size_t{1} << 16;
  for (size_t n = 0; n < kMaxAbbrevs; ++n) {
    auto code = ReadUleb(abbrev, pos);
    if (!code) return std::nullopt;
    if (*code == 0) return UnitExtent{end, header_size};
    if (!ReadUleb(abbrev, pos) || pos >= abbrev.size()) return std::nullopt;  // tag
    ++pos;                                                                    // DW_CHILDREN_*
    while (true) {
      auto name = ReadUleb(abbrev, pos);
      auto form = name ? ReadUleb(abbrev, pos) : std::nullopt;
      if (!form) return std::nullopt;
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
          if (!ReadUleb(abbrev, pos)) return std::nullopt;
          break;
        default: break;
      }
    }
  }
  return std::nullopt;  // more abbreviations than any compiler writes
}

}  // namespace csd::debuginfo_detail
