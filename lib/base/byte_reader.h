// SPDX-License-Identifier: MIT
// Bounded, endian-explicit reads over untrusted bytes. Every parser in csdump
// reads through this (or through checked arithmetic below), so a truncated or
// hostile input yields a kCorrupt error naming the offset, never an overread.
#pragma once

#include <bit>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace csd {

enum class Endian { kLittle, kBig };

// a + b, or nullopt on unsigned overflow.
inline std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}
inline std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

namespace byte_reader_detail {
uint64_t LoadUnsignedBytewise(std::span<const std::byte> bytes, Endian endian);
}  // namespace byte_reader_detail

// Decodes an unsigned integer of `bytes.size()` (1..8) bytes. Inline, and
// whole words at a time, because table scans call it once per field.
inline uint64_t LoadUnsigned(std::span<const std::byte> bytes, Endian endian) {
  assert(!bytes.empty() && bytes.size() <= 8);
  const bool swap = (endian == Endian::kLittle) != (std::endian::native == std::endian::little);
  switch (bytes.size()) {
    case 1: return std::to_integer<uint64_t>(bytes[0]);
    case 2: {
      uint16_t v;
      std::memcpy(&v, bytes.data(), sizeof v);
      return swap ? __builtin_bswap16(v) : v;
    }
    case 4: {
      uint32_t v;
      std::memcpy(&v, bytes.data(), sizeof v);
      return swap ? __builtin_bswap32(v) : v;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, bytes.data(), sizeof v);
      return swap ? __builtin_bswap64(v) : v;
    }
    default: return byte_reader_detail::LoadUnsignedBytewise(bytes, endian);
  }
}

// Lowercase hex of `bytes`, two digits each: build-ids and digests.
std::string LowerHex(std::span<const std::byte> bytes);
// Sign-extends the low `width` bytes of `value`.
int64_t SignExtend(uint64_t value, size_t width);
// Encodes `value` into `out.size()` (1..8) bytes.
void StoreUnsigned(std::span<std::byte> out, uint64_t value, Endian endian);

class ByteReader {
 public:
  ByteReader(std::span<const std::byte> data, Endian endian, std::string_view what = "input")
      : data_(data), endian_(endian), what_(what) {}

  size_t size() const { return data_.size(); }
  Endian endian() const { return endian_; }
  std::span<const std::byte> data() const { return data_; }

  Expected<std::span<const std::byte>> Bytes(uint64_t offset, uint64_t length) const;
  Expected<uint64_t> Unsigned(uint64_t offset, size_t width) const;
  // The same without an error to build: nullopt when [offset, offset+width)
  // is not all inside (or width is not 1..8). For the inner loop of a table
  // scan, where a short read only means the table ends there.
  std::optional<uint64_t> TryUnsigned(uint64_t offset, size_t width) const {
    if (width == 0 || width > 8 || offset > data_.size() || data_.size() - offset < width) {
      return std::nullopt;
    }
    return LoadUnsigned(data_.subspan(offset, width), endian_);
  }
  Expected<uint8_t> U8(uint64_t offset) const;
  Expected<uint16_t> U16(uint64_t offset) const;
  Expected<uint32_t> U32(uint64_t offset) const;
  Expected<uint64_t> U64(uint64_t offset) const;
  // A bounded view of [offset, offset+length).
  Expected<ByteReader> Sub(uint64_t offset, uint64_t length) const;
  // Bytes up to the first NUL (or the end of the field), within [offset, offset+max_length).
  Expected<std::string> FixedString(uint64_t offset, uint64_t max_length) const;
  // The unsigned LEB128 (DWARF) at *offset, which then moves past it. At most
  // ten bytes are read, enough for 64 bits; bits beyond them are dropped. An
  // encoding that runs past the end or goes on longer is kCorrupt, and leaves
  // *offset where it was.
  Expected<uint64_t> Uleb128(uint64_t* offset) const;

 private:
  std::span<const std::byte> data_;
  Endian endian_;
  std::string_view what_;  // names the input in errors; must outlive the reader
};

std::span<const std::byte> AsBytes(std::string_view text);

}  // namespace csd
