// SPDX-License-Identifier: MIT
// Extract(), the one call every front end makes, on the bundled demo dump:
// what it writes and reports, which stage a failure names, that a refused
// run leaves nothing behind, and that warnings of every kind reach the one
// DiagnosticSink.
#include "extract/extract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace csd {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

namespace fs = std::filesystem;

class ExtractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::error_code ec;
    tmp_ = fs::temp_directory_path(ec) /
           ("csd-extract-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_, ec);
    ASSERT_TRUE(fs::create_directories(tmp_, ec)) << ec.message();
    request_.dump.vmcore = fs::path(CSD_DEMO_DIR) / "vmcore";
    request_.debuginfo.vmlinux = fs::path(CSD_DEMO_DIR) / "vmlinux";
    request_.debuginfo.search.standard_places = false;
    request_.output.directory = tmp_ / "out";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(tmp_, ec);
  }

  fs::path tmp_;
  ExtractRequest request_;
  CollectingDiagnostics diagnostics_;
};

TEST_F(ExtractTest, WritesEveryFormatAndReportsTheNodes) {
  auto report = Extract(request_, diagnostics_);
  ASSERT_TRUE(report.ok()) << report.error().error.Describe();
  EXPECT_TRUE(report->complete());
  EXPECT_EQ(report->set.source, "panic-dump-list");
  ASSERT_EQ(report->set.nodes.size(), 4u);
  ASSERT_EQ(report->files.size(), 4u);
  EXPECT_EQ(report->files[2].path, "sinks/f6402000.etf.bin");
  EXPECT_EQ(report->files[2].size, 4096u);
  EXPECT_TRUE(fs::is_regular_file(request_.output.directory / "manifest.json"));
  EXPECT_TRUE(fs::is_regular_file(request_.output.directory / "perf.data"));
  EXPECT_TRUE(fs::is_directory(request_.output.directory / "opencsd"));
  EXPECT_THAT(report->decoder.formats, Contains("opencsd"));
  EXPECT_FALSE(report->decoder.files.empty());
  // Written, then released: the report describes, it does not hold bytes.
  for (const auto& node : report->set.nodes) EXPECT_FALSE(node.data.has_value());
  EXPECT_TRUE(report->set.memory_images.empty());
}

TEST_F(ExtractTest, RawOnlyWritesNoDecoderFiles) {
  request_.output.formats = OutputFormats{.raw = true, .opencsd = false, .perf = false};
  auto report = Extract(request_, diagnostics_);
  ASSERT_TRUE(report.ok()) << report.error().error.Describe();
  EXPECT_EQ(report->files.size(), 4u);
  EXPECT_TRUE(report->decoder.files.empty());
  EXPECT_FALSE(fs::exists(request_.output.directory / "perf.data"));
}

TEST_F(ExtractTest, AWarningRecordedInTheManifestAlsoReachesTheSink) {
  request_.text_limits.max_bytes = 1;  // no kernel text for the decoders
  auto report = Extract(request_, diagnostics_);
  ASSERT_TRUE(report.ok()) << report.error().error.Describe();
  ASSERT_EQ(report->set.warnings.size(), 1u);
  EXPECT_THAT(report->set.warnings[0], HasSubstr("no kernel text for the decoders"));
  EXPECT_THAT(diagnostics_.warnings(), Contains(report->set.warnings[0]));
  std::ifstream manifest(request_.output.directory / "manifest.json");
  const std::string text((std::istreambuf_iterator<char>(manifest)), {});
  EXPECT_THAT(text, HasSubstr("no kernel text for the decoders"));
}

TEST_F(ExtractTest, AMissingDumpFailsAtTheDumpStage) {
  request_.dump.vmcore = tmp_ / "absent";
  auto report = Extract(request_, diagnostics_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().stage, ExtractStage::kDump);
  EXPECT_THAT(report.error().error.Describe(), HasSubstr("absent"));
  EXPECT_FALSE(fs::exists(request_.output.directory));
}

TEST_F(ExtractTest, AVmlinuxThatIsNoElfFailsAtTheVmlinuxStage) {
  const fs::path bogus = tmp_ / "vmlinux";
  std::ofstream(bogus) << "not an ELF file\n";
  request_.debuginfo.vmlinux = bogus;
  auto report = Extract(request_, diagnostics_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().stage, ExtractStage::kVmlinux);
  EXPECT_FALSE(fs::exists(request_.output.directory));
}

TEST_F(ExtractTest, AnExistingManifestWithoutForceIsRefusedAndOutIsLeftAsItWas) {
  fs::create_directories(request_.output.directory);
  std::ofstream(request_.output.directory / "manifest.json") << "{}\n";
  auto report = Extract(request_, diagnostics_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().stage, ExtractStage::kOutput);
  EXPECT_FALSE(fs::exists(request_.output.directory / "sinks"));
  EXPECT_FALSE(fs::exists(request_.output.directory / "perf.data"));

  request_.output.force = true;
  auto forced = Extract(request_, diagnostics_);
  ASSERT_TRUE(forced.ok()) << forced.error().error.Describe();
  EXPECT_TRUE(fs::is_regular_file(request_.output.directory / "sinks" / "f6402000.etf.bin"));
}

TEST_F(ExtractTest, AFileOverTheOutputCapIsRefusedBeforeAnythingIsWritten) {
  request_.output.max_file_size = 4095;  // the ETF sink is 4096 bytes
  auto report = Extract(request_, diagnostics_);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().stage, ExtractStage::kOutput);
  EXPECT_EQ(report.error().error.code(), ErrorCode::kLimit);
  // OUT was created by this run and holds nothing, so it is gone again.
  EXPECT_FALSE(fs::exists(request_.output.directory));
}

}  // namespace
}  // namespace csd
