// SPDX-License-Identifier: MIT
// Opening inputs (base/input_file.h) and owning descriptors (base/unique_fd.h).
// A FIFO named as an input must be refused at once: opened the plain way it
// would block forever waiting for a writer. These tests have no timing
// assertion; ctest's TIMEOUT on this binary (tests/unit/base/CMakeLists.txt)
// turns a hang into a failure.
#include "base/input_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/mapped_file.h"
#include "base/unique_fd.h"
#include "support/scratch_dir.h"

namespace csd {
namespace {

using ::testing::HasSubstr;

using ::csd::testing::ScratchDir;

bool IsOpen(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

TEST(OpenInputFile, RefusesAFifoWithoutWaitingForAWriter) {
  ScratchDir dir;
  const auto fifo = dir.path() / "vmcore";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto opened = OpenInputFile(fifo, "vmlinux");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kIo);
  EXPECT_EQ(opened.error().message(),
            "vmlinux " + fifo.string() + " is not a regular file (a FIFO)");
}

TEST(OpenInputFile, MappedFileRefusesAFifoToo) {
  ScratchDir dir;
  const auto fifo = dir.path() / "ram.bin";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto mapped = MappedFile::Open(fifo);
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.error().code(), ErrorCode::kIo);
  EXPECT_THAT(mapped.error().message(), HasSubstr("is not a regular file (a FIFO)"));
}

TEST(OpenInputFile, NamesOtherSpecialFiles) {
  ScratchDir dir;
  auto directory = OpenInputFile(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.error().message(),
            dir.path().string() + " is not a regular file (a directory)");
  auto device = OpenInputFile("/dev/null");
  ASSERT_FALSE(device.ok());
  EXPECT_THAT(device.error().message(), HasSubstr("(a character device)"));
}

TEST(OpenInputFile, OpensARegularFileBlockingAndFollowsLinks) {
  ScratchDir dir;
  const auto path = dir.path() / "data";
  std::ofstream(path) << "hello";
  const auto link = dir.path() / "link";
  std::filesystem::create_symlink(path, link);
  auto opened = OpenInputFile(link);
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  EXPECT_EQ(opened->size, 5u);
  const int flags = ::fcntl(opened->fd.get(), F_GETFL);
  ASSERT_NE(flags, -1);
  EXPECT_EQ(flags & O_NONBLOCK, 0);
  EXPECT_EQ(flags & O_ACCMODE, O_RDONLY);
  EXPECT_NE(::fcntl(opened->fd.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(OpenInputFile, SaysWhyItCannotOpen) {
  ScratchDir dir;
  auto missing = OpenInputFile(dir.path() / "missing", "RAM image");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo);
  EXPECT_THAT(missing.error().message(),
              HasSubstr("cannot open RAM image " + (dir.path() / "missing").string() + ": "));
}

TEST(UniqueFd, ClosesWhatItOwnsOnce) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    UniqueFd fd(raw);
    EXPECT_TRUE(fd.valid());
    EXPECT_EQ(fd.get(), raw);
    UniqueFd moved(std::move(fd));
    EXPECT_FALSE(fd.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(moved.get(), raw);
    UniqueFd assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned.get(), raw);
    EXPECT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));
}

TEST(UniqueFd, ReleaseResetAndClose) {
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  UniqueFd fd(raw);
  EXPECT_EQ(fd.Release(), raw);
  EXPECT_FALSE(fd);
  EXPECT_TRUE(IsOpen(raw));  // released, not closed

  fd.Reset(raw);
  int other = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(other, 0);
  fd.Reset(other);  // closes the first
  EXPECT_FALSE(IsOpen(raw));
  EXPECT_EQ(fd.Close(), 0);
  EXPECT_FALSE(IsOpen(other));
  EXPECT_FALSE(fd.valid());
  EXPECT_EQ(fd.Close(), 0);  // nothing held: nothing to report

  UniqueFd failed(-1);  // a failed open owns nothing
  EXPECT_FALSE(failed.valid());
}

}  // namespace
}  // namespace csd
