// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

#include "base/byte_reader.h"
#include "base/diagnostics.h"
#include "base/error.h"
#include "base/mapped_file.h"

namespace csd {
namespace {

TEST(Error, DescribeStacksContextOutermostFirst) {
  Error error(ErrorCode::kNotMapped, "PA 0x1000 is not in the dump");
  error.AddContext("reading VA 0xffff0000").AddContext("node 3");
  EXPECT_EQ(error.Describe(), "node 3: reading VA 0xffff0000: PA 0x1000 is not in the dump");
  EXPECT_EQ(ErrorCodeName(error.code()), "not-mapped");
}

Expected<int> Half(int v) {
  if (v % 2) return Error(ErrorCode::kInvalidArgument, "odd");
  return v / 2;
}
Expected<int> Quarter(int v) {
  CSD_ASSIGN_OR_RETURN(int h, Half(v));
  return Half(h);
}

TEST(Expected, PropagatesErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  auto bad = Quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "odd");
}

TEST(ByteReader, EndianAndBounds) {
  const std::array<std::byte, 8> raw{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4},
                                     std::byte{5}, std::byte{6}, std::byte{7}, std::byte{8}};
  ByteReader le(raw, Endian::kLittle, "test");
  ByteReader be(raw, Endian::kBig, "test");
  EXPECT_EQ(*le.U32(0), 0x04030201u);
  EXPECT_EQ(*be.U32(0), 0x01020304u);
  EXPECT_EQ(*le.U64(0), 0x0807060504030201u);
  EXPECT_EQ(*be.U16(6), 0x0708u);
  auto past = le.U32(5);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(past.error().message().find("offset 0x5"), std::string::npos);
  // Offsets near 2^64 must not wrap into range.
  EXPECT_FALSE(le.Bytes(~uint64_t{0} - 2, 8).ok());
  EXPECT_FALSE(le.Unsigned(0, 9).ok());
  EXPECT_FALSE(le.Sub(4, 5).ok());
  EXPECT_EQ(*le.Sub(4, 4)->U8(0), 5);
}

TEST(ByteReader, EveryWidthBothWays) {
  const std::array<std::byte, 8> raw{std::byte{0x11}, std::byte{0x22}, std::byte{0x33},
                                     std::byte{0x44}, std::byte{0x55}, std::byte{0x66},
                                     std::byte{0x77}, std::byte{0x88}};
  for (size_t width = 1; width <= 8; ++width) {
    SCOPED_TRACE(width);
    uint64_t le = 0;
    uint64_t be = 0;
    for (size_t i = 0; i < width; ++i) {
      le |= uint64_t{std::to_integer<uint8_t>(raw[i])} << (8 * i);
      be = (be << 8) | std::to_integer<uint8_t>(raw[i]);
    }
    EXPECT_EQ(LoadUnsigned(std::span(raw).first(width), Endian::kLittle), le);
    EXPECT_EQ(LoadUnsigned(std::span(raw).first(width), Endian::kBig), be);
    ByteReader reader(raw, Endian::kBig);
    EXPECT_EQ(reader.TryUnsigned(0, width), be);
    EXPECT_EQ(*reader.Unsigned(0, width), be);
    EXPECT_EQ(reader.TryUnsigned(8 - width, width).has_value(), true);
    EXPECT_EQ(reader.TryUnsigned(9 - width, width), std::nullopt);  // one byte past the end
  }
  ByteReader reader(raw, Endian::kLittle);
  EXPECT_EQ(reader.TryUnsigned(0, 0), std::nullopt);
  EXPECT_EQ(reader.TryUnsigned(0, 9), std::nullopt);
  EXPECT_EQ(reader.TryUnsigned(~uint64_t{0} - 2, 4), std::nullopt);
}

TEST(ByteReader, FixedString) {
  const std::string text("abc\0def", 7);
  ByteReader reader(AsBytes(text), Endian::kLittle);
  EXPECT_EQ(*reader.FixedString(0, 7), "abc");
  EXPECT_EQ(*reader.FixedString(4, 100), "def");  // clipped at the end
  EXPECT_FALSE(reader.FixedString(8, 1).ok());
}

TEST(ByteReader, Uleb128) {
  const std::array<std::byte, 6> raw{std::byte{0x02}, std::byte{0x7f}, std::byte{0x80},
                                     std::byte{0x01}, std::byte{0xe5}, std::byte{0x8e}};
  ByteReader reader(raw, Endian::kBig, "test");  // LEB128 has no byte order
  uint64_t at = 0;
  EXPECT_EQ(*reader.Uleb128(&at), 2u);
  EXPECT_EQ(at, 1u);
  EXPECT_EQ(*reader.Uleb128(&at), 127u);
  EXPECT_EQ(*reader.Uleb128(&at), 128u);  // 0x80 0x01
  EXPECT_EQ(at, 4u);
  // 0xe5 0x8e then the end: truncated, and the offset stays put.
  auto truncated = reader.Uleb128(&at);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(truncated.error().message().find("offset 0x4"), std::string::npos);
  EXPECT_EQ(at, 4u);
  uint64_t past = 6;
  EXPECT_FALSE(reader.Uleb128(&past).ok());
  uint64_t far = ~uint64_t{0};
  EXPECT_FALSE(reader.Uleb128(&far).ok());

  // Ten bytes hold 64 bits (the tenth contributes its lowest bit only); an
  // eleventh is refused, however many bytes follow.
  std::array<std::byte, 12> wide;
  wide.fill(std::byte{0xff});
  wide[9] = std::byte{0x7f};
  uint64_t start = 0;
  EXPECT_EQ(*ByteReader(wide, Endian::kLittle).Uleb128(&start), ~uint64_t{0});
  EXPECT_EQ(start, 10u);
  wide[9] = std::byte{0xff};
  start = 0;
  auto endless = ByteReader(wide, Endian::kLittle).Uleb128(&start);
  ASSERT_FALSE(endless.ok());
  EXPECT_EQ(endless.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(start, 0u);
}

TEST(ByteReader, CheckedArithmeticAndSignExtension) {
  EXPECT_EQ(CheckedAdd(1, 2), 3u);
  EXPECT_EQ(CheckedAdd(~uint64_t{0}, 1), std::nullopt);
  EXPECT_EQ(CheckedMul(uint64_t{1} << 40, uint64_t{1} << 30), std::nullopt);
  EXPECT_EQ(SignExtend(0xffffffff, 4), -1);
  EXPECT_EQ(SignExtend(0x7fffffff, 4), 0x7fffffff);
  EXPECT_EQ(SignExtend(0x80, 1), -128);
  std::array<std::byte, 4> out{};
  StoreUnsigned(out, 0x11223344, Endian::kBig);
  EXPECT_EQ(LoadUnsigned(out, Endian::kBig), 0x11223344u);
  EXPECT_EQ(LoadUnsigned(out, Endian::kLittle), 0x44332211u);
}

TEST(Diagnostics, DeduplicatesInOrder) {
  CollectingDiagnostics diag;
  diag.Warn("b");
  diag.Warn("a");
  diag.Warn("b");
  EXPECT_EQ(diag.warnings(), (std::vector<std::string>{"b", "a"}));
}

TEST(MappedFile, MapsAndReportsErrors) {
  const auto dir = std::filesystem::temp_directory_path() / "csd_mapped_file_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "data";
  std::ofstream(path) << "hello";
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->bytes().size(), 5u);
  EXPECT_EQ(static_cast<char>(file->bytes()[4]), 'o');
  MappedFile moved = std::move(*file);
  EXPECT_EQ(moved.bytes().size(), 5u);

  auto missing = MappedFile::Open(dir / "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
  EXPECT_NE(missing.error().message().find("missing"), std::string::npos);
  EXPECT_FALSE(MappedFile::Open(dir).ok());  // a directory

  std::ofstream(dir / "empty").close();
  auto empty = MappedFile::Open(dir / "empty");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->bytes().empty());
  std::filesystem::remove_all(dir);
}

// Read() copies small ranges from the mapping and large ones with pread;
// both give the mapped bytes, and neither reads past the end.
TEST(MappedFile, ReadSmallAndBulkRanges) {
  const auto dir = std::filesystem::temp_directory_path() / "csd_mapped_file_read_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "data";
  std::string text(3 * MappedFile::kBulkRead + 17, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>(i * 7 + i / 251);
  std::ofstream(path, std::ios::binary) << text;
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok());
  MappedFile moved = std::move(*file);  // the descriptor moves with the mapping
  for (size_t offset : {size_t{0}, size_t{5}, MappedFile::kBulkRead - 1}) {
    for (size_t size : {size_t{0}, size_t{1}, MappedFile::kBulkRead - 1, MappedFile::kBulkRead,
                        2 * MappedFile::kBulkRead + 18}) {
      std::vector<std::byte> out(size);
      ASSERT_TRUE(moved.Read(offset, out).ok()) << offset << " " << size;
      // std::equal, not memcmp: an empty vector's data() may be null (UBSan).
      EXPECT_TRUE(std::equal(out.begin(), out.end(),
                             reinterpret_cast<const std::byte*>(text.data()) + offset))
          << offset << " " << size;
    }
  }
  std::vector<std::byte> past(MappedFile::kBulkRead);
  const auto error = moved.Read(text.size() - 10, past);
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(moved.Read(uint64_t{1} << 63, std::span(past).first(1)).ok());
  std::filesystem::remove_all(dir);
}

TEST(LowerHex, TwoLowercaseDigitsPerByte) {
  const std::byte bytes[] = {std::byte{0x00}, std::byte{0x0f}, std::byte{0xa5}, std::byte{0xff}};
  EXPECT_EQ(LowerHex(bytes), "000fa5ff");
  EXPECT_EQ(LowerHex({}), "");
}

}  // namespace
}  // namespace csd
