// SPDX-License-Identifier: MIT
// One dump file: its physical memory, its notes, and what the container says
// about the machine. Backends know nothing of page tables or kernel structures.
//
// Adding a dump format: write dump/<format>/ (like dump/elf/elf_core.{h,cc}) implementing
// DumpFile, add its probe to the ordered table in dump/probe.cc, add a writer
// for it to csdump-mkcore, and add e2e cases (good and corrupted) for it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/arch.h"
#include "base/byte_reader.h"
#include "base/diagnostics.h"
#include "base/error.h"
#include "memory/physical_memory.h"

namespace csd {

struct DumpNote {
  std::string name;  // "CORE", "VMCOREINFO", ...
  uint32_t type = 0;
  std::vector<std::byte> desc;
  uint64_t file_offset = 0;  // of the note header, for error messages
};

// A memory segment as the container describes it. Only `paddr` is trusted for
// translation; `vaddr` is kept as a cross-check (QEMU writes 0 or paddr there,
// kexec-tools on arm32 has written bogus values).
struct DumpSegment {
  uint64_t paddr = 0;
  uint64_t vaddr = 0;
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t mem_size = 0;
};

class DumpFile : public PhysicalMemory {
 public:
  // "elf64", "elf32", later "kdump-compressed", "flattened", "raw".
  virtual std::string FormatName() const = 0;
  // Who wrote it, as far as the container tells: "kdump" (virtual addresses
  // present), "qemu" (physical addresses only), or "" when unknown.
  virtual std::string Producer() const = 0;
  virtual Arch arch() const = 0;
  virtual Endian endian() const = 0;
  virtual unsigned pointer_size() const = 0;
  virtual const std::vector<DumpNote>& notes() const = 0;
  virtual const std::vector<DumpSegment>& segments() const = 0;
  // The VMCOREINFO note text, if the dump carries one.
  virtual std::optional<std::string> VmcoreinfoText() const = 0;
  virtual const std::filesystem::path& path() const = 0;
  // Format-specific facts for `info` ("header_version" -> "6", ...), in
  // display order. Empty for formats with nothing beyond the above.
  virtual std::vector<std::pair<std::string, std::string>> Describe() const { return {}; }
};

// Caps on the notes a dump carries, for hostile input: real note streams are
// a few KiB per CPU. A note past a cap is dropped with a warning naming the
// cap and the csdump-extract flag that raises it; the notes before it are kept.
struct NoteLimits {
  static constexpr size_t kDefaultMaxNotes = 65536;
  static constexpr uint64_t kDefaultMaxNoteSize = uint64_t{64} << 20;
  size_t max_notes = kDefaultMaxNotes;  // --max-notes: notes kept over all note segments
  // --max-note-size: the largest note desc; also the largest note region a
  // kdump-compressed header points to (offset_note, offset_vmcoreinfo), which
  // is read into memory whole.
  uint64_t max_note_size = kDefaultMaxNoteSize;
};

struct DumpOpenOptions {
  // Pages the producer left out (ELF p_filesz < p_memsz) read as zeros instead
  // of failing with kExcluded. The first such read warns: the zeros are a guess.
  bool zero_fill_excluded = false;
  NoteLimits notes;
};

// Opens `path` with the first backend whose probe accepts it. kCorrupt or
// kUnsupported with a message saying what the file looked like otherwise.
// Warnings about the container go to `diagnostics` at open; reads may warn too
// (zero-filling), so `diagnostics` must outlive the returned DumpFile.
Expected<std::unique_ptr<DumpFile>> OpenDump(const std::filesystem::path& path,
                                             const DumpOpenOptions& options,
                                             DiagnosticSink& diagnostics);

// Opens a dump stored in several files: the parts of a split kdump-compressed
// dump (makedumpfile --split), in any order. One path is OpenDump. kCorrupt
// when the parts do not form one set (mismatched headers, PFN gaps or overlaps).
Expected<std::unique_ptr<DumpFile>> OpenDumpSet(const std::vector<std::filesystem::path>& paths,
                                                const DumpOpenOptions& options,
                                                DiagnosticSink& diagnostics);

}  // namespace csd
