// SPDX-License-Identifier: MIT
// perf.data's HEADER_ARCH follows the dump's architecture (formats.md §2.4):
// perf takes the kernel/user address split from it, so a 32-bit ARM dump
// that said "aarch64" (as every perf.data once did) would not decode on a
// host that is not ARM.
#include "output/perf/perf_writer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "output/decoder_inputs.h"
#include "output/perf/perf_records.h"
#include "sample_dump_set.h"

namespace csd {
namespace {

using testing_output::ByteVector;
using testing_output::DecoderTestEtm;
using testing_output::MetadataNode;
using testing_output::SinkNode;

uint64_t U64(const std::vector<std::byte>& b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= uint64_t{std::to_integer<uint8_t>(b.at(at + i))} << (8 * i);
  return v;
}

// A one-CPU dump of `arch` whose kernel text starts at `text`.
DumpSet OneCpuDumpSet(std::string arch, uint64_t text) {
  DumpSet set;
  set.target.arch = std::move(arch);
  DumpNode meta = MetadataNode(0, 0, "META");
  meta.etm = DecoderTestEtm();
  set.nodes.push_back(meta);
  set.nodes.push_back(SinkNode(1, "20010000.etf", std::string(32, 'x')));
  set.memory_images.push_back({text, ByteVector("TEXTTEXT"), "dump"});
  return set;
}

// The payload offset of feature `bit`: the index after the data section
// lists the features present, in ascending bit order.
uint64_t FeatureAt(const std::vector<std::byte>& b, unsigned bit) {
  const uint64_t index = U64(b, 40) + U64(b, 48);  // data offset + size
  size_t slot = 0;
  for (unsigned i = 0; i < bit; ++i) {
    if (U64(b, 72 + 8 * (i / 64)) & (uint64_t{1} << (i % 64))) ++slot;
  }
  EXPECT_TRUE(U64(b, 72 + 8 * (bit / 64)) & (uint64_t{1} << (bit % 64))) << "feature " << bit;
  return U64(b, index + 16 * slot);
}

// HEADER_ARCH is perf's string: u32 length (padded), then the NUL-padded name.
std::string HeaderArch(const std::vector<std::byte>& b) {
  const uint64_t at = FeatureAt(b, perf::kFeatArch);
  const auto length = static_cast<uint32_t>(U64(b, at));
  EXPECT_EQ(length % 64, 0u);
  std::string name(reinterpret_cast<const char*>(&b.at(at + 4)), length);
  return name.substr(0, name.find('\0'));
}

TEST(PerfWriterArchTest, ThirtyTwoBitArmIsArmv7l) {
  const DumpSet set = OneCpuDumpSet("arm", 0xc0008000);
  auto file = BuildPerfData(set, PlanDecoderInputs(set));
  ASSERT_TRUE(file.ok()) << file.error().Describe();
  const std::vector<std::byte> b = file->content.Flatten();
  EXPECT_EQ(HeaderArch(b), "armv7l");
  // The kernel MMAP record still maps from the runtime _text up.
  const uint64_t mmap = U64(b, 40);
  EXPECT_EQ(U64(b, mmap) & 0xffffffff, perf::kRecordMmap);
  EXPECT_EQ(U64(b, mmap + 16), 0xc0008000u);
}

TEST(PerfWriterArchTest, Arm64IsAarch64) {
  const DumpSet set = OneCpuDumpSet("arm64", 0xffff800009e50000);
  auto file = BuildPerfData(set, PlanDecoderInputs(set));
  ASSERT_TRUE(file.ok()) << file.error().Describe();
  EXPECT_EQ(HeaderArch(file->content.Flatten()), "aarch64");
}

TEST(PerfWriterArchTest, UnknownArchIsRefusedNotGuessed) {
  for (const char* arch : {"", "unknown", "x86_64"}) {
    const DumpSet set = OneCpuDumpSet(arch, 0xc0008000);
    auto file = BuildPerfData(set, PlanDecoderInputs(set));
    ASSERT_FALSE(file.ok()) << arch;
    EXPECT_EQ(file.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(file.error().message().find("HEADER_ARCH"), std::string::npos);
    EXPECT_NE(file.error().message().find("\"" + std::string(arch) + "\""), std::string::npos);
  }
}

}  // namespace
}  // namespace csd
