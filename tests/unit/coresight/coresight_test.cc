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

TEST(EtmV3Metadata, DecodesAValidBlock) {
  // kernel-abi.md §3.1 version-0 ETMv3/PTM block: magic, cpu, ETMCR,
  // ETMTRACEIDR, ETMCCER, ETMIDR. ETMIDR 0x4114f250 is ETMv3.5 (major 2).
  auto regs =
      ParseEtmV3Metadata(Block({kEtmV3Magic, 2, 0x00000c00, 0x14, 0x344008f2, 0x4114f250}), 2);
  ASSERT_TRUE(regs.ok()) << regs.error().Describe();
  EXPECT_EQ(regs->cpu, 2u);
  EXPECT_EQ(regs->etmcr, 0xc00u);
  EXPECT_EQ(regs->etmtraceidr, 0x14u);
  EXPECT_EQ(regs->etmccer, 0x344008f2u);
  EXPECT_EQ(regs->etmidr, 0x4114f250u);
  EXPECT_EQ(regs->trace_id(), 0x14);
  EXPECT_FALSE(regs->is_ptm());
}

TEST(EtmV3Metadata, TellsPtmFromEtmV3ByEtmidr) {
  // perf's rule (formats.md §2.3): (ETMIDR & 0x300) == 0x300 is PTM.
  // 0x411cf301 is a Cortex-A9 PTM (PFTv1.1, major version 3).
  auto ptm = ParseEtmV3Metadata(Block({kEtmV3Magic, 0, 0, 0x10, 0, 0x411cf301}), 0);
  ASSERT_TRUE(ptm.ok());
  EXPECT_TRUE(ptm->is_ptm());
  auto etm3 = ParseEtmV3Metadata(Block({kEtmV3Magic, 0, 0, 0x10, 0, 0x410cf235}), 0);
  ASSERT_TRUE(etm3.ok());
  EXPECT_FALSE(etm3->is_ptm());
  // Only bits [9:8] matter: major version 1 (0x100) is not PTM.
  EtmV3Registers regs;
  regs.etmidr = 0x100;
  EXPECT_FALSE(regs.is_ptm());
}

TEST(EtmV3Metadata, RejectsWrongSizeCpuAndMagic) {
  auto size = ParseEtmV3Metadata(Block({kEtmV3Magic, 0, 0, 0x10, 0, 0, 0}), 0);
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message().find("56 bytes, but an ETMv3/PTM block is 48"),
            std::string::npos);
  auto cpu = ParseEtmV3Metadata(Block({kEtmV3Magic, 1, 0, 0x10, 0, 0}), 3);
  ASSERT_FALSE(cpu.ok());
  EXPECT_NE(cpu.error().message().find("cpu word is 1 but the node is for cpu 3"),
            std::string::npos);
  auto v4 = ParseEtmV3Metadata(Block({kEtmV4Magic, 0, 0, 0x10, 0, 0}), 0);
  ASSERT_FALSE(v4.ok());
  EXPECT_NE(v4.error().message().find("ETMv4 metadata"), std::string::npos);
  EXPECT_FALSE(ParseEtmV3Metadata({}, 0).ok());
}

TEST(EteMetadata, DecodesEightAndNineParameterBlocks) {
  auto eight = ParseEteMetadata(Block({kEteMagic, 1, 8, 0x1, 0x12, 0x28000ea1, 0x4100fff0,
                                       0x88c00004, 0x0, 0xcc, 0x47705a13}),
                                1);
  ASSERT_TRUE(eight.ok()) << eight.error().Describe();
  EXPECT_EQ(eight->v4.cpu, 1u);
  EXPECT_EQ(eight->v4.trcconfigr, 0x1u);
  EXPECT_EQ(eight->v4.trcidr1, 0x4100fff0u);
  EXPECT_EQ(eight->v4.trcauthstatus, 0xccu);
  EXPECT_EQ(eight->trcdevarch, 0x47705a13u);
  EXPECT_EQ(eight->trace_id(), 0x12);
  EXPECT_FALSE(eight->ts_source);

  auto nine = ParseEteMetadata(Block({kEteMagic, 0, 9, 0, 0x10, 0, 0, 0, 0, 0, 0x47705a13, 1}), 0);
  ASSERT_TRUE(nine.ok()) << nine.error().Describe();
  ASSERT_TRUE(nine->ts_source);
  EXPECT_EQ(*nine->ts_source, 1u);
}

TEST(EteMetadata, RejectsBadCountSizeCpuAndMagic) {
  // nr_params says 9 but only 8 follow.
  auto size = ParseEteMetadata(Block({kEteMagic, 0, 9, 0, 0x10, 0, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(size.ok());
  EXPECT_NE(size.error().message().find("with 9 parameters is 96 bytes"), std::string::npos);
  auto count = ParseEteMetadata(Block({kEteMagic, 0, 7, 0, 0x10, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(count.ok());
  EXPECT_NE(count.error().message().find("7 parameters"), std::string::npos);
  auto cpu = ParseEteMetadata(Block({kEteMagic, 4, 8, 0, 0x10, 0, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(cpu.ok());
  EXPECT_NE(cpu.error().message().find("cpu word is 4"), std::string::npos);
  auto magic = ParseEteMetadata(Block({kEtmV3Magic, 0, 8, 0, 0x10, 0, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(magic.ok());
  EXPECT_NE(magic.error().message().find("ETMv3/PTM metadata"), std::string::npos);
  EXPECT_FALSE(ParseEteMetadata(Block({kEteMagic, 0}), 0).ok());
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
