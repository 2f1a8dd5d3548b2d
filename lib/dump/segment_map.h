// SPDX-License-Identifier: MIT
// Physical address -> file bytes for dumps described by segments (ELF PT_LOAD).
// Built once at open into a sorted list of disjoint pieces, so a read is a
// binary search plus memcpy from the mapped file; nothing is copied at open.
//
// Segments may overlap: arm64 kdump describes the kernel image twice, once as
// a kimage-VA segment and once inside the linear-map RAM segment, at the same
// physical address. Where segments overlap, bytes present in the file win over
// bytes missing because the file is truncated, which win over bytes the
// producer excluded (p_filesz < p_memsz); among equals, the earlier segment wins.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "base/mapped_file.h"
#include "dump/dump_file.h"
#include "memory/physical_memory.h"

namespace csd {

class SegmentMap {
 public:
  // `file` is the whole dump file and must outlive the map; `segments` are
  // indexed in messages ("segment 3"). `label` (usually the path) prefixes
  // warnings. Malformed segments (PA range wrapping past 2^64) are skipped
  // with a warning; segments running past the end of the file are kept and
  // their missing part reads as kCorrupt (one warning names the truncation).
  // `diagnostics` must outlive the map: zero-filling reads warn through it.
  SegmentMap(std::span<const DumpSegment> segments, std::span<const std::byte> file,
             const DumpOpenOptions& options, DiagnosticSink& diagnostics, std::string label);
  // The same over a mapped dump file: reads of a page or more then use
  // MappedFile::Read (pread) instead of copying from the mapping.
  SegmentMap(std::span<const DumpSegment> segments, const MappedFile& file,
             const DumpOpenOptions& options, DiagnosticSink& diagnostics, std::string label);

  SegmentMap(const SegmentMap&) = delete;
  SegmentMap& operator=(const SegmentMap&) = delete;

  // PhysicalMemory::ReadPhysical semantics: all or nothing, the error names
  // the first physical address that could not be read.
  Status Read(uint64_t pa, std::span<std::byte> out) const;

  // Sorted, merged physical ranges whose bytes are in the file.
  const std::vector<PhysicalRange>& ranges() const { return ranges_; }

 private:
  // Declaration order is the overlap priority (lower wins).
  enum class Kind : uint8_t { kPresent, kTruncated, kExcluded };

  // [start, end) served by one segment in one way.
  struct Piece {
    uint64_t start = 0;
    uint64_t end = 0;
    Kind kind = Kind::kPresent;
    uint32_t segment = 0;
    uint64_t file_offset = 0;  // of `start`; for kTruncated it lies past the end of the file
  };

  std::vector<Piece> SplitSegments();
  void BuildPieces(const std::vector<Piece>& spans);
  void BuildRanges();
  const Piece* Find(uint64_t pa) const;
  Status ReadPiece(const Piece& piece, uint64_t pa, std::span<std::byte> out) const;
  Error NotMapped(uint64_t pa) const;
  std::string DescribeSegment(uint32_t index) const;

  std::vector<DumpSegment> segments_;
  std::span<const std::byte> file_;
  const MappedFile* mapped_ = nullptr;  // whose bytes() is file_, when built from one
  bool zero_fill_excluded_;
  DiagnosticSink& diagnostics_;
  std::string label_;
  std::vector<Piece> pieces_;  // sorted by start, disjoint
  std::vector<PhysicalRange> ranges_;
  mutable std::atomic<bool> warned_zero_fill_{false};
};

}  // namespace csd
