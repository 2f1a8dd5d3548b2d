// SPDX-License-Identifier: MIT
#include "dump/kdump/split_dump.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>

namespace csd {
namespace {

// Headers of split parts must describe the same machine and bitmaps.
Status CheckSameSet(const KdumpPart& a, const KdumpPart& b) {
  const KdumpHeader& x = a.header;
  const KdumpHeader& y = b.header;
  auto differ = [&](std::string_view field, uint64_t u, uint64_t v) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("split parts do not belong together: {} is {:#x} in {} but {:#x} "
                             "in {}",
                             field, u, a.source->label(), v, b.source->label()));
  };
  if (x.block_size != y.block_size) return differ("block_size", x.block_size, y.block_size);
  if (x.max_mapnr != y.max_mapnr) return differ("max_mapnr", x.max_mapnr, y.max_mapnr);
  if (x.bitmap_blocks != y.bitmap_blocks)
    return differ("bitmap_blocks", x.bitmap_blocks, y.bitmap_blocks);
  if (x.phys_base != y.phys_base) return differ("phys_base", x.phys_base, y.phys_base);
  if (x.endian != y.endian || x.layout != y.layout) return differ("byte order/layout", 0, 1);
  if (x.release != y.release || x.machine != y.machine) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("split parts do not belong together: {} is {} {} but {} is {} {}",
                             a.source->label(), x.release, x.machine, b.source->label(), y.release,
                             y.machine));
  }
  return OkStatus();
}

// Several files given as one dump: each must be a split part of the same set.
Status CheckOneSplitSet(const std::vector<KdumpPart>& parts) {
  for (const KdumpPart& p : parts) {
    if (!p.header.split) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{} is not part of a split dump (its header has split = 0) but "
                               "was given with {} other files",
                               p.source->label(), parts.size() - 1));
    }
    CSD_RETURN_IF_ERROR(CheckSameSet(parts.front(), p));
  }
  return OkStatus();
}

// Parts sorted by start PFN must cover the PFNs from 0 once each, without a
// gap; stopping short of max_mapnr only warns (the last part may be missing).
Status CheckCoverage(const std::vector<KdumpPart>& parts, DiagnosticSink& diagnostics) {
  uint64_t next = 0;
  for (const KdumpPart& p : parts) {
    if (p.start() > next) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("split dump is missing PFNs [{:#x}, {:#x}): no part covers "
                               "them (the next part, {}, starts at {:#x})",
                               next, p.start(), p.source->label(), p.start()));
    }
    if (p.start() < next) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("split parts overlap: {} starts at PFN {:#x} but PFNs up to "
                               "{:#x} are already covered",
                               p.source->label(), p.start(), next));
    }
    next = p.end();
  }
  if (next < parts.front().header.max_mapnr) {
    diagnostics.Warn(
        fmt::format("split dump covers PFNs up to {:#x} of {:#x}: a part may be missing", next,
                    parts.front().header.max_mapnr));
  }
  return OkStatus();
}

}  // namespace

Expected<KdumpPart> LoadKdumpPart(std::unique_ptr<ByteSource> source) {
  CSD_ASSIGN_OR_RETURN(KdumpHeader h, ParseKdumpHeader(*source));
  CSD_ASSIGN_OR_RETURN(
      std::vector<std::byte> bitmap2,
      source->ReadVector(h.bitmap_offset() + h.bitmap_bytes(), h.bitmap_bytes(), "2nd bitmap"));
  // ParseKdumpHeader has checked both against the bitmap already.
  const uint64_t start = h.split ? h.start_pfn : 0;
  const uint64_t end = h.split ? h.end_pfn : h.max_mapnr;
  auto dumped = PfnRankIndex::Build(std::move(bitmap2), start, end, "2nd bitmap");
  if (!dumped.ok()) return std::move(dumped).error().AddContext(source->label());
  KdumpPart part{std::move(source), std::move(h), std::move(*dumped)};
  // Every descriptor the bitmap promises must lie in the file.
  const uint64_t descriptors = part.dumped.total();
  const uint64_t desc_end = part.header.data_offset() + descriptors * kKdumpPageDescSize;
  if (desc_end > part.source->size()) {
    return Error(ErrorCode::kCorrupt, fmt::format("{}: the 2nd bitmap promises {} page descriptors "
                                                  "from file offset {:#x}, which run past "
                                                  "the end of the file ({:#x} bytes)",
                                                  part.source->label(), descriptors,
                                                  part.header.data_offset(), part.source->size()));
  }
  return part;
}

Expected<std::vector<KdumpPart>> AssembleKdumpParts(
    std::vector<std::unique_ptr<ByteSource>> sources, DiagnosticSink& diagnostics) {
  if (sources.empty()) return Error(ErrorCode::kInvalidArgument, "no dump files given");
  std::vector<KdumpPart> parts;
  for (auto& source : sources) {
    CSD_ASSIGN_OR_RETURN(KdumpPart part, LoadKdumpPart(std::move(source)));
    parts.push_back(std::move(part));
  }
  if (parts.size() > 1) {
    // Checked against the first file given, before sorting, as they were given.
    CSD_RETURN_IF_ERROR(CheckOneSplitSet(parts));
    std::sort(parts.begin(), parts.end(),
              [](const KdumpPart& a, const KdumpPart& b) { return a.start() < b.start(); });
    CSD_RETURN_IF_ERROR(CheckCoverage(parts, diagnostics));
  } else if (parts.front().header.split) {
    diagnostics.Warn(
        fmt::format("{} is one part of a split dump (PFNs [{:#x}, {:#x})); give the others with "
                    "--split-part",
                    parts.front().source->label(), parts.front().start(), parts.front().end()));
  }
  return parts;
}

}  // namespace csd
