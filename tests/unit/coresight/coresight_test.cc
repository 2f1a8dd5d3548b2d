// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <array>

#include "base/byte_reader.h"
#include "coresight/etm_metadata.h"
#include "coresight/sink_buffer.h"

namespace csd {
namespace {

std::vector<std::byte> Block(std::initializer_list<uint64_t> words) {
  std::vector<std::byte> out(words.size() * 8);
  size_t i = 0;
  for (uint64_t w : words) StoreUnsigned(std::span(out).subspan(8 * i++, 8), w, Endian::kLittle);
  return out;
}

TEST(EtmMetadata, DecodesTheHikeySample) {
  // kernel-abi.md §3.2, CPU 0 of the HiKey capture.
  auto block = Block({kEtmV4Magic, 0, 0x0, 0x10, 0x28000ea1, 0x4100f403, 0x488, 0x0, 0xcc});
  auto regs = ParseEtmV4Metadata(block, 0);
  ASSERT_TRUE(regs.ok()) << regs.error().Describe();
  EXPECT_EQ(regs->trcidr0, 0x28000ea1u);
  EXPECT_EQ(regs->trcidr1, 0x4100f403u);
  EXPECT_EQ(regs->trcidr2, 0x488u);
  EXPECT_EQ(regs->trcauthstatus, 0xccu);
  EXPECT_EQ(regs->trace_id(), 0x10);
}

TEST(EtmMetadata, TraceIdIsLowSevenBits) {
  auto block = Block({kEtmV4Magic, 3, 0, 0xf96, 0, 0, 0, 0, 0});
  auto regs = ParseEtmV4Metadata(block, 3);
  ASSERT_TRUE(regs.ok());
  EXPECT_EQ(regs->trace_id(), 0x16);
}

TEST(EtmMetadata, RejectsWrongMagicCpuAndSize) {
  auto bad_magic = ParseEtmV4Metadata(Block({0x1234, 0, 0, 0, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(bad_magic.ok());
  EXPECT_NE(bad_magic.error().message().find("magic"), std::string::npos);

  auto etm3 = ParseEtmV4Metadata(Block({kEtmV3Magic, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(etm3.ok());
  EXPECT_NE(etm3.error().message().find("ETMv3/PTM"), std::string::npos);

  auto cpu = ParseEtmV4Metadata(Block({kEtmV4Magic, 2, 0, 0, 0, 0, 0, 0, 0}), 1);
  ASSERT_FALSE(cpu.ok());
  EXPECT_NE(cpu.error().message().find("cpu word is 2"), std::string::npos);

  auto short_block = ParseEtmV4Metadata(Block({kEtmV4Magic, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(short_block.ok());
  EXPECT_NE(short_block.error().message().find("48 bytes"), std::string::npos);

  EXPECT_FALSE(ParseEtmV4Metadata({}, 0).ok());
  std::array<std::byte, 5> tiny{};
  EXPECT_FALSE(ParseEtmV4Metadata(tiny, 0).ok());
}

TEST(SinkBuffer, BarrierDetection) {
  std::vector<std::byte> buffer(64);
  EXPECT_FALSE(StartsWithBarrier(buffer));
  for (size_t i = 0; i < 4; ++i) {
    StoreUnsigned(std::span(buffer).subspan(i * 4, 4), 0x7fffffff, Endian::kLittle);
  }
  EXPECT_TRUE(StartsWithBarrier(buffer));
  EXPECT_FALSE(StartsWithBarrier(std::span(buffer).first(15)));
  StoreUnsigned(std::span(buffer).subspan(12, 4), 0x7ffffffe, Endian::kLittle);
  EXPECT_FALSE(StartsWithBarrier(buffer));
}

}  // namespace
}  // namespace csd
