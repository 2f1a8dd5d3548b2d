// SPDX-License-Identifier: MIT
// kdump-compressed dumps (makedumpfile -c/-l/-p/-z, QEMU kdump-*): plain,
// flattened, or split across several files (formats.md §3.4-3.5). Opening
// reads only the headers, notes and bitmaps; ReadPhysical decompresses just
// the pages it touches, through a small LRU cache. kdump_file.cc finds and
// decodes page descriptors; the files of a dump are loaded and put in order
// by split_dump.h, the bitmaps ranked by pfn_rank_index.h, and pages and
// page data cached by page_cache.h.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "base/mapped_file.h"
#include "dump/dump_file.h"
#include "dump/kdump/byte_source.h"

namespace csd {

bool IsKdumpFile(std::span<const std::byte> bytes);
bool IsFlattenedFile(std::span<const std::byte> bytes);

// Probe entry points (dump/probe.cc).
Expected<std::unique_ptr<DumpFile>> OpenKdump(MappedFile file, const DumpOpenOptions& options,
                                              DiagnosticSink& diagnostics);
Expected<std::unique_ptr<DumpFile>> OpenFlattenedKdump(MappedFile file,
                                                       const DumpOpenOptions& options,
                                                       DiagnosticSink& diagnostics);

// One dump from one or more sources: a single kdump file, or the parts of a
// split dump in any order. `path` is reported as the dump's path (the first
// part). `flattened` only changes FormatName. `diagnostics` must outlive the result.
Expected<std::unique_ptr<DumpFile>> OpenKdumpSources(
    std::vector<std::unique_ptr<ByteSource>> sources, const std::filesystem::path& path,
    bool flattened, const DumpOpenOptions& options, DiagnosticSink& diagnostics);

}  // namespace csd
