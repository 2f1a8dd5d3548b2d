// SPDX-License-Identifier: MIT
// Random-access bytes of one (logical) dump file. The kdump reader reads
// through this rather than a span so the same parser serves a plain mapped
// file and a flattened stream reassembled on the fly (flattened.h). Reads are
// few and large (headers, bitmaps, one compressed page at a time), so a
// virtual call per read costs nothing measurable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/byte_reader.h"
#include "base/error.h"
#include "base/mapped_file.h"

namespace csd {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Size of the logical file.
  virtual uint64_t size() const = 0;
  // Copies [offset, offset + out.size()). kCorrupt naming the offset when any
  // byte lies past the end.
  virtual Status Read(uint64_t offset, std::span<std::byte> out) const = 0;
  // Names the source in errors ("vmcore", "vmcore (flattened)").
  virtual const std::string& label() const = 0;
  // [offset, offset + size) in place, when the source holds it contiguously
  // in memory (a mapped file): lets the page reader decompress straight from
  // the mapping instead of copying each compressed page first. Empty when the
  // source cannot (a flattened stream) or the range is not within size().
  virtual std::span<const std::byte> View(uint64_t /*offset*/, uint64_t /*size*/) const {
    return {};
  }

  // Convenience: a fresh buffer of `length` bytes; `what` names the field in errors.
  Expected<std::vector<std::byte>> ReadVector(uint64_t offset, uint64_t length,
                                              std::string_view what) const;
};

// A whole mapped file: small reads copy from the mapping, large ones use
// pread (MappedFile::Read).
class MappedSource final : public ByteSource {
 public:
  MappedSource(MappedFile file, std::string label)
      : file_(std::move(file)), label_(std::move(label)) {}
  uint64_t size() const override { return file_.bytes().size(); }
  Status Read(uint64_t offset, std::span<std::byte> out) const override;
  const std::string& label() const override { return label_; }
  std::span<const std::byte> View(uint64_t offset, uint64_t size) const override {
    const auto bytes = file_.bytes();
    if (offset > bytes.size() || size > bytes.size() - offset) return {};
    return bytes.subspan(offset, size);
  }
  std::span<const std::byte> bytes() const { return file_.bytes(); }

 private:
  MappedFile file_;
  std::string label_;
};

// A borrowed span (unit tests, and the flattened view's backing store).
class SpanSource final : public ByteSource {
 public:
  SpanSource(std::span<const std::byte> bytes, std::string label)
      : bytes_(bytes), label_(std::move(label)) {}
  uint64_t size() const override { return bytes_.size(); }
  Status Read(uint64_t offset, std::span<std::byte> out) const override;
  const std::string& label() const override { return label_; }

 private:
  std::span<const std::byte> bytes_;
  std::string label_;
};

// Shared bounds check for span-backed sources.
Status ReadFromSpan(std::span<const std::byte> bytes, uint64_t offset, std::span<std::byte> out,
                    const std::string& label);

}  // namespace csd
