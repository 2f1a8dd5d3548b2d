// SPDX-License-Identifier: MIT
// The files of one kdump-compressed dump: a single file, or the parts of a
// split dump (makedumpfile --split, formats.md §3.5), each with its own
// headers, bitmaps, descriptors and page data for one range of PFNs.
// Assembling them checks that they belong together and cover the PFNs once
// each, and orders them by PFN; the page reader (kdump_file.cc) then picks
// a page's part by its PFN.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "dump/kdump/byte_source.h"
#include "dump/kdump/kdump_header.h"
#include "dump/kdump/pfn_rank_index.h"

namespace csd {

// One file of a kdump-compressed dump.
struct KdumpPart {
  std::unique_ptr<ByteSource> source;
  KdumpHeader header;
  PfnRankIndex dumped;  // the 2nd bitmap over the PFNs (bitmap indices) this part serves

  uint64_t start() const { return dumped.start(); }
  uint64_t end() const { return dumped.end(); }
};

// Reads `source`'s headers and 2nd bitmap. kCorrupt naming the file when
// they are malformed or truncated, or when the page descriptors the bitmap
// promises run past the end of the file.
Expected<KdumpPart> LoadKdumpPart(std::unique_ptr<ByteSource> source);

// Loads the files of one dump, given in any order, and sorts them by PFN.
// Several files must all be parts of one split set (same block size,
// max_mapnr, bitmap size, phys_base, byte order, release and machine) that
// cover the PFNs from 0 without gaps or overlaps: kCorrupt naming the files
// otherwise. Warns when the parts stop short of max_mapnr, and when a lone
// file is one part of a split dump. kInvalidArgument for no files.
Expected<std::vector<KdumpPart>> AssembleKdumpParts(
    std::vector<std::unique_ptr<ByteSource>> sources, DiagnosticSink& diagnostics);

}  // namespace csd
