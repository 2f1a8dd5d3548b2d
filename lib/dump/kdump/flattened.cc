// SPDX-License-Identifier: MIT
#include "dump/kdump/flattened.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "base/byte_reader.h"

namespace csd {
namespace {

constexpr char kFlatSignature[] = "makedumpfile";
constexpr uint64_t kRecordHeaderSize = 16;
constexpr uint64_t kEnd = ~uint64_t{0};

}  // namespace

bool IsFlattenedSignature(std::span<const std::byte> bytes) {
  if (bytes.size() < 32 || std::memcmp(bytes.data(), kFlatSignature, sizeof(kFlatSignature)) != 0)
    return false;
  return LoadUnsigned(bytes.subspan(16, 8), Endian::kBig) == 1;
}

Expected<std::unique_ptr<FlattenedSource>> FlattenedSource::Create(
    std::span<const std::byte> stream, std::string label) {
  std::unique_ptr<FlattenedSource> source(new FlattenedSource(stream, std::move(label)));
  CSD_RETURN_IF_ERROR(source->Scan());
  return source;
}

Expected<std::unique_ptr<FlattenedSource>> FlattenedSource::Create(MappedFile file,
                                                                   std::string label) {
  const auto bytes = file.bytes();
  std::unique_ptr<FlattenedSource> source(new FlattenedSource(bytes, std::move(label)));
  source->file_.emplace(std::move(file));  // the mapping's address does not move with the object
  CSD_RETURN_IF_ERROR(source->Scan());
  return source;
}

Status FlattenedSource::Scan() {
  if (stream_.size() < kFlatHeaderSize || !IsFlattenedSignature(stream_)) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: not a flattened dump: the {}-byte header with "
                             "\"makedumpfile\" and type 1 is missing or short ({:#x} bytes)",
                             label_, kFlatHeaderSize, stream_.size()));
  }
  const ByteReader r(stream_, Endian::kBig, "flattened stream");
  const uint64_t version = *r.U64(24);
  if (version != 1) {
    return Error(
        ErrorCode::kUnsupported,
        fmt::format("{}: flattened header version {} at stream offset 0x18 (only 1 is known)",
                    label_, version));
  }
  // dst start -> extent; kept disjoint as records arrive so later ones win.
  std::map<uint64_t, Extent> map;
  uint64_t pos = kFlatHeaderSize;
  bool ended = false;
  while (pos < stream_.size()) {
    auto offset = r.U64(pos);
    auto size = r.U64(pos + 8);
    if (!offset.ok() || !size.ok()) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{}: flattened record {} at stream offset {:#x} is cut off "
                               "(the stream ends at {:#x})",
                               label_, records_, pos, stream_.size()));
    }
    if (*offset == kEnd && *size == kEnd) {
      ended = true;
      break;
    }
    const uint64_t data = pos + kRecordHeaderSize;
    const auto data_end = CheckedAdd(data, *size);
    const auto dst_end = CheckedAdd(*offset, *size);
    if (!data_end || *data_end > stream_.size() || !dst_end) {
      return Error(
          ErrorCode::kCorrupt,
          fmt::format(
              "{}: flattened record {} at stream offset {:#x} (offset {:#x}, size {:#x}) runs past "
              "the end of the stream ({:#x} bytes)",
              label_, records_, pos, *offset, *size, stream_.size()));
    }
    ++records_;
    if (*size > 0) {
      const uint64_t lo = *offset, hi = *dst_end;
      // Trim or split the extents this record overlaps.
      auto it = map.lower_bound(lo);
      if (it != map.begin()) {
        auto prev = std::prev(it);
        Extent& p = prev->second;
        if (p.dst + p.len > lo) {
          const uint64_t p_end = p.dst + p.len;
          p.len = lo - p.dst;
          if (p_end > hi) map[hi] = Extent{hi, p_end - hi, p.src + (hi - p.dst)};
          if (p.len == 0) map.erase(prev);
        }
      }
      it = map.lower_bound(lo);
      while (it != map.end() && it->first < hi) {
        Extent e = it->second;
        it = map.erase(it);
        if (e.dst + e.len > hi) {
          map[hi] = Extent{hi, e.dst + e.len - hi, e.src + (hi - e.dst)};
          break;
        }
      }
      map[lo] = Extent{lo, *size, data};
      size_ = std::max(size_, hi);
    }
    pos = *data_end;
  }
  if (!ended) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: flattened stream has no end marker (-1, -1) after {} records; "
                             "the stream is truncated at {:#x} bytes",
                             label_, records_, stream_.size()));
  }
  extents_.reserve(map.size());
  for (const auto& [dst, e] : map) extents_.push_back(e);
  return OkStatus();
}

Status FlattenedSource::Read(uint64_t offset, std::span<std::byte> out) const {
  const auto end = CheckedAdd(offset, out.size());
  if (!end || *end > size_) {
    return Error(ErrorCode::kCorrupt, fmt::format("{}: read of {:#x} bytes at file offset {:#x} "
                                                  "runs past the end of the reassembled file "
                                                  "({:#x} bytes)",
                                                  label_, out.size(), offset, size_));
  }
  auto it = std::upper_bound(extents_.begin(), extents_.end(), offset,
                             [](uint64_t off, const Extent& e) { return off < e.dst; });
  uint64_t at = offset;
  size_t done = 0;
  if (it != extents_.begin()) --it;
  // Gaps between records read as zeros: makedumpfile writes only the used
  // part of each header block, and `makedumpfile -R` leaves the rest sparse.
  while (done < out.size()) {
    while (it != extents_.end() && it->dst + it->len <= at) ++it;
    uint64_t n;
    if (it == extents_.end() || it->dst > at) {
      const uint64_t next = it == extents_.end() ? *end : std::min(*end, it->dst);
      n = next - at;
      std::memset(out.data() + done, 0, n);
    } else {
      n = std::min<uint64_t>(out.size() - done, it->dst + it->len - at);
      std::memcpy(out.data() + done, stream_.data() + it->src + (at - it->dst), n);
    }
    done += n;
    at += n;
  }
  return OkStatus();
}

}  // namespace csd
