// SPDX-License-Identifier: MIT
#include "dump/segment_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <utility>

#include "base/byte_reader.h"

namespace csd {

SegmentMap::SegmentMap(std::span<const DumpSegment> segments, std::span<const std::byte> file,
                       const DumpOpenOptions& options, DiagnosticSink& diagnostics,
                       std::string label)
    : segments_(segments.begin(), segments.end()),
      file_(file),
      zero_fill_excluded_(options.zero_fill_excluded),
      diagnostics_(diagnostics),
      label_(std::move(label)) {
  BuildPieces(SplitSegments());
  BuildRanges();
}

SegmentMap::SegmentMap(std::span<const DumpSegment> segments, const MappedFile& file,
                       const DumpOpenOptions& options, DiagnosticSink& diagnostics,
                       std::string label)
    : SegmentMap(segments, file.bytes(), options, diagnostics, std::move(label)) {
  mapped_ = &file;
}

std::string SegmentMap::DescribeSegment(uint32_t index) const {
  const DumpSegment& s = segments_[index];
  return fmt::format("segment {} (p_paddr {:#x}, p_offset {:#x}, p_filesz {:#x}, p_memsz {:#x})",
                     index, s.paddr, s.file_offset, s.file_size, s.mem_size);
}

// Each segment contributes up to three spans: bytes in the file, bytes the
// header promises but the (truncated) file lacks, and the excluded tail.
std::vector<SegmentMap::Piece> SegmentMap::SplitSegments() {
  std::vector<Piece> spans;
  size_t truncated = 0;
  uint32_t first_truncated = 0;
  for (uint32_t i = 0; i < segments_.size(); ++i) {
    const DumpSegment& s = segments_[i];
    if (s.mem_size == 0) continue;
    if (!CheckedAdd(s.paddr, s.mem_size)) {
      diagnostics_.Warn(
          fmt::format("{}: {} wraps past the end of the physical address space; "
                      "ignoring it",
                      label_, DescribeSegment(i)));
      continue;
    }
    uint64_t file_size = s.file_size;
    if (file_size > s.mem_size) {
      // The ELF spec requires p_filesz <= p_memsz; bytes beyond p_memsz are not memory.
      diagnostics_.Warn(fmt::format("{}: {} has p_filesz > p_memsz; using only p_memsz bytes",
                                    label_, DescribeSegment(i)));
      file_size = s.mem_size;
    }
    const uint64_t available = s.file_offset >= file_.size() ? 0 : file_.size() - s.file_offset;
    const uint64_t present = std::min(file_size, available);
    if (present < file_size && truncated++ == 0) first_truncated = i;
    const uint64_t a = s.paddr;
    const uint64_t b = a + present;
    const uint64_t c = a + file_size;
    const uint64_t d = a + s.mem_size;
    if (a < b) spans.push_back({a, b, Kind::kPresent, i, s.file_offset});
    if (b < c) spans.push_back({b, c, Kind::kTruncated, i, s.file_offset + present});
    if (c < d) spans.push_back({c, d, Kind::kExcluded, i, 0});
  }
  if (truncated > 0) {
    diagnostics_.Warn(fmt::format(
        "{}: the file is truncated at offset {:#x}: {} segment(s) extend past it, the first "
        "being {}; reads of the missing part fail",
        label_, file_.size(), truncated, DescribeSegment(first_truncated)));
  }
  return spans;
}

// Sweeps the span endpoints in address order, keeping the active spans in a
// set ordered by priority; each elementary interval goes to the best one.
// O(n log n), so hostile headers with 65535 overlapping segments stay cheap.
void SegmentMap::BuildPieces(const std::vector<Piece>& spans) {
  std::vector<size_t> by_start(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) by_start[i] = i;
  std::vector<size_t> by_end = by_start;
  std::sort(by_start.begin(), by_start.end(),
            [&](size_t x, size_t y) { return spans[x].start < spans[y].start; });
  std::sort(by_end.begin(), by_end.end(),
            [&](size_t x, size_t y) { return spans[x].end < spans[y].end; });
  std::vector<uint64_t> points;
  for (const Piece& s : spans) {
    points.push_back(s.start);
    points.push_back(s.end);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());

  std::set<std::pair<uint64_t, size_t>> active;  // (priority rank, span index)
  auto rank = [&](size_t i) {
    return (uint64_t{static_cast<uint8_t>(spans[i].kind)} << 32) | spans[i].segment;
  };
  size_t next_start = 0, next_end = 0;
  for (size_t k = 0; k + 1 < points.size(); ++k) {
    const uint64_t point = points[k];
    for (; next_end < by_end.size() && spans[by_end[next_end]].end == point; ++next_end) {
      active.erase({rank(by_end[next_end]), by_end[next_end]});
    }
    for (; next_start < by_start.size() && spans[by_start[next_start]].start == point;
         ++next_start) {
      active.insert({rank(by_start[next_start]), by_start[next_start]});
    }
    if (active.empty()) continue;
    const Piece& best = spans[active.begin()->second];
    if (!pieces_.empty() && pieces_.back().end == point && pieces_.back().kind == best.kind &&
        pieces_.back().segment == best.segment) {
      pieces_.back().end = points[k + 1];
      continue;
    }
    pieces_.push_back(
        {point, points[k + 1], best.kind, best.segment, best.file_offset + (point - best.start)});
  }
}

void SegmentMap::BuildRanges() {
  for (const Piece& piece : pieces_) {
    if (piece.kind != Kind::kPresent) continue;
    if (!ranges_.empty() && ranges_.back().start + ranges_.back().size == piece.start) {
      ranges_.back().size += piece.end - piece.start;
    } else {
      ranges_.push_back({piece.start, piece.end - piece.start});
    }
  }
}

const SegmentMap::Piece* SegmentMap::Find(uint64_t pa) const {
  auto it = std::upper_bound(pieces_.begin(), pieces_.end(), pa,
                             [](uint64_t value, const Piece& p) { return value < p.start; });
  if (it == pieces_.begin()) return nullptr;
  --it;
  return pa < it->end ? &*it : nullptr;
}

Status SegmentMap::Read(uint64_t pa, std::span<std::byte> out) const {
  uint64_t cursor = pa;
  size_t done = 0;
  while (done < out.size()) {
    const Piece* piece = Find(cursor);
    if (piece == nullptr) return NotMapped(cursor);
    // piece->end never exceeds 2^64 - 1, so cursor + n cannot wrap.
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(out.size() - done, piece->end - cursor));
    CSD_RETURN_IF_ERROR(ReadPiece(*piece, cursor, out.subspan(done, n)));
    done += n;
    cursor += n;
  }
  return OkStatus();
}

Status SegmentMap::ReadPiece(const Piece& piece, uint64_t pa, std::span<std::byte> out) const {
  const uint64_t file_offset = piece.file_offset + (pa - piece.start);
  switch (piece.kind) {
    case Kind::kPresent:
      if (mapped_ != nullptr) return mapped_->Read(file_offset, out);
      std::memcpy(out.data(), file_.data() + file_offset, out.size());
      return OkStatus();
    case Kind::kTruncated:
      return Error(ErrorCode::kCorrupt,
                   fmt::format("physical address {:#x} should be at file offset {:#x}, but the "
                               "file is truncated at offset {:#x} ({})",
                               pa, file_offset, file_.size(), DescribeSegment(piece.segment)));
    case Kind::kExcluded: break;
  }
  if (!zero_fill_excluded_) {
    return Error(ErrorCode::kExcluded,
                 fmt::format("physical address {:#x} is in {}, past p_filesz: excluded by the "
                             "dump producer (p_filesz < p_memsz), possibly zero",
                             pa, DescribeSegment(piece.segment)));
  }
  std::memset(out.data(), 0, out.size());
  if (!warned_zero_fill_.exchange(true)) {
    diagnostics_.Warn(fmt::format(
        "{}: read physical address {:#x} as zeros: it is in {}, past p_filesz, excluded by the "
        "dump producer (p_filesz < p_memsz); its real contents are unknown (later zero-filled "
        "reads are not reported)",
        label_, pa, DescribeSegment(piece.segment)));
  }
  return OkStatus();
}

Error SegmentMap::NotMapped(uint64_t pa) const {
  // Naming the neighbouring ranges tells a wrong PHYS_OFFSET from a real hole.
  auto above =
      std::upper_bound(ranges_.begin(), ranges_.end(), pa,
                       [](uint64_t value, const PhysicalRange& r) { return value < r.start; });
  std::string below_text = "none";
  std::string above_text = "none";
  if (above != ranges_.begin()) {
    const PhysicalRange& r = *std::prev(above);
    below_text = fmt::format("[{:#x}, {:#x})", r.start, r.start + r.size);
  }
  if (above != ranges_.end()) {
    above_text = fmt::format("[{:#x}, {:#x})", above->start, above->start + above->size);
  }
  return Error(ErrorCode::kNotMapped,
               fmt::format("physical address {:#x} is not in the dump: no segment covers it "
                           "(nearest range below: {}, above: {})",
                           pa, below_text, above_text));
}

}  // namespace csd
