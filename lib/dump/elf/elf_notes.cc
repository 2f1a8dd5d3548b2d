// SPDX-License-Identifier: MIT
#include "dump/elf/elf_notes.h"

#include <fmt/format.h>

namespace csd {
namespace {

constexpr uint64_t kNoteHeaderSize = 12;

// Linux pads note names and descs to 4 bytes in both ELF classes
// (include/linux/elfcore.h, fs/proc/vmcore.c). Inputs are 32-bit, so no overflow.
uint64_t Align4(uint64_t value) {
  return (value + 3) & ~uint64_t{3};
}

struct ParsedNote {
  DumpNote note;
  uint64_t next = 0;  // offset in the stream of the following note
};

Expected<ParsedNote> ParseOneNote(const ByteReader& stream, uint64_t offset, uint64_t file_offset,
                                  uint64_t max_note_size) {
  CSD_ASSIGN_OR_RETURN(uint32_t namesz, stream.U32(offset));
  CSD_ASSIGN_OR_RETURN(uint32_t descsz, stream.U32(offset + 4));
  CSD_ASSIGN_OR_RETURN(uint32_t type, stream.U32(offset + 8));
  const uint64_t at = file_offset + offset;
  if (descsz > max_note_size) {
    return Error(ErrorCode::kLimit,
                 fmt::format("note at file offset {:#x}: descsz {:#x} ({} bytes) exceeds the "
                             "--max-note-size cap of {} bytes (raise with --max-note-size)",
                             at, descsz, descsz, max_note_size));
  }
  const uint64_t name_offset = offset + kNoteHeaderSize;
  const uint64_t desc_offset = name_offset + Align4(namesz);
  const uint64_t desc_end = desc_offset + descsz;
  if (desc_end > stream.size()) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("note at file offset {:#x}: namesz {:#x} and descsz {:#x} run past "
                             "the end of its PT_NOTE segment at file offset {:#x}",
                             at, namesz, descsz, file_offset + stream.size()));
  }
  ParsedNote parsed;
  CSD_ASSIGN_OR_RETURN(parsed.note.name, stream.FixedString(name_offset, namesz));
  CSD_ASSIGN_OR_RETURN(auto desc, stream.Bytes(desc_offset, descsz));
  parsed.note.desc.assign(desc.begin(), desc.end());
  parsed.note.type = type;
  parsed.note.file_offset = at;
  // A last note whose desc padding is missing is still whole; the caller stops.
  parsed.next = Align4(desc_end);
  return parsed;
}

}  // namespace

void ParseElfNotes(const ByteReader& stream, uint64_t file_offset, std::string_view label,
                   const NoteLimits& limits, std::vector<DumpNote>& notes,
                   DiagnosticSink& diagnostics) {
  uint64_t offset = 0;
  while (offset + kNoteHeaderSize <= stream.size()) {
    if (notes.size() >= limits.max_notes) {
      diagnostics.Warn(fmt::format(
          "{}: more notes than the --max-notes cap of {}; ignoring those from file offset "
          "{:#x} (raise with --max-notes)",
          label, limits.max_notes, file_offset + offset));
      return;
    }
    auto parsed = ParseOneNote(stream, offset, file_offset, limits.max_note_size);
    if (!parsed.ok()) {
      diagnostics.Warn(fmt::format("{}: {}; ignoring it and the notes after it in this segment",
                                   label, parsed.error().message()));
      return;
    }
    // The kernel ends per-CPU crash notes with an empty note (final_note() in
    // kernel/crash_core.c); kexec-tools counts it in the PT_NOTE size.
    const DumpNote& note = parsed->note;
    if (note.name.empty() && note.desc.empty() && note.type == 0) return;
    offset = parsed->next;
    notes.push_back(std::move(parsed->note));
  }
}

std::optional<std::string> FindVmcoreinfo(const std::vector<DumpNote>& notes) {
  for (const DumpNote& note : notes) {
    if (note.name != "VMCOREINFO") continue;
    std::string text(reinterpret_cast<const char*>(note.desc.data()), note.desc.size());
    while (!text.empty() && text.back() == '\0') text.pop_back();
    return text;
  }
  return std::nullopt;
}

}  // namespace csd
