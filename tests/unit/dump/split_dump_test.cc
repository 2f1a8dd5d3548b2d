// SPDX-License-Identifier: MIT
// Assembling the files of a kdump dump on its own, from in-memory parts:
// ordering, the checks that parts belong together and cover the PFNs once,
// the warnings, and truncated parts.
#include "dump/kdump/split_dump.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dump_test_util.h"
#include "kdump_builder.h"

namespace csd::testing {
namespace {

using ::testing::HasSubstr;

// Pages 3, 4 and 40 of a 64-PFN machine, cut into parts at `cuts`.
KdumpBuilder SplitBuilder() {
  KdumpBuilder b;
  b.Page(3).Page(4).Page(40);
  b.ram = {3, 4, 5, 6, 40, 41};
  b.split = true;
  return b;
}

// The bytes of each part [cuts[i], cuts[i + 1]).
std::vector<std::vector<std::byte>> BuildParts(KdumpBuilder b, const std::vector<uint64_t>& cuts) {
  std::vector<std::vector<std::byte>> files;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    b.start = cuts[i];
    b.end = cuts[i + 1];
    files.push_back(b.Build());
  }
  return files;
}

// Sources over `files` in the order of `order`, labelled "part<index>".
std::vector<std::unique_ptr<ByteSource>> Sources(const std::vector<std::vector<std::byte>>& files,
                                                 const std::vector<size_t>& order) {
  std::vector<std::unique_ptr<ByteSource>> sources;
  for (size_t i : order) {
    sources.push_back(std::make_unique<SpanSource>(files[i], fmt::format("part{}", i)));
  }
  return sources;
}

TEST(SplitDumpTest, PartsGivenInAnyOrderAreSortedByPfn) {
  const auto files = BuildParts(SplitBuilder(), {0, 4, 30, 64});
  CollectingDiagnostics diagnostics;
  auto parts = AssembleKdumpParts(Sources(files, {2, 0, 1}), diagnostics);
  ASSERT_TRUE(parts.ok()) << parts.error().Describe();
  ASSERT_EQ(parts->size(), 3u);
  const uint64_t starts[] = {0, 4, 30}, ends[] = {4, 30, 64}, pages[] = {1, 1, 1};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*parts)[i].source->label(), fmt::format("part{}", i));
    EXPECT_EQ((*parts)[i].start(), starts[i]);
    EXPECT_EQ((*parts)[i].end(), ends[i]);
    EXPECT_EQ((*parts)[i].dumped.total(), pages[i]);  // descriptors of its own range only
  }
  EXPECT_TRUE(diagnostics.warnings().empty());
}

TEST(SplitDumpTest, LoneFilesAndShortSetsWarn) {
  // A whole dump: PFNs [0, max_mapnr), no warning.
  KdumpBuilder whole = SplitBuilder();
  whole.split = false;
  const std::vector<std::vector<std::byte>> one = {whole.Build()};
  CollectingDiagnostics quiet;
  auto parts = AssembleKdumpParts(Sources(one, {0}), quiet);
  ASSERT_TRUE(parts.ok()) << parts.error().Describe();
  EXPECT_EQ(parts->front().start(), 0u);
  EXPECT_EQ(parts->front().end(), 64u);
  EXPECT_EQ(parts->front().dumped.total(), 3u);
  EXPECT_TRUE(quiet.warnings().empty());

  // One part of a split dump on its own: read, with a hint.
  const auto files = BuildParts(SplitBuilder(), {0, 4, 30, 64});
  CollectingDiagnostics lone;
  ASSERT_TRUE(AssembleKdumpParts(Sources(files, {1}), lone).ok());
  ASSERT_EQ(lone.warnings().size(), 1u);
  EXPECT_THAT(lone.warnings()[0],
              HasSubstr("part1 is one part of a split dump (PFNs [0x4, 0x1e))"));
  EXPECT_THAT(lone.warnings()[0], HasSubstr("--split-part"));

  // The last part missing: the rest still opens, with a warning.
  CollectingDiagnostics short_set;
  ASSERT_TRUE(AssembleKdumpParts(Sources(files, {1, 0}), short_set).ok());
  ASSERT_EQ(short_set.warnings().size(), 1u);
  EXPECT_THAT(short_set.warnings()[0], HasSubstr("covers PFNs up to 0x1e of 0x40"));
}

TEST(SplitDumpTest, GapsOverlapsAndStrangersAreCorrupt) {
  const auto files = BuildParts(SplitBuilder(), {0, 4, 30, 64});
  CollectingDiagnostics diagnostics;
  auto expect_corrupt = [&](std::vector<std::unique_ptr<ByteSource>> sources,
                            const std::string& what) {
    auto parts = AssembleKdumpParts(std::move(sources), diagnostics);
    ASSERT_FALSE(parts.ok()) << what;
    EXPECT_EQ(parts.error().code(), ErrorCode::kCorrupt);
    EXPECT_THAT(parts.error().Describe(), HasSubstr(what));
  };
  expect_corrupt(Sources(files, {2, 0}), "missing PFNs [0x4, 0x1e)");
  expect_corrupt(Sources(files, {0, 1, 1, 2}), "split parts overlap: part1 starts at PFN 0x4");

  // A whole (unsplit) dump given with a part.
  KdumpBuilder whole = SplitBuilder();
  whole.split = false;
  std::vector<std::vector<std::byte>> mixed = {files[0], whole.Build()};
  expect_corrupt(Sources(mixed, {0, 1}), "part1 is not part of a split dump");

  // Parts of different dumps: each differing field is named.
  struct Stranger {
    void (*change)(KdumpBuilder&);
    const char* what;
  } strangers[] = {
      {[](KdumpBuilder& b) { b.max_mapnr = 128; }, "max_mapnr is 0x40 in part0 but 0x80 in part1"},
      {[](KdumpBuilder& b) { b.phys_base = 0x40000000; }, "phys_base"},
      {[](KdumpBuilder& b) { b.endian = Endian::kBig; }, "byte order/layout"},
      {[](KdumpBuilder& b) { b.machine = "x86_64"; }, "but part1 is  x86_64"},
  };
  for (const Stranger& s : strangers) {
    KdumpBuilder other = SplitBuilder();
    s.change(other);
    other.start = 4;
    other.end = 64;
    std::vector<std::vector<std::byte>> pair = {files[0], other.Build()};
    expect_corrupt(Sources(pair, {0, 1}), s.what);
  }

  auto none = AssembleKdumpParts({}, diagnostics);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kInvalidArgument);
}

// Hostile input: a split part cut anywhere (header, bitmaps, descriptors,
// page data) never assembles into a set that reads past its end. Wherever
// the cut falls in the headers or descriptors, the error is kCorrupt and
// names the truncated part.
TEST(SplitDumpTest, TruncatedPartFailsNamingIt) {
  auto files = BuildParts(SplitBuilder(), {0, 4, 30, 64});
  const std::vector<std::byte> whole = files[1];
  const SpanSource intact(whole, "part1");
  auto header = ParseKdumpHeader(intact);
  ASSERT_TRUE(header.ok()) << header.error().Describe();
  const uint64_t descriptors_end = header->data_offset() + kKdumpPageDescSize;  // one page
  ASSERT_LT(descriptors_end, whole.size());
  size_t failures = 0;
  for (size_t cut = 0; cut < descriptors_end; cut += 5) {
    SCOPED_TRACE(cut);
    files[1].assign(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut));
    CollectingDiagnostics diagnostics;
    auto parts = AssembleKdumpParts(Sources(files, {0, 1, 2}), diagnostics);
    ASSERT_FALSE(parts.ok());
    EXPECT_TRUE(parts.error().code() == ErrorCode::kCorrupt ||
                parts.error().code() == ErrorCode::kLimit)
        << parts.error().Describe();
    EXPECT_THAT(parts.error().Describe(), HasSubstr("part1")) << parts.error().Describe();
    ++failures;
  }
  EXPECT_GT(failures, 100u);
  // Cut inside the descriptors: the 2nd bitmap promises more than is there.
  files[1].assign(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(descriptors_end - 1));
  CollectingDiagnostics diagnostics;
  auto parts = AssembleKdumpParts(Sources(files, {0, 1, 2}), diagnostics);
  ASSERT_FALSE(parts.ok());
  EXPECT_THAT(parts.error().Describe(),
              HasSubstr("part1: the 2nd bitmap promises 1 page descriptors"));
}

}  // namespace
}  // namespace csd::testing
