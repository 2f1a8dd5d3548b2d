// SPDX-License-Identifier: MIT
// makedumpfile's flattened format (formats.md §3.5): a 4096-byte header, then
// (be64 offset, be64 size, data) records placing pieces of the real file, in
// any order, ending with (-1, -1). Scanned once into a sorted extent map
// (later records win where they overlap); reads of the reassembled file are
// then served from the mapped stream without copying it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/mapped_file.h"
#include "dump/kdump/byte_source.h"

namespace csd {

inline constexpr uint64_t kFlatHeaderSize = 4096;

// "makedumpfile\0..." with type 1 at offset 16.
bool IsFlattenedSignature(std::span<const std::byte> bytes);

class FlattenedSource final : public ByteSource {
 public:
  // Validates the header and every record against the stream. kCorrupt names
  // the record number and its stream offset.
  static Expected<std::unique_ptr<FlattenedSource>> Create(std::span<const std::byte> stream,
                                                           std::string label);
  static Expected<std::unique_ptr<FlattenedSource>> Create(MappedFile file, std::string label);

  uint64_t size() const override { return size_; }
  Status Read(uint64_t offset, std::span<std::byte> out) const override;
  const std::string& label() const override { return label_; }

  // Extents after overlap resolution, for tests.
  struct Extent {
    uint64_t dst = 0;  // offset in the reassembled file
    uint64_t len = 0;
    uint64_t src = 0;  // offset in the stream
  };
  const std::vector<Extent>& extents() const { return extents_; }
  size_t record_count() const { return records_; }

 private:
  FlattenedSource(std::span<const std::byte> stream, std::string label)
      : stream_(stream), label_(std::move(label)) {}
  Status Scan();

  std::optional<MappedFile> file_;
  std::span<const std::byte> stream_;
  std::string label_;
  std::vector<Extent> extents_;  // sorted by dst, disjoint
  uint64_t size_ = 0;
  size_t records_ = 0;
};

}  // namespace csd
