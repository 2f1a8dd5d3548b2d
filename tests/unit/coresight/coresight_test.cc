// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <array>
#include <string>

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

// The problem of a config that did not validate, or "" when it did.
std::string Problem(const EtmConfig& config) {
  return config.problem() ? config.problem()->message() : "";
}

TEST(EtmMetadata, DecodesTheHikeySample) {
  // kernel-abi.md §3.2, CPU 0 of the HiKey capture.
  auto block = Block({kEtmV4Magic, 0, 0x0, 0x10, 0x28000ea1, 0x4100f403, 0x488, 0x0, 0xcc});
  auto config = ParseEtmMetadata(block, 0);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_TRUE(config->validated());
  EXPECT_EQ(config->protocol(), EtmProtocol::kEtmV4);
  EXPECT_EQ(config->block_name(), "ETMv4");
  ASSERT_NE(config->etm4(), nullptr);
  EXPECT_EQ(config->etm3(), nullptr);
  EXPECT_EQ(config->ete(), nullptr);
  EXPECT_EQ(config->etm4_list(), config->etm4());
  const EtmV4Registers& regs = *config->etm4();
  EXPECT_EQ(regs.trcidr0, 0x28000ea1u);
  EXPECT_EQ(regs.trcidr1, 0x4100f403u);
  EXPECT_EQ(regs.trcidr2, 0x488u);
  EXPECT_EQ(regs.trcauthstatus, 0xccu);
  EXPECT_EQ(regs.trace_id(), 0x10);
  EXPECT_EQ(config->trace_id(), 0x10);
  EXPECT_EQ(config->cpu(), 0u);
}

TEST(EtmMetadata, TraceIdIsLowSevenBits) {
  auto config = ParseEtmMetadata(Block({kEtmV4Magic, 3, 0, 0xf96, 0, 0, 0, 0, 0}), 3);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->trace_id(), 0x16);
}

TEST(EtmMetadata, UnknownMagicOrNoMagicIsAnError) {
  auto bad_magic = ParseEtmMetadata(Block({0x1234, 0, 0, 0, 0, 0, 0, 0, 0}), 0);
  ASSERT_FALSE(bad_magic.ok());
  EXPECT_EQ(bad_magic.error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(bad_magic.error().message(),
            "magic 0x0000000000001234 is not the ETMv4 magic 0x4040404040404040");

  auto empty = ParseEtmMetadata({}, 0);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message(), "0 bytes, but an ETMv4 block is 72 bytes");
  std::array<std::byte, 5> tiny{};
  EXPECT_FALSE(ParseEtmMetadata(tiny, 0).ok());
}

// A block with a known magic that fails a check is still decoded: the
// config keeps its registers and says why it did not validate.
TEST(EtmMetadata, CpuMismatchKeepsTheRegisters) {
  auto config = ParseEtmMetadata(
      Block({kEtmV4Magic, 2, 0x1, 0x12, 0x28000ea1, 0x4100f403, 0x488, 0x0, 0xcc}), 1);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_FALSE(config->validated());
  ASSERT_TRUE(config->problem());
  EXPECT_EQ(config->problem()->code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Problem(*config), "the block's cpu word is 2 but the node is for cpu 1");
  EXPECT_EQ(config->protocol(), EtmProtocol::kEtmV4);
  ASSERT_NE(config->etm4(), nullptr);
  EXPECT_EQ(config->cpu(), 2u);
  EXPECT_EQ(config->etm4()->trcconfigr, 0x1u);
  EXPECT_EQ(config->etm4()->trcidr0, 0x28000ea1u);
  EXPECT_EQ(config->etm4()->trcauthstatus, 0xccu);
  EXPECT_EQ(config->trace_id(), 0x12);
}

TEST(EtmMetadata, WrongSizeKeepsTheWordsItHas) {
  auto short_block = ParseEtmMetadata(Block({kEtmV4Magic, 0, 0x1, 0x10, 0x28000ea1, 0}), 0);
  ASSERT_TRUE(short_block.ok());
  EXPECT_EQ(Problem(*short_block), "48 bytes, but an ETMv4 block is 72 bytes");
  EXPECT_EQ(short_block->etm4()->trcconfigr, 0x1u);
  EXPECT_EQ(short_block->etm4()->trcidr0, 0x28000ea1u);
  EXPECT_EQ(short_block->etm4()->trcauthstatus, 0u);  // beyond the block

  auto long_block = ParseEtmMetadata(Block({kEtmV4Magic, 0, 0, 0x10, 0, 0, 0, 0, 0xcc, 7}), 0);
  ASSERT_TRUE(long_block.ok());
  EXPECT_EQ(Problem(*long_block), "80 bytes, but an ETMv4 block is 72 bytes");
  EXPECT_EQ(long_block->etm4()->trcauthstatus, 0xccu);

  // Only the magic: the protocol is known, nothing else.
  auto magic_only = ParseEtmMetadata(Block({kEtmV4Magic}), 0);
  ASSERT_TRUE(magic_only.ok());
  EXPECT_EQ(Problem(*magic_only), "8 bytes, but an ETMv4 block is 72 bytes");
  EXPECT_EQ(magic_only->cpu(), 0u);
}

TEST(EtmV3Metadata, DecodesAValidBlock) {
  // kernel-abi.md §3.1 version-0 ETMv3/PTM block: magic, cpu, ETMCR,
  // ETMTRACEIDR, ETMCCER, ETMIDR. ETMIDR 0x4114f250 is ETMv3.5 (major 2).
  auto config =
      ParseEtmMetadata(Block({kEtmV3Magic, 2, 0x00000c00, 0x14, 0x344008f2, 0x4114f250}), 2);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_TRUE(config->validated());
  EXPECT_EQ(config->protocol(), EtmProtocol::kEtmV3);
  EXPECT_EQ(config->block_name(), "ETMv3/PTM");
  EXPECT_EQ(config->etm4_list(), nullptr);
  ASSERT_NE(config->etm3(), nullptr);
  const EtmV3Registers& regs = *config->etm3();
  EXPECT_EQ(regs.cpu, 2u);
  EXPECT_EQ(regs.etmcr, 0xc00u);
  EXPECT_EQ(regs.etmtraceidr, 0x14u);
  EXPECT_EQ(regs.etmccer, 0x344008f2u);
  EXPECT_EQ(regs.etmidr, 0x4114f250u);
  EXPECT_EQ(config->trace_id(), 0x14);
  EXPECT_EQ(config->cpu(), 2u);
  EXPECT_FALSE(regs.is_ptm());
}

TEST(EtmV3Metadata, TellsPtmFromEtmV3ByEtmidr) {
  // perf's rule (formats.md §2.3): (ETMIDR & 0x300) == 0x300 is PTM.
  // 0x411cf301 is a Cortex-A9 PTM (PFTv1.1, major version 3).
  auto ptm = ParseEtmMetadata(Block({kEtmV3Magic, 0, 0, 0x10, 0, 0x411cf301}), 0);
  ASSERT_TRUE(ptm.ok());
  EXPECT_TRUE(ptm->etm3()->is_ptm());
  EXPECT_EQ(ptm->protocol(), EtmProtocol::kPtm);
  EXPECT_EQ(ptm->block_name(), "ETMv3/PTM");
  auto etm3 = ParseEtmMetadata(Block({kEtmV3Magic, 0, 0, 0x10, 0, 0x410cf235}), 0);
  ASSERT_TRUE(etm3.ok());
  EXPECT_EQ(etm3->protocol(), EtmProtocol::kEtmV3);
  // Only bits [9:8] matter: major version 1 (0x100) is not PTM.
  EtmV3Registers regs;
  regs.etmidr = 0x100;
  EXPECT_FALSE(regs.is_ptm());
}

TEST(EtmV3Metadata, WrongSizeOrCpuIsRecordedNotDropped) {
  auto size = ParseEtmMetadata(Block({kEtmV3Magic, 0, 0, 0x10, 0, 0x411cf301, 0}), 0);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(Problem(*size), "56 bytes, but an ETMv3/PTM block is 48 bytes");
  EXPECT_EQ(size->protocol(), EtmProtocol::kPtm);
  auto cpu = ParseEtmMetadata(Block({kEtmV3Magic, 1, 0, 0x10, 0, 0}), 3);
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(Problem(*cpu), "the block's cpu word is 1 but the node is for cpu 3");
  EXPECT_EQ(cpu->etm3()->etmtraceidr, 0x10u);
  EXPECT_EQ(cpu->cpu(), 1u);
}

TEST(EteMetadata, DecodesEightAndNineParameterBlocks) {
  auto eight = ParseEtmMetadata(Block({kEteMagic, 1, 8, 0x1, 0x12, 0x28000ea1, 0x4100fff0,
                                       0x88c00004, 0x0, 0xcc, 0x47705a13}),
                                1);
  ASSERT_TRUE(eight.ok()) << eight.error().Describe();
  EXPECT_TRUE(eight->validated());
  EXPECT_EQ(eight->protocol(), EtmProtocol::kEte);
  EXPECT_EQ(eight->block_name(), "ETE");
  ASSERT_NE(eight->ete(), nullptr);
  EXPECT_EQ(eight->etm4(), nullptr);
  EXPECT_EQ(eight->etm4_list(), &eight->ete()->v4);
  const EteRegisters& regs = *eight->ete();
  EXPECT_EQ(regs.v4.cpu, 1u);
  EXPECT_EQ(regs.v4.trcconfigr, 0x1u);
  EXPECT_EQ(regs.v4.trcidr1, 0x4100fff0u);
  EXPECT_EQ(regs.v4.trcauthstatus, 0xccu);
  EXPECT_EQ(regs.trcdevarch, 0x47705a13u);
  EXPECT_EQ(eight->trace_id(), 0x12);
  EXPECT_FALSE(regs.ts_source);

  auto nine = ParseEtmMetadata(Block({kEteMagic, 0, 9, 0, 0x10, 0, 0, 0, 0, 0, 0x47705a13, 1}), 0);
  ASSERT_TRUE(nine.ok()) << nine.error().Describe();
  EXPECT_TRUE(nine->validated());
  ASSERT_TRUE(nine->ete()->ts_source);
  EXPECT_EQ(*nine->ete()->ts_source, 1u);
}

TEST(EteMetadata, BadCountSizeOrCpuIsRecordedNotDropped) {
  // nr_params says 9 but only 8 follow.
  auto size = ParseEtmMetadata(Block({kEteMagic, 0, 9, 0, 0x10, 0, 0, 0, 0, 0, 0}), 0);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(Problem(*size), "88 bytes, but an ETE block with 9 parameters is 96 bytes");
  EXPECT_EQ(size->protocol(), EtmProtocol::kEte);
  EXPECT_FALSE(size->ete()->ts_source);
  auto count = ParseEtmMetadata(Block({kEteMagic, 0, 7, 0, 0x10, 0, 0, 0, 0, 0}), 0);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(Problem(*count), "ETE block has 7 parameters; expected 8 or 9");
  auto cpu = ParseEtmMetadata(Block({kEteMagic, 4, 8, 0, 0x10, 0, 0, 0, 0, 0, 0x47705a13}), 0);
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ(Problem(*cpu), "the block's cpu word is 4 but the node is for cpu 0");
  EXPECT_EQ(cpu->ete()->trcdevarch, 0x47705a13u);
  EXPECT_EQ(cpu->trace_id(), 0x10);
  auto header = ParseEtmMetadata(Block({kEteMagic, 0}), 0);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(Problem(*header), "16 bytes, too short for an ETE block header");
}

TEST(EtmConfig, ProtocolNames) {
  EXPECT_EQ(EtmProtocolName(EtmProtocol::kEtmV4), "ETMv4");
  EXPECT_EQ(EtmProtocolName(EtmProtocol::kEte), "ETE");
  EXPECT_EQ(EtmProtocolName(EtmProtocol::kEtmV3), "ETMv3");
  EXPECT_EQ(EtmProtocolName(EtmProtocol::kPtm), "PTM");
  // A config built from registers is a validated one.
  const EtmConfig config = EtmV4Registers{};
  EXPECT_TRUE(config.validated());
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
