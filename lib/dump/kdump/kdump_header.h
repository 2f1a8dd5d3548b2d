// SPDX-License-Identifier: MIT
// disk_dump_header + kdump_sub_header of makedumpfile's kdump-compressed
// format (formats.md §3.4): both byte orders, header_version 1..6 (and later,
// read as 6), the 64-bit layout and both 32-bit layouts (packed i386/QEMU,
// EABI-padded ARM). Fields newer than the file's header_version read as 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/diagnostics.h"
#include "base/error.h"
#include "dump/dump_file.h"
#include "dump/kdump/byte_source.h"

namespace csd {

inline constexpr char kKdumpSignature[] = "KDUMP   ";
// page_desc, one per dumped page after the bitmaps: offset (8 bytes), size
// (4), flags (4), page_flags (8).
inline constexpr uint64_t kKdumpPageDescSize = 24;

// disk_dump_header.status bits.
inline constexpr uint32_t kKdumpZlib = 0x1;
inline constexpr uint32_t kKdumpLzo = 0x2;
inline constexpr uint32_t kKdumpSnappy = 0x4;
inline constexpr uint32_t kKdumpIncomplete = 0x8;
inline constexpr uint32_t kKdumpExcludedVmemmap = 0x10;
inline constexpr uint32_t kKdumpZstd = 0x20;

enum class KdumpLayout { k64, k32Packed, k32Padded };
std::string_view KdumpLayoutName(KdumpLayout layout);

struct KdumpHeader {
  Endian endian = Endian::kLittle;
  KdumpLayout layout = KdumpLayout::k64;
  int32_t header_version = 0;
  std::string sysname, nodename, release, version, machine, domainname;
  uint32_t status = 0;
  uint32_t block_size = 0;
  uint32_t sub_hdr_size = 0;   // blocks
  uint32_t bitmap_blocks = 0;  // both bitmaps
  uint64_t max_mapnr = 0;      // max_mapnr_64 from v6, else the 32-bit field
  int32_t nr_cpus = 0;
  // Sub-header.
  uint64_t phys_base = 0;
  int32_t dump_level = 0;
  int32_t split = 0;
  uint64_t start_pfn = 0;  // split range, [start_pfn, end_pfn)
  uint64_t end_pfn = 0;
  uint64_t offset_vmcoreinfo = 0, size_vmcoreinfo = 0;
  uint64_t offset_note = 0, size_note = 0;
  uint64_t offset_eraseinfo = 0, size_eraseinfo = 0;

  unsigned block_shift() const;
  uint64_t bitmap_offset() const { return uint64_t{1 + sub_hdr_size} * block_size; }
  uint64_t bitmap_bytes() const { return uint64_t{bitmap_blocks} * block_size / 2; }  // one bitmap
  uint64_t data_offset() const { return uint64_t{1 + sub_hdr_size + bitmap_blocks} * block_size; }
  unsigned pointer_size() const { return layout == KdumpLayout::k64 ? 8 : 4; }
};

// Whether `bytes` start with "KDUMP   ".
bool IsKdumpSignature(std::span<const std::byte> bytes);

// Parses and validates the two headers. kCorrupt naming field, value and file
// offset for anything absurd; `file_size` bounds every offset.
Expected<KdumpHeader> ParseKdumpHeader(const ByteSource& source);

// The ELF notes (v4+) or just VMCOREINFO (v3). Malformed notes warn, and so
// does a note region larger than limits.max_note_size (it is read whole, so
// the per-note cap bounds it too): its notes are then ignored.
std::vector<DumpNote> ReadKdumpNotes(const KdumpHeader& header, const ByteSource& source,
                                     const NoteLimits& limits, DiagnosticSink& diagnostics);

}  // namespace csd
