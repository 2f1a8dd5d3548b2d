// SPDX-License-Identifier: MIT
#include "base/byte_reader.h"

#include <fmt/format.h>

#include <cassert>
#include <cstring>

namespace csd {

uint64_t byte_reader_detail::LoadUnsignedBytewise(std::span<const std::byte> bytes, Endian endian) {
  uint64_t value = 0;
  const size_t n = bytes.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t index = endian == Endian::kLittle ? n - 1 - i : i;
    value = (value << 8) | static_cast<uint8_t>(bytes[index]);
  }
  return value;
}

int64_t SignExtend(uint64_t value, size_t width) {
  if (width >= 8) return static_cast<int64_t>(value);
  const unsigned bits = static_cast<unsigned>(width * 8);
  const uint64_t sign = uint64_t{1} << (bits - 1);
  value &= (uint64_t{1} << bits) - 1;
  return static_cast<int64_t>((value ^ sign) - sign);
}

void StoreUnsigned(std::span<std::byte> out, uint64_t value, Endian endian) {
  assert(!out.empty() && out.size() <= 8);
  const size_t n = out.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t index = endian == Endian::kLittle ? i : n - 1 - i;
    out[index] = static_cast<std::byte>(value & 0xff);
    value >>= 8;
  }
}

Expected<std::span<const std::byte>> ByteReader::Bytes(uint64_t offset, uint64_t length) const {
  const auto end = CheckedAdd(offset, length);
  if (!end || *end > data_.size()) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: {} bytes at offset {:#x} run past its end ({:#x} bytes)", what_,
                             length, offset, data_.size()));
  }
  return data_.subspan(offset, length);
}

Expected<uint64_t> ByteReader::Unsigned(uint64_t offset, size_t width) const {
  if (width == 0 || width > 8) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{}: integer width {} at offset {:#x}", what_, width, offset));
  }
  CSD_ASSIGN_OR_RETURN(auto bytes, Bytes(offset, width));
  return LoadUnsigned(bytes, endian_);
}

Expected<uint8_t> ByteReader::U8(uint64_t offset) const {
  CSD_ASSIGN_OR_RETURN(uint64_t v, Unsigned(offset, 1));
  return static_cast<uint8_t>(v);
}
Expected<uint16_t> ByteReader::U16(uint64_t offset) const {
  CSD_ASSIGN_OR_RETURN(uint64_t v, Unsigned(offset, 2));
  return static_cast<uint16_t>(v);
}
Expected<uint32_t> ByteReader::U32(uint64_t offset) const {
  CSD_ASSIGN_OR_RETURN(uint64_t v, Unsigned(offset, 4));
  return static_cast<uint32_t>(v);
}
Expected<uint64_t> ByteReader::U64(uint64_t offset) const {
  return Unsigned(offset, 8);
}

Expected<ByteReader> ByteReader::Sub(uint64_t offset, uint64_t length) const {
  CSD_ASSIGN_OR_RETURN(auto bytes, Bytes(offset, length));
  return ByteReader(bytes, endian_, what_);
}

Expected<std::string> ByteReader::FixedString(uint64_t offset, uint64_t max_length) const {
  if (offset > data_.size()) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("{}: string at offset {:#x} is past its end", what_, offset));
  }
  const uint64_t available = std::min<uint64_t>(max_length, data_.size() - offset);
  const auto* begin = reinterpret_cast<const char*>(data_.data() + offset);
  const void* nul = std::memchr(begin, 0, available);
  const size_t length = nul ? static_cast<const char*>(nul) - begin : available;
  return std::string(begin, length);
}

Expected<uint64_t> ByteReader::Uleb128(uint64_t* offset) const {
  uint64_t value = 0;
  uint64_t at = *offset;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (at >= data_.size()) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{}: LEB128 at offset {:#x} runs past its end ({:#x} bytes)", what_,
                               *offset, data_.size()));
    }
    const auto byte = std::to_integer<uint64_t>(data_[at++]);
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *offset = at;
      return value;
    }
  }
  return Error(ErrorCode::kCorrupt,
               fmt::format("{}: LEB128 at offset {:#x} is longer than 10 bytes", what_, *offset));
}

std::span<const std::byte> AsBytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

std::string LowerHex(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::byte b : bytes) {
    const auto value = std::to_integer<unsigned>(b);
    out += kDigits[value >> 4];
    out += kDigits[value & 0xf];
  }
  return out;
}

}  // namespace csd
