// SPDX-License-Identifier: MIT
// OpenDump's probing: files no backend accepts, and files it cannot read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dump_test_util.h"

namespace csd::testing {
namespace {

using ::testing::HasSubstr;

using OpenDumpTest = DumpFileTest;

TEST_F(OpenDumpTest, NonElfShowsFirstBytes) {
  // The legacy diskdump signature: no backend reads it.
  const std::string text = "DISKDUMP\x01\x02 rest of a diskdump header";
  auto dump = Open(AsBytes(text));
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("not a vmcore"));
  EXPECT_THAT(dump.error().message(), HasSubstr("44 49 53 4b 44 55 4d 50 01 02"));
  EXPECT_THAT(dump.error().message(), HasSubstr("ELF core"));
}

TEST_F(OpenDumpTest, ShortNonElfFile) {
  auto dump =
      Open(AsBytes("\x7f"
                   "EL"));
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("the first 3 bytes are 7f 45 4c"));
}

TEST_F(OpenDumpTest, EmptyFile) {
  auto dump = Open({});
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("empty"));
  EXPECT_FALSE(dump.error().context().empty());  // names the path
}

TEST_F(OpenDumpTest, MissingFile) {
  auto dump = OpenDump("/nonexistent/csd-vmcore", {}, diagnostics_);
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kIo);
  EXPECT_THAT(dump.error().Describe(), HasSubstr("/nonexistent/csd-vmcore"));
}

TEST_F(OpenDumpTest, BadElfClassNamesTheField) {
  std::string bytes(64, '\0');
  bytes[0] = '\x7f';
  bytes[1] = 'E';
  bytes[2] = 'L';
  bytes[3] = 'F';
  bytes[4] = 9;
  bytes[5] = 1;
  auto dump = Open(AsBytes(bytes));
  ASSERT_FALSE(dump.ok());
  EXPECT_EQ(dump.error().code(), ErrorCode::kCorrupt);
  EXPECT_THAT(dump.error().message(), HasSubstr("EI_CLASS"));
  EXPECT_THAT(dump.error().Describe(), HasSubstr("(ELF core)"));
}

}  // namespace
}  // namespace csd::testing
