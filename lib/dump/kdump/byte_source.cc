// SPDX-License-Identifier: MIT
#include "dump/kdump/byte_source.h"

#include <fmt/format.h>

#include <cstring>

namespace csd {

// Allocation cap for one ReadVector: bitmaps of a 16 TiB machine with 4K pages
// are 1 GiB; anything larger is a hostile header, not a dump.
constexpr uint64_t kMaxReadVector = uint64_t{1} << 30;

Expected<std::vector<std::byte>> ByteSource::ReadVector(uint64_t offset, uint64_t length,
                                                        std::string_view what) const {
  const auto end = CheckedAdd(offset, length);
  if (!end || *end > size()) {
    return Error(
        ErrorCode::kCorrupt,
        fmt::format(
            "{}: {} at file offset {:#x} ({:#x} bytes) runs past the end of the file ({:#x} bytes)",
            label(), what, offset, length, size()));
  }
  if (length > kMaxReadVector) {
    return Error(ErrorCode::kLimit,
                 fmt::format("{}: {} at file offset {:#x} is {:#x} bytes, over the {:#x}-byte cap",
                             label(), what, offset, length, kMaxReadVector));
  }
  std::vector<std::byte> out(length);
  auto status = Read(offset, out);
  if (!status.ok()) return std::move(status).error().AddContext(std::string(what));
  return out;
}

Status ReadFromSpan(std::span<const std::byte> bytes, uint64_t offset, std::span<std::byte> out,
                    const std::string& label) {
  const auto end = CheckedAdd(offset, out.size());
  if (!end || *end > bytes.size()) {
    return Error(ErrorCode::kCorrupt, fmt::format("{}: read of {:#x} bytes at file offset {:#x} "
                                                  "runs past the end of the file ({:#x} bytes)",
                                                  label, out.size(), offset, bytes.size()));
  }
  if (!out.empty()) std::memcpy(out.data(), bytes.data() + offset, out.size());
  return OkStatus();
}

Status MappedSource::Read(uint64_t offset, std::span<std::byte> out) const {
  const auto end = CheckedAdd(offset, out.size());
  if (!end || *end > file_.bytes().size()) return ReadFromSpan(file_.bytes(), offset, out, label_);
  // Large reads (bitmaps, page data) with pread rather than through the mapping.
  return file_.Read(offset, out);
}

Status SpanSource::Read(uint64_t offset, std::span<std::byte> out) const {
  return ReadFromSpan(bytes_, offset, out, label_);
}

}  // namespace csd
