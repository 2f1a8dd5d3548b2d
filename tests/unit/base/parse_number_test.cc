// SPDX-License-Identifier: MIT
// base/parse_number.h: the one home of number parsing (CLI values,
// VMCOREINFO, --ram BASE, /sys/kernel/vmcoreinfo, mkcore specs).
#include "base/parse_number.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace csd {
namespace {

TEST(ParseUnsigned, StrictForms) {
  EXPECT_EQ(ParseUnsigned("0x10", 0), 16u);
  EXPECT_EQ(ParseUnsigned("0X1f", 0), 31u);
  EXPECT_EQ(ParseUnsigned("10", 0), 10u);
  EXPECT_EQ(ParseUnsigned("010", 0), 10u);  // no octal
  EXPECT_EQ(ParseUnsigned("ff", 16), 255u);
  EXPECT_EQ(ParseUnsigned("FF", 16), 255u);
  EXPECT_EQ(ParseUnsigned("0", 10), 0u);
  EXPECT_EQ(ParseUnsigned("0x", 0), std::nullopt);
  EXPECT_EQ(ParseUnsigned("0x10", 16), std::nullopt);  // the prefix goes with base 0
  EXPECT_EQ(ParseUnsigned("12a", 10), std::nullopt);
  EXPECT_EQ(ParseUnsigned("", 10), std::nullopt);
  EXPECT_EQ(ParseUnsigned("-1", 0), std::nullopt);
  EXPECT_EQ(ParseUnsigned("+1", 0), std::nullopt);
  EXPECT_EQ(ParseUnsigned(" 1", 0), std::nullopt);
  EXPECT_EQ(ParseUnsigned("1 ", 0), std::nullopt);
  EXPECT_EQ(ParseUnsigned("0xffffffffffffffff", 0), ~uint64_t{0});
  EXPECT_EQ(ParseUnsigned("18446744073709551615", 10), ~uint64_t{0});
  EXPECT_EQ(ParseUnsigned("18446744073709551616", 10), std::nullopt);
  EXPECT_EQ(ParseUnsigned("0x1ffffffffffffffff", 0), std::nullopt);
  EXPECT_EQ(ParseUnsigned("101", 2), 5u);
  EXPECT_EQ(ParseUnsigned("2", 2), std::nullopt);
  EXPECT_EQ(ParseUnsigned("1", 17), std::nullopt);  // no digits past 'f'
}

TEST(ParseUnsigned, OrErrorSaysWhy) {
  EXPECT_EQ(*ParseUnsignedOrError("0x40000000", 0), 0x40000000u);
  auto message = [](std::string_view text, int base) {
    auto parsed = ParseUnsignedOrError(text, base);
    EXPECT_FALSE(parsed.ok()) << text;
    if (parsed.ok()) return std::string();
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    return parsed.error().message();
  };
  EXPECT_EQ(message("0xzz", 0), "\"0xzz\" is not a hex number");
  EXPECT_EQ(message("12a", 0), "\"12a\" is not a decimal number");
  EXPECT_EQ(message("0x", 0), "\"0x\" is not a decimal number");
  EXPECT_EQ(message("", 0), "\"\" is not a number");
  EXPECT_EQ(message("12", 2), "\"12\" is not a base-2 number");
  EXPECT_EQ(message("0x1ffffffffffffffff", 0), "\"0x1ffffffffffffffff\" does not fit in 64 bits");
}

}  // namespace
}  // namespace csd
