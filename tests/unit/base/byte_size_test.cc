// SPDX-License-Identifier: MIT
// base/byte_size.h: the one home of byte counts for people (help texts,
// range errors, page-table steps).
#include "base/byte_size.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace csd {
namespace {

TEST(FormatByteSize, LargestExactUnit) {
  EXPECT_EQ(FormatByteSize(0), "0 bytes");
  EXPECT_EQ(FormatByteSize(256), "256 bytes");
  EXPECT_EQ(FormatByteSize(3000), "3000 bytes");
  EXPECT_EQ(FormatByteSize(1536), "1536 bytes");  // never rounded
  EXPECT_EQ(FormatByteSize(4096), "4 KiB");
  EXPECT_EQ(FormatByteSize(64 * 1024), "64 KiB");
  EXPECT_EQ(FormatByteSize(3 * 1024 * 1024), "3 MiB");
  EXPECT_EQ(FormatByteSize(0x20'0000), "2 MiB");
  EXPECT_EQ(FormatByteSize(0x4000'0000), "1 GiB");
  EXPECT_EQ(FormatByteSize(uint64_t{4} << 30), "4 GiB");
  EXPECT_EQ(FormatByteSize(uint64_t{4} << 40), "4 TiB");
  EXPECT_EQ(FormatByteSize(uint64_t{1} << 50), "1 PiB");
  EXPECT_EQ(FormatByteSize(uint64_t{8} << 60), "8 EiB");
  EXPECT_EQ(FormatByteSize((uint64_t{1} << 30) + 4096), "1048580 KiB");
  EXPECT_EQ(FormatByteSize(~uint64_t{0}), "18446744073709551615 bytes");
}

}  // namespace
}  // namespace csd
