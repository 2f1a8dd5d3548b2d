// SPDX-License-Identifier: MIT
#include "output/raw_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "sample_dump_set.h"
#include "test_files.h"

namespace csd {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing_output::BufferOf;
using testing_output::Bytes;
using testing_output::ByteVector;
using testing_output::IsSymlink;
using testing_output::ListTree;
using testing_output::MetadataNode;
using testing_output::ReadText;
using testing_output::SampleDumpSet;
using testing_output::ScratchDir;
using testing_output::SinkNode;
using testing_output::WriteText;

OutputDir MustCreate(const fs::path& dir, bool force, OutputDirOptions options = {}) {
  auto out = OutputDir::Create(dir, force, options);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().Describe());
  return std::move(out).value();
}

WriteReport MustWrite(const DumpSet& set, OutputDir& out, const WriteOptions& options = {}) {
  auto report = WriteRawOutputs(set, out, options);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().Describe());
  return report.ok() ? std::move(report).value() : WriteReport{};
}

nlohmann::json ReadManifest(const fs::path& dir) {
  return nlohmann::json::parse(ReadText(dir / "manifest.json"));
}

TEST(RawWriterTest, WritesBuffersAndManifest) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  WriteReport report = MustWrite(SampleDumpSet(), out);

  EXPECT_THAT(
      ListTree(scratch.path()),
      ElementsAre("manifest.json", "metadata", "metadata/cpu0.bin", "sinks", "sinks/tmc_etf0.bin"));
  EXPECT_EQ(ReadText(scratch.path() / "metadata/cpu0.bin"), "META");
  EXPECT_EQ(ReadText(scratch.path() / "sinks/tmc_etf0.bin"), "abc");
  EXPECT_FALSE(report.complete);
  EXPECT_EQ(report.manifest_path, "manifest.json");
  ASSERT_EQ(report.files.size(), 2u);
  EXPECT_EQ(report.files[1].path, "sinks/tmc_etf0.bin");
  EXPECT_EQ(report.files[1].size, 3u);
  // FIPS 180-2 "abc".
  EXPECT_EQ(report.files[1].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

  // The manifest on disk is exactly what BuildManifest gives for the report.
  EXPECT_EQ(ReadText(scratch.path() / "manifest.json"),
            SerializeManifest(BuildManifest(SampleDumpSet(), report.files)));
  auto manifest = ReadManifest(scratch.path());
  EXPECT_EQ(manifest["nodes"][1]["sha256"], report.files[1].sha256);
  EXPECT_EQ(manifest["nodes"][0]["file"], "metadata/cpu0.bin");
  EXPECT_TRUE(manifest["nodes"][2]["file"].is_null());
  EXPECT_EQ(manifest["nodes"][2]["error"], "cannot read buffer at 0xffff000004000000: not mapped");
  EXPECT_FALSE(manifest["complete"].get<bool>());
}

TEST(RawWriterTest, DeterministicAcrossRuns) {
  ScratchDir first;
  ScratchDir second;
  OutputDir out1 = MustCreate(first.path(), false);
  OutputDir out2 = MustCreate(second.path(), false);
  MustWrite(SampleDumpSet(), out1);
  MustWrite(SampleDumpSet(), out2);
  EXPECT_EQ(ListTree(first.path()), ListTree(second.path()));
  EXPECT_EQ(ReadText(first.path() / "manifest.json"), ReadText(second.path() / "manifest.json"));
}

TEST(RawWriterTest, HostileDeviceNamesStayInsideOut) {
  const std::vector<std::optional<std::string>> names = {"../../etc/x",
                                                         "",
                                                         ".",
                                                         "..",
                                                         "a/b",
                                                         "with space",
                                                         "\xc3\xbcnic\xc3\xb6"
                                                         "de",
                                                         std::string(500, 'n'),
                                                         std::nullopt,
                                                         "/abs"};
  DumpSet set;
  for (size_t i = 0; i < names.size(); ++i) {
    set.nodes.push_back(SinkNode(i, names[i], "data" + std::to_string(i)));
  }
  ScratchDir scratch;
  fs::path out_path = scratch.path() / "deep" / "out";
  OutputDir out = MustCreate(out_path, false);
  WriteReport report = MustWrite(set, out);

  std::vector<std::string> expected = {
      "sinks/_.._.._etc_x.bin", "sinks/unnamed.bin",
      "sinks/_..bin",           "sinks/_...bin",
      "sinks/a_b.bin",          "sinks/with_space.bin",
      "sinks/__nic__de.bin",    "sinks/" + std::string(64, 'n') + ".bin",
      "sinks/unnamed-1.bin",    "sinks/_abs.bin"};
  ASSERT_EQ(report.files.size(), expected.size());
  auto manifest = ReadManifest(out_path);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(report.files[i].path, expected[i]);
    EXPECT_EQ(ReadText(out_path / expected[i]), "data" + std::to_string(i));
    EXPECT_EQ(manifest["nodes"][i]["file"], expected[i]);
    // The manifest keeps the name exactly as the kernel had it.
    if (names[i]) {
      EXPECT_EQ(manifest["nodes"][i]["device"], *names[i]);
    } else {
      EXPECT_TRUE(manifest["nodes"][i]["device"].is_null());
    }
  }
  // Nothing anywhere but OUT/sinks and the manifest.
  std::vector<std::string> everything = ListTree(scratch.path());
  EXPECT_EQ(everything.size(), 2 + 1 + 1 + expected.size());  // deep, deep/out, sinks, manifest
  for (const auto& entry : everything) {
    EXPECT_TRUE(entry == "deep" || entry == "deep/out" || entry.starts_with("deep/out/")) << entry;
  }
  EXPECT_FALSE(fs::exists(scratch.path() / "etc"));
}

TEST(RawWriterTest, CollisionsNumberedInListOrder) {
  DumpSet set;
  set.nodes.push_back(SinkNode(0, "etf", "0"));
  set.nodes.push_back(MetadataNode(1, 1, "1"));
  set.nodes.push_back(SinkNode(2, "etf", "2"));
  set.nodes.push_back(SinkNode(3, "ETF", "3"));
  set.nodes.push_back(MetadataNode(4, 1, "4"));
  set.nodes.push_back(SinkNode(5, "etf-1", "5"));
  set.nodes.push_back(MetadataNode(6, -1, "6"));
  DumpNode unknown;
  unknown.index = 7;
  unknown.data = BufferOf("7");
  set.nodes.push_back(unknown);
  set.nodes.push_back(SinkNode(8, "etf", "8"));

  std::vector<std::string> expected = {
      "sinks/etf.bin",       "metadata/cpu1.bin", "sinks/etf-1.bin",          "sinks/ETF.bin",
      "metadata/cpu1-1.bin", "sinks/etf-1-1.bin", "metadata/cpu-unknown.bin", "nodes/node7.bin",
      "sinks/etf-2.bin"};
  std::vector<PlannedFile> plan = PlanRawOutputs(set);
  ASSERT_EQ(plan.size(), expected.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].node_index, i);
    EXPECT_EQ(plan[i].path, expected[i]);
  }

  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  WriteReport report = MustWrite(set, out);
  EXPECT_TRUE(report.complete);
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(ReadText(scratch.path() / expected[i]), std::to_string(i));
  }
}

TEST(RawWriterTest, NodesWithoutDataGetNoFile) {
  DumpSet set = SampleDumpSet();
  std::vector<PlannedFile> plan = PlanRawOutputs(set);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].node_index, 0u);
  EXPECT_EQ(plan[1].node_index, 1u);
}

TEST(RawWriterTest, SecondRunRefusedWithoutForceAndLeavesOutUnchanged) {
  ScratchDir scratch;
  {
    OutputDir out = MustCreate(scratch.path(), false);
    MustWrite(SampleDumpSet(), out);
  }
  std::string manifest_before = ReadText(scratch.path() / "manifest.json");
  auto tree_before = ListTree(scratch.path());

  DumpSet changed = SampleDumpSet();
  changed.nodes[1].data = BufferOf("new sink bytes");
  OutputDir out = MustCreate(scratch.path(), false);
  auto report = WriteRawOutputs(changed, out, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kIo);
  EXPECT_THAT(report.error().message(), HasSubstr("already exists"));
  EXPECT_EQ(ListTree(scratch.path()), tree_before);
  EXPECT_EQ(ReadText(scratch.path() / "sinks/tmc_etf0.bin"), "abc");
  EXPECT_EQ(ReadText(scratch.path() / "manifest.json"), manifest_before);
}

TEST(RawWriterTest, StaleManifestAloneBlocksTheRunBeforeAnythingIsWritten) {
  ScratchDir scratch;
  WriteText(scratch.path() / "manifest.json", "stale");
  OutputDir out = MustCreate(scratch.path(), false);
  auto report = WriteRawOutputs(SampleDumpSet(), out, {});
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.error().message(), HasSubstr("manifest.json"));
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("manifest.json"));
}

TEST(RawWriterTest, ForceReplacesPreviousRun) {
  ScratchDir scratch;
  {
    OutputDir out = MustCreate(scratch.path(), false);
    MustWrite(SampleDumpSet(), out);
  }
  DumpSet changed = SampleDumpSet();
  changed.nodes[1].data = BufferOf("new sink bytes");
  OutputDir out = MustCreate(scratch.path(), true);
  WriteReport report = MustWrite(changed, out);
  EXPECT_EQ(ReadText(scratch.path() / "sinks/tmc_etf0.bin"), "new sink bytes");
  auto digest = Sha256Hex(Bytes("new sink bytes"));
  ASSERT_TRUE(digest.ok());
  EXPECT_EQ(ReadManifest(scratch.path())["nodes"][1]["sha256"], *digest);
}

TEST(RawWriterTest, SymlinkedSinksDirectoryIsRefused) {
  for (bool force : {false, true}) {
    ScratchDir scratch;
    fs::path out_path = scratch.path() / "out";
    fs::path outside = scratch.path() / "outside";
    fs::create_directories(out_path);
    fs::create_directories(outside);
    fs::create_directory_symlink(outside, out_path / "sinks");
    OutputDir out = MustCreate(out_path, force);
    auto report = WriteRawOutputs(SampleDumpSet(), out, {});
    ASSERT_FALSE(report.ok());
    EXPECT_THAT(report.error().message(), HasSubstr("symbolic link"));
    EXPECT_THAT(ListTree(outside), IsEmpty());
    // Refused before the first write: metadata/ was not created either.
    EXPECT_THAT(ListTree(out_path), ElementsAre("sinks"));
    EXPECT_TRUE(IsSymlink(out_path / "sinks"));
  }
}

TEST(RawWriterTest, SizeCapRefusesTheRun) {
  ScratchDir scratch;
  OutputDirOptions options;
  options.max_file_size = 3;  // META is 4 bytes
  OutputDir out = MustCreate(scratch.path(), false, options);
  auto report = WriteRawOutputs(SampleDumpSet(), out, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), ErrorCode::kLimit);
  EXPECT_THAT(report.error().message(), HasSubstr("metadata/cpu0.bin"));
  EXPECT_THAT(report.error().message(), HasSubstr("over the per-file limit of 3 bytes"));
  EXPECT_THAT(report.error().message(), HasSubstr("raise with --max-output-size"));
  EXPECT_THAT(ListTree(scratch.path()), IsEmpty());
}

TEST(RawWriterTest, ManifestCanBeDeferred) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  WriteOptions options;
  options.write_manifest = false;
  WriteReport report = MustWrite(SampleDumpSet(), out, options);
  EXPECT_FALSE(report.manifest_path.has_value());
  EXPECT_FALSE(fs::exists(scratch.path() / "manifest.json"));
  ASSERT_TRUE(WriteManifest(SampleDumpSet(), report.files, out).ok());
  EXPECT_EQ(ReadText(scratch.path() / "manifest.json"),
            SerializeManifest(BuildManifest(SampleDumpSet(), report.files)));
}

TEST(RawWriterTest, EmptyDumpSetWritesOnlyTheManifest) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  DumpSet set;
  set.walk_error = "coresight_dump_list is empty";
  WriteReport report = MustWrite(set, out);
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("manifest.json"));
  auto manifest = ReadManifest(scratch.path());
  EXPECT_TRUE(manifest["nodes"].empty());
  EXPECT_EQ(manifest["walk_error"], "coresight_dump_list is empty");
  EXPECT_FALSE(manifest["complete"].get<bool>());
}

}  // namespace
}  // namespace csd
