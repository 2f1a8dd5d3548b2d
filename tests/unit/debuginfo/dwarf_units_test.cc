// SPDX-License-Identifier: MIT
// The byte-level unit readers behind DebugInfo::UnitOf, over hand-built
// .debug_aranges, .debug_info and .debug_abbrev bytes: what they accept, and
// that hostile lengths, offsets and forms end in "cannot tell", never in a
// read outside the bytes (the suite runs under ASan in the sanitizer builds).
#include "debuginfo/dwarf_units.h"

#include <dwarf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace csd::debuginfo_detail {
namespace {

class Bytes {
 public:
  explicit Bytes(Endian endian = Endian::kLittle) : endian_(endian) {}
  Bytes& U(uint64_t value, int width) {
    for (int i = 0; i < width; ++i) {
      const int shift = endian_ == Endian::kLittle ? 8 * i : 8 * (width - 1 - i);
      data_.push_back(static_cast<std::byte>((value >> shift) & 0xff));
    }
    return *this;
  }
  Bytes& Uleb(uint64_t value) {
    do {
      uint8_t byte = value & 0x7f;
      value >>= 7;
      if (value != 0) byte |= 0x80;
      data_.push_back(static_cast<std::byte>(byte));
    } while (value != 0);
    return *this;
  }
  Bytes& Pad(size_t to) {
    while (data_.size() < to) data_.push_back(std::byte{0});
    return *this;
  }
  size_t size() const { return data_.size(); }
  std::vector<std::byte>& data() { return data_; }
  void Patch(size_t at, uint64_t value, int width) {
    for (int i = 0; i < width; ++i) {
      const int shift = endian_ == Endian::kLittle ? 8 * i : 8 * (width - 1 - i);
      data_.at(at + i) = static_cast<std::byte>((value >> shift) & 0xff);
    }
  }

 private:
  Endian endian_;
  std::vector<std::byte> data_;
};

// One DWARF 32 .debug_aranges set for `unit` with 8-byte (address, length)
// tuples, terminated by (0, 0).
void AddSet(Bytes& out, uint64_t unit, const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  const size_t start = out.size();
  out.U(0, 4).U(2, 2).U(unit, 4).U(8, 1).U(0, 1);  // length patched below
  out.Pad(start + 16);                             // tuples align to 16
  for (const auto& [first, length] : ranges) out.U(first, 8).U(length, 8);
  out.U(0, 8).U(0, 8);
  out.Patch(start, out.size() - start - 4, 4);
}

std::vector<std::optional<uint64_t>> Units(Bytes& aranges, std::vector<uint64_t> addresses,
                                           Endian endian = Endian::kLittle) {
  return UnitsOfAddresses(aranges.data(), endian, addresses);
}

TEST(UnitsOfAddressesTest, FindsEachAddressInOnePass) {
  Bytes aranges;
  AddSet(aranges, 0x0, {{0x1000, 0x100}});
  AddSet(aranges, 0x40, {{0x2000, 0x10}, {0x3000, 0x10}});
  AddSet(aranges, 0x80, {{0x4000, 0x1}});
  auto units = Units(aranges, {0x3008, 0x1000, 0x10ff, 0x1100, 0x4000, 0x4001, 0});
  ASSERT_EQ(units.size(), 7u);
  EXPECT_EQ(units[0], 0x40u);
  EXPECT_EQ(units[1], 0x0u);
  EXPECT_EQ(units[2], 0x0u);
  EXPECT_EQ(units[3], std::nullopt);  // one past the range
  EXPECT_EQ(units[4], 0x80u);
  EXPECT_EQ(units[5], std::nullopt);
  EXPECT_EQ(units[6], std::nullopt);
  EXPECT_TRUE(Units(aranges, {}).empty());
}

TEST(UnitsOfAddressesTest, BigEndianAndDwarf64Sets) {
  Bytes be(Endian::kBig);
  AddSet(be, 0x1234, {{0xffff800008010000, 0x100}});
  EXPECT_EQ(Units(be, {0xffff800008010010}, Endian::kBig)[0], 0x1234u);

  // DWARF 64: 0xffffffff, 8-byte length, 8-byte unit offset; header 24 bytes,
  // tuples from 32.
  Bytes wide;
  wide.U(0xffffffff, 4).U(0, 8).U(2, 2).U(0x123456789, 8).U(8, 1).U(0, 1).Pad(32);
  wide.U(0x5000, 8).U(0x10, 8).U(0, 8).U(0, 8);
  wide.Patch(4, wide.size() - 12, 8);
  EXPECT_EQ(Units(wide, {0x5004})[0], 0x123456789u);
}

TEST(UnitsOfAddressesTest, MalformedSetsEndThePassKeepingWhatWasFound) {
  Bytes good;
  AddSet(good, 0x10, {{0x1000, 0x100}});
  const size_t first_set_end = good.size();

  // A length past the end of the section.
  Bytes past = good;
  past.U(0x7ffffff0, 4).U(2, 2).U(0x20, 4).U(8, 1).U(0, 1).Pad(first_set_end + 16);
  past.U(0x2000, 8).U(0x100, 8);
  auto units = Units(past, {0x1000, 0x2000});
  EXPECT_EQ(units[0], 0x10u);
  EXPECT_EQ(units[1], std::nullopt);

  // A length too short to hold the header's fields (they would lie past it).
  for (uint64_t length : {0u, 1u, 2u, 7u}) {
    Bytes tiny = good;
    tiny.U(length, 4).Pad(first_set_end + 64);
    units = Units(tiny, {0x1000, 0x2000});
    EXPECT_EQ(units[0], 0x10u) << length;
    EXPECT_EQ(units[1], std::nullopt) << length;
  }

  // Address sizes other than 4 and 8, and segment selectors, are refused.
  for (auto [address_size, segment_size] : {std::pair{3, 0}, std::pair{0, 0}, std::pair{8, 8}}) {
    Bytes odd;
    odd.U(28, 4).U(2, 2).U(0x20, 4).U(address_size, 1).U(segment_size, 1).Pad(16);
    odd.U(0x2000, 8).U(0x100, 8);
    EXPECT_EQ(Units(odd, {0x2000})[0], std::nullopt);
  }

  // A DWARF 64 escape with no room for its length, and stray bytes.
  Bytes escape;
  escape.U(0xffffffff, 4).U(0, 2);
  EXPECT_EQ(Units(escape, {0})[0], std::nullopt);
  Bytes stray;
  stray.U(0xab, 1).U(0xcd, 1);
  EXPECT_EQ(Units(stray, {0})[0], std::nullopt);
}

// A set whose length ends inside a tuple: the tuple is not read across the
// set's end (the bytes after it are the next set's, here a bad one).
TEST(UnitsOfAddressesTest, TuplesAreNotReadPastTheirSet) {
  Bytes aranges;
  AddSet(aranges, 0x10, {{0x1000, 0x100}, {0x2000, 0x100}});
  aranges.Patch(0, 16 + 16 + 8 - 4, 4);  // ends after the second tuple's address
  auto units = Units(aranges, {0x1000, 0x2000});
  EXPECT_EQ(units[0], 0x10u);
  EXPECT_EQ(units[1], std::nullopt);
  // The same bytes, big-endian, and a DWARF 64 set cut the same way.
  Bytes be(Endian::kBig);
  AddSet(be, 0x10, {{0x1000, 0x100}, {0x2000, 0x100}});
  be.Patch(0, 16 + 16 + 8 - 4, 4);
  units = Units(be, {0x1000, 0x2000}, Endian::kBig);
  EXPECT_EQ(units[0], 0x10u);
  EXPECT_EQ(units[1], std::nullopt);
  Bytes wide;
  wide.U(0xffffffff, 4).U(0, 8).U(2, 2).U(0x40, 8).U(8, 1).U(0, 1).Pad(32);
  wide.U(0x5000, 8).U(0x10, 8).U(0x6000, 8).U(0x10, 8);
  wide.Patch(4, wide.size() - 12 - 8, 8);  // the second tuple's length is outside
  units = Units(wide, {0x5004, 0x6004});
  EXPECT_EQ(units[0], 0x40u);
  EXPECT_EQ(units[1], std::nullopt);
}

TEST(UnitsOfAddressesTest, RangesThatWrapMatchNothingTheyDoNotHold) {
  Bytes aranges;
  AddSet(aranges, 0x10, {{0xfffffffffffffff0, 0x100}});  // first + length wraps
  auto units = Units(aranges, {0xfffffffffffffff8, 0x10});
  EXPECT_EQ(units[0], 0x10u);
  EXPECT_EQ(units[1], std::nullopt);
}

// ---------------------------------------------------------------- units

// An abbreviation table: one compile-unit entry with DW_AT_name strp and
// DW_AT_type of `form`, then a variable entry using DW_FORM_implicit_const.
Bytes Abbrevs(uint64_t form) {
  Bytes abbrev;
  abbrev.Uleb(1).Uleb(DW_TAG_compile_unit).U(DW_CHILDREN_yes, 1);
  abbrev.Uleb(DW_AT_name).Uleb(DW_FORM_strp).Uleb(DW_AT_type).Uleb(form).Uleb(0).Uleb(0);
  abbrev.Uleb(2).Uleb(DW_TAG_variable).U(DW_CHILDREN_no, 1);
  abbrev.Uleb(DW_AT_decl_line).Uleb(DW_FORM_implicit_const).Uleb(300);
  abbrev.Uleb(0).Uleb(0);
  abbrev.Uleb(0);
  return abbrev;
}

// .debug_info: 16 bytes of another unit's tail, then a DWARF 32 unit of
// `version` with `body` bytes after its header.
Bytes Info(int version, size_t body, int unit_type = DW_UT_compile, uint64_t abbrev_offset = 0) {
  Bytes info;
  info.Pad(16);
  const uint64_t header = version == 5 ? 12 : 11;
  info.U(header - 4 + body, 4).U(version, 2);
  if (version == 5) {
    info.U(unit_type, 1).U(8, 1).U(abbrev_offset, 4);
  } else {
    info.U(abbrev_offset, 4).U(8, 1);
  }
  info.Pad(info.size() + body);
  return info;
}

std::optional<UnitExtent> Extent(Bytes& info, Bytes& abbrev, uint64_t offset = 16) {
  return SelfContainedUnit(info.data(), abbrev.data(), Endian::kLittle, offset);
}

TEST(SelfContainedUnitTest, CompileUnitsOfEachVersion) {
  Bytes abbrev = Abbrevs(DW_FORM_ref4);
  for (int version : {2, 3, 4, 5}) {
    Bytes info = Info(version, 20);
    auto extent = Extent(info, abbrev);
    ASSERT_TRUE(extent.has_value()) << version;
    EXPECT_EQ(extent->end, info.size()) << version;
    EXPECT_EQ(extent->header_size, version == 5 ? 12u : 11u) << version;
  }
  Bytes partial = Info(5, 20, DW_UT_partial);
  EXPECT_TRUE(Extent(partial, abbrev).has_value());

  // DWARF 64, version 5: 12-byte length, 8-byte abbreviation offset.
  Bytes wide;
  wide.U(0xffffffff, 4).U(0, 8).U(5, 2).U(DW_UT_compile, 1).U(8, 1).U(0, 8).Pad(40);
  wide.Patch(4, wide.size() - 12, 8);
  auto extent = Extent(wide, abbrev, 0);
  ASSERT_TRUE(extent.has_value());
  EXPECT_EQ(extent->header_size, 24u);
  EXPECT_EQ(extent->end, 40u);
}

TEST(SelfContainedUnitTest, FormsThatLeaveTheUnitAreRefused) {
  for (uint64_t form : {DW_FORM_ref_addr, DW_FORM_ref_sig8, DW_FORM_indirect, DW_FORM_ref_sup4,
                        DW_FORM_ref_sup8, DW_FORM_strp_sup, DW_FORM_GNU_ref_alt,
                        DW_FORM_GNU_strp_alt, DW_FORM_GNU_addr_index, DW_FORM_GNU_str_index}) {
    Bytes abbrev = Abbrevs(form);
    Bytes info = Info(5, 20);
    EXPECT_FALSE(Extent(info, abbrev).has_value()) << form;
  }
  // Unit-relative references, strings and addresses elsewhere are fine.
  for (uint64_t form : {DW_FORM_ref1, DW_FORM_ref2, DW_FORM_ref4, DW_FORM_ref8, DW_FORM_ref_udata,
                        DW_FORM_strx1, DW_FORM_addrx, DW_FORM_line_strp}) {
    Bytes abbrev = Abbrevs(form);
    Bytes info = Info(5, 20);
    EXPECT_TRUE(Extent(info, abbrev).has_value()) << form;
  }
}

TEST(SelfContainedUnitTest, OtherUnitTypesAndVersionsAreRefused) {
  Bytes abbrev = Abbrevs(DW_FORM_ref4);
  for (int type : std::initializer_list<int>{DW_UT_type, DW_UT_skeleton, DW_UT_split_compile,
                                             DW_UT_split_type, 0, 0x80}) {
    Bytes info = Info(5, 20, type);
    EXPECT_FALSE(Extent(info, abbrev).has_value()) << type;
  }
  for (int version : {0, 1, 6, 0xffff}) {
    Bytes info = Info(4, 20);
    info.Patch(20, version, 2);
    EXPECT_FALSE(Extent(info, abbrev).has_value()) << version;
  }
}

TEST(SelfContainedUnitTest, HostileLengthsAndOffsetsAreRefused) {
  Bytes abbrev = Abbrevs(DW_FORM_ref4);
  Bytes info = Info(5, 20);
  // The offset: past the end, in the last bytes, at the very end.
  for (uint64_t offset :
       {uint64_t{info.size()}, uint64_t{info.size() - 2}, uint64_t{1} << 62, ~uint64_t{0}}) {
    EXPECT_FALSE(Extent(info, abbrev, offset).has_value()) << offset;
  }
  // Lengths: past the section, reserved, too short for the header, and a
  // DWARF 64 length that would wrap.
  for (uint64_t length :
       {uint64_t{0x1000}, uint64_t{0xfffffff0}, uint64_t{0xfffffffe}, uint64_t{7}, uint64_t{0}}) {
    Bytes bad = info;
    bad.Patch(16, length, 4);
    EXPECT_FALSE(Extent(bad, abbrev).has_value()) << length;
  }
  Bytes wide;
  wide.U(0xffffffff, 4).U(~uint64_t{0} - 4, 8).U(5, 2).U(DW_UT_compile, 1).U(8, 1).U(0, 8);
  EXPECT_FALSE(Extent(wide, abbrev, 0).has_value());
}

TEST(SelfContainedUnitTest, BrokenAbbreviationTablesAreRefused) {
  Bytes info = Info(5, 20);
  // The table's offset past .debug_abbrev.
  Bytes abbrev = Abbrevs(DW_FORM_ref4);
  Bytes far = Info(5, 20, DW_UT_compile, abbrev.size() + 100);
  EXPECT_FALSE(Extent(far, abbrev).has_value());
  // Cut anywhere before its terminating zero code.
  for (size_t cut = 0; cut < abbrev.size(); ++cut) {
    Bytes truncated = abbrev;
    truncated.data().resize(cut);
    EXPECT_FALSE(Extent(info, truncated).has_value()) << cut;
  }
  // An LEB128 that never ends.
  Bytes endless;
  for (int i = 0; i < 64; ++i) endless.U(0xff, 1);
  EXPECT_FALSE(Extent(info, endless).has_value());
  // More abbreviations than any compiler writes (65536 with no terminator).
  Bytes many;
  for (uint64_t code = 1; code <= 70000; ++code) {
    many.Uleb(code).Uleb(DW_TAG_base_type).U(DW_CHILDREN_no, 1).Uleb(0).Uleb(0);
  }
  many.Uleb(0);
  EXPECT_FALSE(Extent(info, many).has_value());
}

}  // namespace
}  // namespace csd::debuginfo_detail
