// SPDX-License-Identifier: MIT
// Golden tests for the decoder-ready writers: the OpenCSD snapshot ini text
// and the perf.data bytes, from a hand-built DumpSet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "base/sha256.h"
#include "coresight/etm_metadata.h"
#include "output/decoder_inputs.h"
#include "output/decoder_writer.h"
#include "output/perf/perf_records.h"
#include "output/perf/perf_writer.h"
#include "output/raw_writer.h"
#include "output/snapshot/snapshot_writer.h"
#include "sample_dump_set.h"
#include "test_files.h"

namespace csd {
namespace {

using testing_output::ByteVector;
using testing_output::DecoderTestEtm;
using testing_output::MetadataNode;
using testing_output::ReadText;
using testing_output::ScratchDir;
using testing_output::SinkNode;

constexpr uint64_t kText = 0xffff800009e50000;

// CPU 0 with metadata, CPU 1 with none (guessed), one 40-byte sink on CPU 1.
DumpSet DecoderDumpSet() {
  DumpSet set;
  set.target.arch = "arm64";
  set.target.vmlinux_build_id = "0123456789abcdef0123456789abcdef01234567";
  DumpNode meta = MetadataNode(0, 0, "META");
  meta.etm = DecoderTestEtm();
  set.nodes.push_back(meta);
  DumpNode sink = SinkNode(1, "20010000.etf", std::string(40, 'x'));
  sink.cpu = 1;
  set.nodes.push_back(sink);
  set.memory_images.push_back({kText, ByteVector("TEXTTEXT"), "dump"});
  return set;
}

std::string Text(const GeneratedFile& file) {
  const std::vector<std::byte> bytes = file.content.Flatten();
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(DecoderInputsTest, GuessesMissingMetadataAndDropsPartialFrames) {
  const DumpSet set = DecoderDumpSet();
  const DecoderInputs inputs = PlanDecoderInputs(set);
  ASSERT_EQ(inputs.sources.size(), 2u);
  EXPECT_TRUE(inputs.sources[0].guessed.empty());
  EXPECT_EQ(inputs.sources[1].config.etm4()->trctraceidr, 0x12u);  // legacy 0x10 + 2 * cpu
  EXPECT_EQ(inputs.sources[1].guessed.size(), 7u);
  ASSERT_EQ(inputs.sinks.size(), 1u);
  EXPECT_EQ(inputs.sinks[0].data.size(), 32u);
  EXPECT_EQ(inputs.sinks[0].dropped_tail, 8u);
  ASSERT_EQ(inputs.guesses.size(), 2u);
  EXPECT_NE(inputs.guesses[0].find("cpu 1: no ETM metadata"), std::string::npos);
  EXPECT_NE(inputs.guesses[0].find("TRCTRACEIDR=0x12"), std::string::npos);
  EXPECT_NE(inputs.guesses[1].find("8 trailing bytes"), std::string::npos);
  EXPECT_TRUE(inputs.warnings.empty());
}

TEST(DecoderInputsTest, LeavesOutCpusWhoseOtherProtocolMetadataDidNotValidate) {
  DumpSet set = DecoderDumpSet();
  // cpu 1 has an ETE block (magic 0x5050...) that did not validate (its
  // cpu word and parameter count are 0): guessing ETMv4 registers for it
  // would mis-decode.
  DumpNode ete = MetadataNode(2, 1, std::string(8, '\x50') + std::string(64, '\0'));
  auto parsed = ParseEtmMetadata(ete.data->span(), ete.cpu);
  ASSERT_TRUE(parsed.ok());
  ASSERT_FALSE(parsed->validated());
  ete.etm = *parsed;
  set.nodes.push_back(ete);
  const DecoderInputs inputs = PlanDecoderInputs(set);
  ASSERT_EQ(inputs.sources.size(), 1u);
  EXPECT_EQ(inputs.sources[0].cpu, 0);
  ASSERT_EQ(inputs.warnings.size(), 1u);
  EXPECT_NE(inputs.warnings[0].find("cpu 1: ETE metadata did not validate"), std::string::npos);
}

TEST(DecoderInputsTest, GuessesForEtmV4MetadataThatDidNotValidate) {
  DumpSet set = DecoderDumpSet();
  // cpu 0's block says cpu 5: its registers are kept in the node, but the
  // decoder inputs take the guesses as they do for any ETMv4 block that
  // did not validate.
  EtmV4Registers regs = *set.nodes[0].etm->etm4();
  regs.cpu = 5;
  set.nodes[0].etm = EtmConfig(regs, Error(ErrorCode::kCorrupt, "cpu word"));
  const DecoderInputs inputs = PlanDecoderInputs(set);
  ASSERT_EQ(inputs.sources.size(), 2u);
  EXPECT_EQ(inputs.sources[0].guessed.size(), 7u);
  ASSERT_EQ(inputs.guesses.size(), 3u);
  EXPECT_NE(inputs.guesses[0].find("cpu 0: ETM metadata did not validate"), std::string::npos);
  EXPECT_TRUE(inputs.warnings.empty());
}

// cpu 0 ETMv4 (as DecoderDumpSet), cpu 1 PTM, cpu 2 ETMv3, cpu 3 ETE.
DumpSet MixedProtocolDumpSet(std::string arch) {
  DumpSet set = DecoderDumpSet();
  set.target.arch = std::move(arch);
  set.nodes[1].cpu = 0;  // the sink
  DumpNode ptm = MetadataNode(2, 1, "PTM");
  ptm.etm = EtmV3Registers{1, 0x1000, 0x12, 0x344008f2, 0x411cf301};
  set.nodes.push_back(ptm);
  DumpNode etm3 = MetadataNode(3, 2, "ETM3");
  etm3.etm = EtmV3Registers{2, 0xc00, 0x14, 0x8c802000, 0x4114f250};
  set.nodes.push_back(etm3);
  DumpNode ete = MetadataNode(4, 3, "ETE");
  EteRegisters regs;
  regs.v4 = {3, 0x1, 0x16, 0x28000ea1, 0x4100fff0, 0x88c00004, 0x0, 0xcc};
  regs.trcdevarch = 0x47705a13;
  ete.etm = regs;
  set.nodes.push_back(ete);
  return set;
}

TEST(DecoderInputsTest, KeepsEtmV3PtmAndEteSources) {
  const DumpSet set = MixedProtocolDumpSet("arm64");
  const DecoderInputs inputs = PlanDecoderInputs(set);
  ASSERT_EQ(inputs.sources.size(), 4u);
  EXPECT_EQ(inputs.sources[0].protocol(), EtmProtocol::kEtmV4);
  EXPECT_EQ(inputs.sources[1].protocol(), EtmProtocol::kPtm);
  EXPECT_EQ(inputs.sources[2].protocol(), EtmProtocol::kEtmV3);
  EXPECT_EQ(inputs.sources[3].protocol(), EtmProtocol::kEte);
  EXPECT_EQ(inputs.sources[1].trace_id(), 0x12);
  EXPECT_EQ(inputs.sources[3].trace_id(), 0x16);
  EXPECT_TRUE(inputs.guesses.size() == 1u);  // only the dropped sink tail
  EXPECT_TRUE(inputs.warnings.empty());
}

TEST(SnapshotWriterTest, GoldenEtm3Ptm1AndEteInis) {
  const DumpSet set = MixedProtocolDumpSet("arm64");
  std::map<std::string, std::string> files;
  for (const auto& file : BuildSnapshot(set, PlanDecoderInputs(set))) files[file.path] = Text(file);
  EXPECT_EQ(files["opencsd/ETM_1.ini"],
            "[device]\nname=ETM_1\nclass=trace_source\ntype=PTM1\n\n[regs]\n"
            "ETMCR(0x000)=0x00001000\nETMIDR(0x079)=0x411cf301\nETMCCER(0x07A)=0x344008f2\n"
            "ETMTRACEIDR(0x080)=0x00000012\n");
  EXPECT_EQ(files["opencsd/ETM_2.ini"],
            "[device]\nname=ETM_2\nclass=trace_source\ntype=ETM3\n\n[regs]\n"
            "ETMCR(0x000)=0x00000c00\nETMIDR(0x079)=0x4114f250\nETMCCER(0x07A)=0x8c802000\n"
            "ETMTRACEIDR(0x080)=0x00000014\n");
  EXPECT_EQ(files["opencsd/ETM_3.ini"],
            "[device]\nname=ETM_3\nclass=trace_source\ntype=ETE\n\n[regs]\n"
            "TRCCONFIGR(0x004)=0x00000001\nTRCTRACEIDR(0x010)=0x00000016\n"
            "TRCIDR0(0x078)=0x28000ea1\nTRCIDR1(0x079)=0x4100fff0\nTRCIDR2(0x07A)=0x88c00004\n"
            "TRCIDR8(0x060)=0x00000000\nTRCAUTHSTATUS(0x3EE)=0x000000cc\n"
            "TRCDEVARCH(0x3EF)=0x47705a13\n");
  // arm64 dump: the ETMv3/PTM cores are ARMv8-A; ETE is ARM-AA64.
  EXPECT_NE(files["opencsd/cpu_1.ini"].find("type=ARMv8-A\n"), std::string::npos);
  EXPECT_NE(files["opencsd/cpu_2.ini"].find("type=ARMv8-A\n"), std::string::npos);
  EXPECT_NE(files["opencsd/cpu_3.ini"].find("type=ARM-AA64\n"), std::string::npos);

  const DumpSet arm32 = MixedProtocolDumpSet("arm");
  files.clear();
  for (const auto& file : BuildSnapshot(arm32, PlanDecoderInputs(arm32)))
    files[file.path] = Text(file);
  EXPECT_NE(files["opencsd/cpu_1.ini"].find("type=ARMv7-A\n"), std::string::npos);
  EXPECT_NE(files["opencsd/cpu_2.ini"].find("type=ARMv7-A\n"), std::string::npos);
}

TEST(SnapshotWriterTest, GoldenIniText) {
  const DumpSet set = DecoderDumpSet();
  std::map<std::string, std::string> files;
  for (const auto& file : BuildSnapshot(set, PlanDecoderInputs(set))) files[file.path] = Text(file);
  ASSERT_EQ(files.size(), 8u);
  EXPECT_EQ(files["opencsd/kernel_text.bin"], "TEXTTEXT");
  EXPECT_EQ(files["opencsd/20010000.etf.bin"], std::string(32, 'x'));
  EXPECT_EQ(files["opencsd/snapshot.ini"],
            "[snapshot]\nversion=1.0\n"
            "description=csdump-extract: CoreSight trace from a Linux crash dump\n\n"
            "[device_list]\ndevice1=cpu_0.ini\ndevice2=cpu_1.ini\ndevice3=ETM_0.ini\n"
            "device4=ETM_1.ini\n\n[trace]\nmetadata=trace.ini\n");
  EXPECT_EQ(files["opencsd/cpu_0.ini"],
            "[device]\nname=cpu_0\nclass=core\ntype=ARMv8-A\n\n"
            "[dump1]\nfile=kernel_text.bin\naddress=0xffff800009e50000\nlength=0x8\noffset=0x0\n");
  EXPECT_EQ(files["opencsd/ETM_1.ini"],
            "[device]\nname=ETM_1\nclass=trace_source\ntype=ETM4\n\n[regs]\n"
            "TRCCONFIGR(0x004)=0x00000000\nTRCTRACEIDR(0x010)=0x00000012\n"
            "TRCIDR0(0x078)=0x28000ea1\nTRCIDR1(0x079)=0x4100f403\nTRCIDR2(0x07A)=0x00000488\n"
            "TRCIDR8(0x060)=0x00000000\nTRCAUTHSTATUS(0x3EE)=0x000000cc\n");
  EXPECT_EQ(files["opencsd/trace.ini"],
            "[trace_buffers]\nbuffers=buffer0\n\n"
            "[buffer0]\nname=20010000.etf\nfile=20010000.etf.bin\nformat=coresight\n\n"
            "[source_buffers]\nETM_0=20010000.etf\nETM_1=20010000.etf\n\n"
            "[core_trace_sources]\ncpu_0=ETM_0\ncpu_1=ETM_1\n");
}

TEST(SnapshotWriterTest, BufferListHasNoSpacesAndCoreTypeFollowsEtmVersion) {
  DumpSet set = DecoderDumpSet();
  EtmV4Registers regs = *set.nodes[0].etm->etm4();
  regs.trcidr1 = 0x4100f443;  // ETMv4.4: AArch64 core pattern
  set.nodes[0].etm = regs;
  set.nodes.push_back(SinkNode(2, "etr", std::string(16, 'y')));
  std::map<std::string, std::string> files;
  for (const auto& file : BuildSnapshot(set, PlanDecoderInputs(set))) files[file.path] = Text(file);
  EXPECT_NE(files["opencsd/trace.ini"].find("buffers=buffer0,buffer1\n"), std::string::npos);
  EXPECT_NE(files["opencsd/cpu_0.ini"].find("type=ARM-AA64\n"), std::string::npos);
  // The second sink gets its own snapshot whose sources feed it.
  EXPECT_EQ(files["opencsd-etr/trace.ini"],
            "[trace_buffers]\nbuffers=buffer0\n\n"
            "[buffer0]\nname=etr\nfile=etr.bin\nformat=coresight\n\n"
            "[source_buffers]\nETM_0=etr\nETM_1=etr\n\n"
            "[core_trace_sources]\ncpu_0=ETM_0\ncpu_1=ETM_1\n");
  EXPECT_EQ(files["opencsd-etr/etr.bin"], std::string(16, 'y'));
  EXPECT_NE(files["opencsd-etr/cpu_1.ini"].find("file=../opencsd/kernel_text.bin\n"),
            std::string::npos);
}

uint64_t U64(const std::vector<std::byte>& b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v |= uint64_t(std::to_integer<uint8_t>(b[at + i])) << (8 * i);
  return v;
}
uint32_t U32(const std::vector<std::byte>& b, size_t at) {
  return static_cast<uint32_t>(U64(b, at));
}
uint16_t U16(const std::vector<std::byte>& b, size_t at) {
  return static_cast<uint16_t>(U64(b, at));
}

TEST(PerfWriterTest, HeaderAttrAndRecords) {
  const DumpSet set = DecoderDumpSet();
  auto file = BuildPerfData(set, PlanDecoderInputs(set));
  ASSERT_TRUE(file.ok()) << file.error().Describe();
  const std::vector<std::byte> b = file->content.Flatten();
  EXPECT_EQ(std::memcmp(b.data(), "PERFILE2", 8), 0);
  EXPECT_EQ(U64(b, 8), 104u);
  EXPECT_EQ(U64(b, 16), 128u);  // attr entry: 112-byte attr + ids section
  EXPECT_EQ(U64(b, 24), 104u);  // attrs.offset
  EXPECT_EQ(U64(b, 32), 128u);  // attrs.size
  const uint64_t data_offset = U64(b, 40);
  const uint64_t data_size = U64(b, 48);
  EXPECT_EQ(data_offset, 240u);
  EXPECT_EQ(U64(b, 72), (1u << 2) | (1u << 6) | (1u << 18));  // build id, arch, auxtrace
  // attr
  EXPECT_EQ(U32(b, 104), 8u);
  EXPECT_EQ(U32(b, 108), 112u);
  EXPECT_EQ(U64(b, 104 + 8), 0u);         // config: no timestamps
  EXPECT_EQ(U64(b, 104 + 24), 0x10183u);  // sample_type
  EXPECT_EQ(U64(b, 104 + 40), 1u << 18);  // sample_id_all
  EXPECT_EQ(U64(b, 216), 232u);           // ids.offset
  EXPECT_EQ(U64(b, 224), 8u);
  EXPECT_EQ(U64(b, 232), 42u);

  // Walk the records: MMAP, AUXTRACE_INFO, AUX, AUXTRACE (+payload), FINISHED_ROUND.
  std::vector<uint32_t> types;
  size_t at = data_offset;
  while (at < data_offset + data_size) {
    const uint32_t type = U32(b, at);
    const uint16_t size = U16(b, at + 6);
    types.push_back(type);
    if (type == perf::kRecordMmap) {
      EXPECT_EQ(U16(b, at + 4), perf::kMiscKernel);
      EXPECT_EQ(U64(b, at + 16), kText);  // start
      EXPECT_EQ(U64(b, at + 32), kText);  // pgoff = runtime _text
      EXPECT_STREQ(reinterpret_cast<const char*>(&b[at + 40]), "[kernel.kallsyms]_text");
    } else if (type == perf::kRecordAuxtraceInfo) {
      EXPECT_EQ(size, 16u + 24u + 2 * 80u);
      EXPECT_EQ(U32(b, at + 8), 3u);
      EXPECT_EQ(U64(b, at + 16), 1u);                       // header version 1
      EXPECT_EQ(U64(b, at + 24), (uint64_t{8} << 32) | 2);  // pmu type, nr cpus
      EXPECT_EQ(U64(b, at + 40), 0x4040404040404040u);
      EXPECT_EQ(U64(b, at + 40 + 8 * 4), 0x10u);       // cpu 0 TRCTRACEIDR
      EXPECT_EQ(U64(b, at + 40 + 80 + 8), 1u);         // cpu 1
      EXPECT_EQ(U64(b, at + 40 + 80 + 8 * 4), 0x12u);  // guessed ID
    } else if (type == perf::kRecordAux) {
      EXPECT_EQ(U64(b, at + 16), 32u);  // aux_size
      EXPECT_EQ(U32(b, at + 40), 1u);   // trailer cpu
    } else if (type == perf::kRecordAuxtrace) {
      EXPECT_EQ(size, 48u);
      EXPECT_EQ(U64(b, at + 8), 32u);
      EXPECT_EQ(U32(b, at + 40), 1u);  // cpu
      at += U64(b, at + 8);            // payload outside size
    }
    ASSERT_GT(size, 0u);
    at += size;
  }
  EXPECT_EQ(at, data_offset + data_size);
  EXPECT_EQ(types, (std::vector<uint32_t>{1, 70, 11, 71, 68}));

  // Feature index: build id, arch, auxtrace.
  const size_t index = data_offset + data_size;
  const uint64_t build_id_at = U64(b, index);
  EXPECT_EQ(U32(b, build_id_at), 67u);
  EXPECT_EQ(std::to_integer<uint8_t>(b[build_id_at + 12]), 0x01);
  EXPECT_EQ(std::to_integer<uint8_t>(b[build_id_at + 12 + 20]), 20);  // build id size
  const uint64_t arch_at = U64(b, index + 16);
  EXPECT_EQ(U32(b, arch_at), 64u);
  EXPECT_STREQ(reinterpret_cast<const char*>(&b[arch_at + 4]), "aarch64");
  const uint64_t aux_at = U64(b, index + 32);
  EXPECT_EQ(U64(b, aux_at), 1u);
  EXPECT_EQ(U32(b, U64(b, aux_at + 8)), 71u);  // points at the AUXTRACE record
  EXPECT_EQ(U64(b, aux_at + 16), 48u);
  EXPECT_EQ(aux_at + U64(b, index + 40), b.size());
}

TEST(PerfWriterTest, AuxtraceInfoBlocksPerProtocol) {
  const DumpSet set = MixedProtocolDumpSet("arm64");
  auto file = BuildPerfData(set, PlanDecoderInputs(set));
  ASSERT_TRUE(file.ok()) << file.error().Describe();
  const std::vector<std::byte> b = file->content.Flatten();
  size_t at = U64(b, 40);  // data offset; MMAP first, AUXTRACE_INFO second
  at += U16(b, at + 6);
  ASSERT_EQ(U32(b, at), perf::kRecordAuxtraceInfo);
  // ETMv4 10 words, PTM 7, ETMv3 7, ETE 11: all version-1 blocks (§2.3).
  EXPECT_EQ(U16(b, at + 6), 16u + 24u + 8u * (10 + 7 + 7 + 11));
  EXPECT_EQ(U64(b, at + 16), 1u);                       // header version 1
  EXPECT_EQ(U64(b, at + 24), (uint64_t{8} << 32) | 4);  // 4 CPUs
  size_t block = at + 40 + 80;                          // after the ETMv4 block of cpu 0
  const std::vector<uint64_t> ptm = {0x3030303030303030, 1,         4, 0x1000, 0x12,
                                     0x344008f2,         0x411cf301};
  for (size_t i = 0; i < ptm.size(); ++i) EXPECT_EQ(U64(b, block + 8 * i), ptm[i]) << i;
  block += 8 * ptm.size();
  const std::vector<uint64_t> etm3 = {0x3030303030303030, 2,         4, 0xc00, 0x14,
                                      0x8c802000,         0x4114f250};
  for (size_t i = 0; i < etm3.size(); ++i) EXPECT_EQ(U64(b, block + 8 * i), etm3[i]) << i;
  block += 8 * etm3.size();
  const std::vector<uint64_t> ete = {0x5050505050505050, 3,          8,          0x1, 0x16,
                                     0x28000ea1,         0x4100fff0, 0x88c00004, 0x0, 0xcc,
                                     0x47705a13};
  for (size_t i = 0; i < ete.size(); ++i) EXPECT_EQ(U64(b, block + 8 * i), ete[i]) << i;
  block += 8 * ete.size();
  EXPECT_EQ(block, at + U16(b, at + 6));
}

TEST(PerfWriterTest, RefusesWithoutKernelText) {
  DumpSet set = DecoderDumpSet();
  set.memory_images.clear();
  auto file = BuildPerfData(set, PlanDecoderInputs(set));
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message().find("_text"), std::string::npos);
}

// Sink bytes go from the DumpSet's buffer into every file that holds them:
// the snapshot's data file and perf.data's AUXTRACE payload borrow them.
TEST(DecoderWriterTest, SinkBytesAreBorrowedNotCopied) {
  const DumpSet set = DecoderDumpSet();
  const DecoderInputs inputs = PlanDecoderInputs(set);
  const std::byte* sink = set.nodes[1].data->data();
  bool found = false;
  for (const auto& file : BuildSnapshot(set, inputs)) {
    if (file.path != "opencsd/20010000.etf.bin") continue;
    found = true;
    ASSERT_EQ(file.content.Pieces().size(), 1u);
    EXPECT_EQ(file.content.Pieces()[0].data(), sink);
    EXPECT_EQ(file.content.size(), 32u);  // whole frames only
  }
  EXPECT_TRUE(found);
  auto perf = BuildPerfData(set, inputs);
  ASSERT_TRUE(perf.ok());
  size_t borrowed = 0;
  for (const auto& piece : perf->content.Pieces()) borrowed += piece.data() == sink;
  EXPECT_EQ(borrowed, 1u);
}

// Files that hold the same bytes get the same digest, whether it was computed
// or reused from the raw writer's records; every digest matches the file.
TEST(DecoderWriterTest, DigestsMatchTheFilesWhenReused) {
  DumpSet set = DecoderDumpSet();
  set.nodes[1].data = testing_output::BufferOf(std::string(48, 'y'));  // whole frames
  set.nodes.push_back(SinkNode(2, "20020000.etr", std::string(64, 'z')));
  set.nodes.back().cpu = 1;
  ScratchDir scratch;
  auto out = OutputDir::Create(scratch.path() / "out", false);
  ASSERT_TRUE(out.ok());
  auto raw = WriteRawOutputs(set, *out, WriteOptions{.write_manifest = false});
  ASSERT_TRUE(raw.ok());
  auto decoder =
      WriteDecoderOutputs(set, DecoderFormats{.opencsd = true, .perf = true}, *out, &raw->files);
  ASSERT_TRUE(decoder.ok()) << decoder.error().Describe();
  std::map<std::string, std::string> digests;
  for (const auto& f : raw->files) digests[f.path] = f.sha256;
  for (const auto& f : decoder->files) digests[f.path] = f.sha256;
  for (const auto& [path, digest] : digests) {
    const std::string text = ReadText(scratch.path() / "out" / path);
    EXPECT_EQ(digest, *Sha256Hex(testing_output::Bytes(text))) << path;
  }
  EXPECT_EQ(digests["opencsd/20010000.etf.bin"], digests["sinks/20010000.etf.bin"]);
  EXPECT_EQ(digests["opencsd-20020000.etr/20020000.etr.bin"], digests["opencsd/20020000.etr.bin"]);
  EXPECT_EQ(digests.count("perf.data"), 1u);
}

// --max-output-size at the largest decoder file: the plan accepts a cap of
// its size, refuses one byte less naming the flag, and writes nothing either
// way: the caller writes the raw files only after the plan passed.
TEST(DecoderWriterTest, PlanChecksTheSizeCapBeforeAnythingIsWritten) {
  const DumpSet set = DecoderDumpSet();
  const DecoderFormats formats{.opencsd = true, .perf = true};
  uint64_t largest = 0;
  {
    ScratchDir scratch;
    auto out = OutputDir::Create(scratch.path() / "out", false);
    ASSERT_TRUE(out.ok());
    auto written = WriteDecoderOutputs(set, formats, *out);
    ASSERT_TRUE(written.ok()) << written.error().Describe();
    for (const auto& f : written->files) largest = std::max(largest, f.size);
  }
  ASSERT_GT(largest, 0u);
  for (uint64_t cap : {largest - 1, largest, largest + 1}) {
    SCOPED_TRACE(cap);
    ScratchDir scratch;
    auto out = OutputDir::Create(scratch.path() / "out", false, {.max_file_size = cap});
    ASSERT_TRUE(out.ok());
    auto plan = PlanDecoderOutputs(set, formats, *out);
    EXPECT_TRUE(testing_output::ListTree(scratch.path() / "out").empty());
    if (cap < largest) {
      ASSERT_FALSE(plan.ok());
      EXPECT_EQ(plan.error().code(), ErrorCode::kLimit);
      EXPECT_NE(plan.error().message().find("--max-output-size"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(plan.ok()) << plan.error().Describe();
    auto written = WriteDecoderPlan(std::move(*plan), set, *out);
    ASSERT_TRUE(written.ok()) << written.error().Describe();
    for (const auto& f : written->files) EXPECT_LE(f.size, cap) << f.path;
  }
}

}  // namespace
}  // namespace csd
