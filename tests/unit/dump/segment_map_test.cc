// SPDX-License-Identifier: MIT
// SegmentMap against a byte-by-byte model: random overlapping, truncated and
// excluded segments over a small PA space; every read must agree with the
// model on success, error code and failing address.
#include "dump/segment_map.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <random>

namespace csd::testing {
namespace {

using ::testing::HasSubstr;

enum class Model { kHole, kByte, kTruncated, kExcluded };

struct ModelByte {
  Model kind = Model::kHole;
  std::byte value{0};
};

// The documented priority: file bytes, then truncated, then excluded; the
// earlier segment wins among equals.
std::vector<ModelByte> BuildModel(const std::vector<DumpSegment>& segments,
                                  const std::vector<std::byte>& file, size_t space) {
  std::vector<ModelByte> model(space);
  auto rank = [](Model m) { return m == Model::kByte ? 0 : m == Model::kTruncated ? 1 : 2; };
  for (const DumpSegment& s : segments) {
    for (uint64_t i = 0; i < s.mem_size; ++i) {
      Model kind = Model::kExcluded;
      if (i < s.file_size)
        kind = s.file_offset + i < file.size() ? Model::kByte : Model::kTruncated;
      ModelByte& m = model[s.paddr + i];
      if (m.kind != Model::kHole && rank(m.kind) <= rank(kind)) continue;
      m.kind = kind;
      if (kind == Model::kByte) m.value = file[s.file_offset + i];
    }
  }
  return model;
}

// Expected outcome of reading [pa, pa+size): the bytes, or the first failure.
struct Outcome {
  std::vector<std::byte> bytes;
  std::optional<std::pair<ErrorCode, uint64_t>> failure;
};

Outcome ModelRead(const std::vector<ModelByte>& model, uint64_t pa, size_t size, bool zero_fill) {
  Outcome out;
  for (uint64_t a = pa; a < pa + size; ++a) {
    const Model kind = a < model.size() ? model[a].kind : Model::kHole;
    if (kind == Model::kByte) {
      out.bytes.push_back(model[a].value);
    } else if (kind == Model::kExcluded && zero_fill) {
      out.bytes.push_back(std::byte{0});
    } else {
      const ErrorCode code = kind == Model::kHole        ? ErrorCode::kNotMapped
                             : kind == Model::kTruncated ? ErrorCode::kCorrupt
                                                         : ErrorCode::kExcluded;
      out.failure = {{code, a}};
      return out;
    }
  }
  return out;
}

void CheckAgainstModel(unsigned seed, bool zero_fill) {
  std::mt19937 rng(seed);
  constexpr size_t kSpace = 512;
  std::vector<std::byte> file(300);
  for (auto& b : file) b = static_cast<std::byte>(rng());
  std::vector<DumpSegment> segments;
  const int count = 1 + rng() % 8;
  for (int i = 0; i < count; ++i) {
    DumpSegment s;
    s.paddr = rng() % 400;
    s.mem_size = rng() % 100;
    s.file_size = s.mem_size == 0 ? 0 : rng() % (s.mem_size + 1);
    s.file_offset = rng() % 320;  // sometimes past the end: truncated
    segments.push_back(s);
  }
  CollectingDiagnostics diagnostics;
  const SegmentMap map(segments, file, {.zero_fill_excluded = zero_fill, .notes = {}}, diagnostics,
                       "model");
  const auto model = BuildModel(segments, file, kSpace);
  for (int trial = 0; trial < 400; ++trial) {
    const uint64_t pa = rng() % kSpace;
    const size_t size = 1 + rng() % 64;
    const Outcome expected = ModelRead(model, pa, size, zero_fill);
    std::vector<std::byte> out(size);
    const Status status = map.Read(pa, out);
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " pa " << pa << " size " << size);
    if (!expected.failure) {
      ASSERT_TRUE(status.ok()) << status.error().Describe();
      ASSERT_EQ(out, expected.bytes);
      continue;
    }
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), expected.failure->first);
    EXPECT_THAT(status.error().message(),
                HasSubstr(fmt::format("physical address {:#x} ", expected.failure->second)));
  }
  // Ranges are exactly the model's file-byte runs, sorted and merged.
  std::vector<PhysicalRange> ranges;
  for (uint64_t a = 0; a < kSpace; ++a) {
    if (model[a].kind != Model::kByte) continue;
    if (!ranges.empty() && ranges.back().start + ranges.back().size == a) {
      ++ranges.back().size;
    } else {
      ranges.push_back({a, 1});
    }
  }
  ASSERT_EQ(map.ranges().size(), ranges.size()) << "seed " << seed;
  for (size_t i = 0; i < ranges.size(); ++i) {
    EXPECT_EQ(map.ranges()[i].start, ranges[i].start);
    EXPECT_EQ(map.ranges()[i].size, ranges[i].size);
  }
}

TEST(SegmentMapTest, MatchesModelWithoutZeroFill) {
  for (unsigned seed = 1; seed <= 200; ++seed) CheckAgainstModel(seed, false);
}

TEST(SegmentMapTest, MatchesModelWithZeroFill) {
  for (unsigned seed = 1001; seed <= 1200; ++seed) CheckAgainstModel(seed, true);
}

// The same kernel image described twice with identical bytes: one merged range.
TEST(SegmentMapTest, IdenticalOverlapMergesRanges) {
  std::vector<std::byte> file(0x3000, std::byte{0x5a});
  const std::vector<DumpSegment> segments = {{0x1000, 0, 0, 0x3000, 0x3000},
                                             {0x2000, 0, 0x1000, 0x1000, 0x1000}};
  CollectingDiagnostics diagnostics;
  const SegmentMap map(segments, file, {}, diagnostics, "overlap");
  ASSERT_EQ(map.ranges().size(), 1u);
  EXPECT_EQ(map.ranges()[0].start, 0x1000u);
  EXPECT_EQ(map.ranges()[0].size, 0x3000u);
}

TEST(SegmentMapTest, FileSizeLargerThanMemSizeIsClamped) {
  std::vector<std::byte> file(0x100, std::byte{1});
  const std::vector<DumpSegment> segments = {{0x1000, 0, 0, 0x100, 0x80}};
  CollectingDiagnostics diagnostics;
  const SegmentMap map(segments, file, {}, diagnostics, "clamp");
  ASSERT_EQ(map.ranges().size(), 1u);
  EXPECT_EQ(map.ranges()[0].size, 0x80u);
  ASSERT_EQ(diagnostics.warnings().size(), 1u);
  EXPECT_THAT(diagnostics.warnings()[0], HasSubstr("p_filesz > p_memsz"));
  std::byte b;
  EXPECT_EQ(map.Read(0x1080, {&b, 1}).error().code(), ErrorCode::kNotMapped);
}

// Many overlapping segments must not make open quadratic.
TEST(SegmentMapTest, ManyOverlappingSegments) {
  std::vector<std::byte> file(0x10000, std::byte{7});
  std::vector<DumpSegment> segments;
  for (uint64_t i = 0; i < 65535; ++i) segments.push_back({i, 0, 0, 0x10000, 0x10000});
  CollectingDiagnostics diagnostics;
  const SegmentMap map(segments, file, {}, diagnostics, "many");
  ASSERT_EQ(map.ranges().size(), 1u);
  EXPECT_EQ(map.ranges()[0].size, 65535u + 0x10000 - 1);
  std::vector<std::byte> out(0x100);
  ASSERT_TRUE(map.Read(0x8000, out).ok());
  EXPECT_EQ(out, std::vector<std::byte>(0x100, std::byte{7}));
}

}  // namespace
}  // namespace csd::testing
