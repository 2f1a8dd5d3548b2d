// SPDX-License-Identifier: MIT
// ELF note parsing (Elf32_Nhdr and Elf64_Nhdr are the same: three 32-bit
// words). Used for ELF PT_NOTE segments; kdump-compressed dumps embed the same
// note stream, so this is kept apart from the ELF core backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_reader.h"
#include "base/diagnostics.h"
#include "dump/dump_file.h"

namespace csd {

// Appends the notes in `stream` (the bytes of one PT_NOTE segment, which start
// at file offset `file_offset`) to `notes`. A malformed note, or one past the
// caps of `limits` (max_notes counts `notes` as a whole, so it spans segments),
// stops parsing with a warning prefixed by `label`; the notes before it are
// kept. Never fails.
void ParseElfNotes(const ByteReader& stream, uint64_t file_offset, std::string_view label,
                   const NoteLimits& limits, std::vector<DumpNote>& notes,
                   DiagnosticSink& diagnostics);

// The desc of the first note named "VMCOREINFO", trailing NULs stripped.
std::optional<std::string> FindVmcoreinfo(const std::vector<DumpNote>& notes);

}  // namespace csd
