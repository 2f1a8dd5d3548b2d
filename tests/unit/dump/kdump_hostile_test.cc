// SPDX-License-Identifier: MIT
// The flattened stream map, and hostile kdump headers: every truncation and
// absurd field must give a clear error, never a crash or an overread.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dump/kdump/byte_source.h"
#include "dump/kdump/flattened.h"
#include "dump/kdump/kdump_header.h"
#include "dump_test_util.h"
#include "kdump_builder.h"

namespace csd::testing {
namespace {

using ::testing::HasSubstr;

struct Flat {
  std::vector<std::byte> bytes = std::vector<std::byte>(kFlatHeaderSize);
  Flat() {
    std::memcpy(bytes.data(), "makedumpfile", 12);
    StoreUnsigned(std::span(bytes.data() + 16, 8), 1, Endian::kBig);
    StoreUnsigned(std::span(bytes.data() + 24, 8), 1, Endian::kBig);
  }
  Flat& Record(uint64_t offset, std::span<const std::byte> data,
               std::optional<uint64_t> size = std::nullopt) {
    const size_t at = bytes.size();
    bytes.resize(at + 16);
    StoreUnsigned(std::span(bytes.data() + at, 8), offset, Endian::kBig);
    StoreUnsigned(std::span(bytes.data() + at + 8, 8), size.value_or(data.size()), Endian::kBig);
    bytes.insert(bytes.end(), data.begin(), data.end());
    return *this;
  }
  Flat& End() {
    const std::vector<std::byte> ff(16, std::byte{0xff});
    bytes.insert(bytes.end(), ff.begin(), ff.end());
    return *this;
  }
};

std::vector<std::byte> Fill(size_t n, uint8_t v) {
  return std::vector<std::byte>(n, std::byte{v});
}

TEST(FlattenedTest, OutOfOrderOverlappingRecordsLaterWins) {
  Flat f;
  f.Record(100, Fill(50, 2))
      .Record(0, Fill(100, 1))
      .Record(120, Fill(10, 3))
      .Record(140, Fill(20, 4))
      .End();
  auto src = FlattenedSource::Create(f.bytes, "flat");
  ASSERT_TRUE(src.ok()) << src.error().Describe();
  EXPECT_EQ((*src)->size(), 160u);
  std::vector<std::byte> out(160);
  ASSERT_TRUE((*src)->Read(0, out).ok());
  for (size_t i = 0; i < 160; ++i) {
    const uint8_t want = i < 100 ? 1 : i < 120 ? 2 : i < 130 ? 3 : i < 140 ? 2 : 4;
    ASSERT_EQ(out[i], std::byte{want}) << i;
  }
  // A hole reads as zeros; past the end is an error.
  Flat h;
  h.Record(0, Fill(10, 1)).Record(20, Fill(10, 2)).End();
  auto hs = FlattenedSource::Create(h.bytes, "flat");
  ASSERT_TRUE(hs.ok());
  std::vector<std::byte> mid(10);
  ASSERT_TRUE((*hs)->Read(10, mid).ok());
  EXPECT_EQ(mid, Fill(10, 0));
  EXPECT_FALSE((*hs)->Read(25, mid).ok());
}

TEST(FlattenedTest, TruncatedAndBadStreams) {
  Flat f;
  f.Record(0, Fill(100, 1)).End();
  for (size_t cut = 0; cut < f.bytes.size(); cut += (cut < 4096 ? 1024 : 1)) {
    auto src = FlattenedSource::Create(std::span(f.bytes).first(cut), "flat");
    ASSERT_FALSE(src.ok()) << cut;
    EXPECT_EQ(src.error().code(), ErrorCode::kCorrupt);
  }
  Flat big;
  big.Record(0, Fill(10, 1), uint64_t{1} << 62).End();
  auto src = FlattenedSource::Create(big.bytes, "flat");
  ASSERT_FALSE(src.ok());
  EXPECT_THAT(src.error().Describe(), HasSubstr("record 0"));
  Flat wrap;
  wrap.Record(~uint64_t{0} - 4, Fill(10, 1)).End();
  EXPECT_FALSE(FlattenedSource::Create(wrap.bytes, "flat").ok());
  Flat version;
  StoreUnsigned(std::span(version.bytes.data() + 24, 8), 9, Endian::kBig);
  version.End();
  EXPECT_FALSE(FlattenedSource::Create(version.bytes, "flat").ok());
}

class KdumpHostileTest : public DumpFileTest {};

TEST_F(KdumpHostileTest, FlattenedKdumpOpensThroughOpenDump) {
  KdumpBuilder b;
  b.Page(3).Page(9);
  const auto file = b.Build();
  Flat f;
  for (size_t off = file.size(); off > 0;) {
    const size_t start = off > 700 ? off - 700 : 0;
    f.Record(start, std::span(file).subspan(start, off - start));
    off = start;
  }
  f.End();
  auto dump = Open(f.bytes);
  ASSERT_TRUE(dump.ok()) << dump.error().Describe();
  EXPECT_EQ((*dump)->FormatName(), "kdump-compressed (flattened)");
  std::vector<std::byte> out(1024);
  ASSERT_TRUE((*dump)->ReadPhysical(9 * 1024, out).ok());
  EXPECT_EQ(out, b.pages[9]);
}

TEST_F(KdumpHostileTest, EveryTruncationFailsCleanly) {
  KdumpBuilder b;
  b.Page(3).Page(9);
  const auto file = b.Build();
  for (size_t cut = 0; cut < file.size(); cut += 7) {
    const SpanSource source(std::span<const std::byte>(file).first(cut), "cut");
    auto h = ParseKdumpHeader(source);
    if (!h.ok()) {
      EXPECT_TRUE(h.error().code() == ErrorCode::kCorrupt || h.error().code() == ErrorCode::kLimit)
          << cut;
      continue;
    }
    // Headers intact but the data cut: opening or reading must fail, not crash.
    if (cut < 8) continue;
    auto dump = Open(std::span(file).first(cut));
    if (!dump.ok()) continue;
    std::vector<std::byte> out(1024);
    (void)(*dump)->ReadPhysical(9 * 1024, out);
  }
}

// The header's note and VMCOREINFO regions are read into memory whole, so
// --max-note-size bounds them too: a region of the cap's size is read, one
// byte more is ignored with a warning naming the flag.
TEST_F(KdumpHostileTest, NoteRegionCapIsHonouredAtItsBoundary) {
  KdumpBuilder b;
  b.Page(3);
  const auto file = b.Build();
  const SpanSource source(file, "x");
  auto h = ParseKdumpHeader(source);
  ASSERT_TRUE(h.ok());
  const uint64_t region = h->size_note;
  ASSERT_GT(region, b.vmcoreinfo.size());
  for (uint64_t cap : {region - 1, region, region + 1}) {
    SCOPED_TRACE(cap);
    diagnostics_ = CollectingDiagnostics();
    DumpOpenOptions options;
    options.notes.max_note_size = cap;
    auto dump = Open(file, options);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    // Below the cap, VMCOREINFO still comes from offset_vmcoreinfo, a smaller region.
    EXPECT_THAT((*dump)->VmcoreinfoText().value_or(""), HasSubstr("OSRELEASE=6.1.0"));
    std::string warnings;
    for (const auto& w : diagnostics_.warnings()) warnings += w + "\n";
    if (cap < region) {
      EXPECT_THAT(warnings, HasSubstr(fmt::format("note region at file offset {:#x} is {} bytes",
                                                  h->offset_note, region)));
      EXPECT_THAT(warnings, HasSubstr("raise with --max-note-size"));
    } else {
      EXPECT_EQ(warnings, "");
    }
  }
  // v3: VMCOREINFO only, through offset_vmcoreinfo.
  KdumpBuilder v3;
  v3.version = 3;
  v3.Page(3);
  const auto old_file = v3.Build();
  const uint64_t text = v3.vmcoreinfo.size();
  for (uint64_t cap : {text - 1, text, text + 1}) {
    SCOPED_TRACE(cap);
    diagnostics_ = CollectingDiagnostics();
    DumpOpenOptions options;
    options.notes.max_note_size = cap;
    auto dump = Open(old_file, options);
    ASSERT_TRUE(dump.ok()) << dump.error().Describe();
    EXPECT_EQ((*dump)->VmcoreinfoText().has_value(), cap >= text);
    if (cap < text) {
      ASSERT_EQ(diagnostics_.warnings().size(), 1u);
      EXPECT_THAT(diagnostics_.warnings()[0], HasSubstr("VMCOREINFO region"));
      EXPECT_THAT(diagnostics_.warnings()[0], HasSubstr("--max-note-size cap"));
    }
  }
}

TEST_F(KdumpHostileTest, AbsurdFieldsNameFieldValueAndOffset) {
  KdumpBuilder b;
  b.Page(3);
  const auto good = b.Build();
  struct Case {
    uint64_t offset;
    uint32_t value;
    const char* field;
  } cases[] = {
      {428, 3000, "block_size"},          {428, 1u << 24, "block_size"},
      {432, 0x7fffffff, "sub_hdr_size"},  {432, 0, "sub_hdr_size"},
      {436, 0x7fffffff, "bitmap_blocks"}, {436, 0, "bitmap_blocks"},
      {8, 0, "header_version"},
  };
  for (const Case& c : cases) {
    auto file = good;
    StoreUnsigned(std::span(file.data() + c.offset, 4), c.value, Endian::kLittle);
    auto dump = Open(file);
    ASSERT_FALSE(dump.ok()) << c.field;
    EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(dump.error().Describe(), HasSubstr(c.field));
    EXPECT_THAT(dump.error().Describe(), HasSubstr("file offset"));
  }
  // max_mapnr_64 (v6) larger than the bitmaps.
  auto file = good;
  StoreUnsigned(std::span(file.data() + 1024 + 96, 8), uint64_t{1} << 40, Endian::kLittle);
  auto dump = Open(file);
  ASSERT_FALSE(dump.ok());
  EXPECT_THAT(dump.error().Describe(), HasSubstr("max_mapnr"));
}

TEST_F(KdumpHostileTest, DescriptorsPointingAnywhere) {
  KdumpBuilder b;
  b.Page(3).Page(9);
  const auto good = b.Build();
  const SpanSource good_source(good, "x");
  auto h = ParseKdumpHeader(good_source);
  ASSERT_TRUE(h.ok());
  const uint64_t desc = h->data_offset();
  struct Case {
    uint64_t off;
    uint32_t size;
    uint32_t flags;
  } cases[] = {{uint64_t{1} << 50, 100, 1}, {desc, 0, 1}, {desc, 5000, 1},
               {desc, 100, 0x1234},         {1, 10, 1},   {desc + 24, 1024, 0x20}};
  for (const Case& c : cases) {
    auto file = good;
    StoreUnsigned(std::span(file.data() + desc + 24, 8), c.off, Endian::kLittle);
    StoreUnsigned(std::span(file.data() + desc + 24 + 8, 4), c.size, Endian::kLittle);
    StoreUnsigned(std::span(file.data() + desc + 24 + 12, 4), c.flags, Endian::kLittle);
    auto dump = Open(file);
    ASSERT_TRUE(dump.ok());
    std::vector<std::byte> out(1024);
    Status s = (*dump)->ReadPhysical(9 * 1024, out);
    ASSERT_FALSE(s.ok()) << c.off;
    EXPECT_EQ(s.error().code(), ErrorCode::kCorrupt) << s.error().Describe();
    EXPECT_THAT(s.error().Describe(), HasSubstr("PFN 0x9"));
  }
  // The bitmap promises more descriptors than the file holds.
  auto file = good;
  file.resize(desc + 30);
  auto dump = Open(file);
  ASSERT_FALSE(dump.ok());
  EXPECT_THAT(dump.error().Describe(), HasSubstr("page descriptors"));
}

}  // namespace
}  // namespace csd::testing
