// SPDX-License-Identifier: MIT
// Byte-level readers of DWARF unit tables that the unit locator uses to find
// one compile unit without libdw walking every unit before it. Internal to the
// debuginfo module; pure functions over section bytes from a file we do not
// trust, so every read goes through ByteReader, bounded by the section (or the
// set or unit being read) and by fixed caps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "base/byte_reader.h"

namespace csd::debuginfo_detail {

// For each of `addresses`, the .debug_info offset of the unit whose
// .debug_aranges (the section's bytes) has a range holding it, in one pass
// (read in place: libdw's dwarf_addrdie sorts every range of every unit first
// to answer one question). A malformed set ends the
// pass; what was found before it stands. The offsets are the table's word:
// check that a unit is there before using one.
std::vector<std::optional<uint64_t>> UnitsOfAddresses(std::span<const std::byte> aranges,
                                                      Endian endian,
                                                      std::span<const uint64_t> addresses);

struct UnitExtent {
  uint64_t end = 0;          // .debug_info offset just past the unit
  uint64_t header_size = 0;  // the unit DIE is at offset + header_size
};

// The extent of the unit whose header is at `offset` in .debug_info, if it is
// a DWARF 2-5 compile or partial unit that a copy of .debug_info cut down to
// [offset, end) reads exactly as the whole section does: no abbreviation of
// its table in .debug_abbrev uses a form that refers outside the unit
// (DW_FORM_ref_addr, type signatures, supplementary-file and split-DWARF
// forms) or that cannot be told without reading the DIEs (DW_FORM_indirect).
// Such a cut moves every .debug_info offset but no other section's.
std::optional<UnitExtent> SelfContainedUnit(std::span<const std::byte> info,
                                            std::span<const std::byte> abbrev, Endian endian,
                                            uint64_t offset);

}  // namespace csd::debuginfo_detail
