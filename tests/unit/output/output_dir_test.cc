// SPDX-License-Identifier: MIT
#include "output/output_dir.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "output/staged_file.h"
#include "test_files.h"

namespace csd {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing_output::Bytes;
using testing_output::IsSymlink;
using testing_output::ListTree;
using testing_output::ReadText;
using testing_output::ScratchDir;
using testing_output::WriteText;

OutputDir MustCreate(const fs::path& dir, bool force, OutputDirOptions options = {}) {
  auto out = OutputDir::Create(dir, force, options);
  EXPECT_TRUE(out.ok()) << (out.ok() ? "" : out.error().Describe());
  return std::move(out).value();
}

TEST(OutputDirTest, CreateMakesMissingParents) {
  ScratchDir scratch;
  fs::path dir = scratch.path() / "a" / "b" / "out";
  OutputDir out = MustCreate(dir, false);
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_EQ(out.path(), dir);
}

TEST(OutputDirTest, CreateAcceptsExistingDirectoryAndTrailingSlash) {
  ScratchDir scratch;
  fs::create_directory(scratch.path() / "out");
  OutputDir out = MustCreate((scratch.path() / "out").string() + "//", false);
  EXPECT_EQ(out.path(), scratch.path() / "out");
  ASSERT_TRUE(out.WriteFile("x.bin", Bytes("x")).ok());
  EXPECT_EQ(ReadText(scratch.path() / "out" / "x.bin"), "x");
}

TEST(OutputDirTest, CreateRefusesSymlinkedOut) {
  ScratchDir scratch;
  fs::create_directory(scratch.path() / "real");
  fs::create_directory_symlink(scratch.path() / "real", scratch.path() / "link");
  for (bool force : {false, true}) {
    for (std::string name : {"link", "link/", "link//"}) {
      auto out = OutputDir::Create(scratch.path() / name, force);
      ASSERT_FALSE(out.ok()) << name;
      EXPECT_EQ(out.error().code(), ErrorCode::kIo);
      EXPECT_THAT(out.error().message(), HasSubstr("symbolic link"));
      EXPECT_THAT(out.error().message(), HasSubstr((scratch.path() / "link").string()));
    }
  }
  // A dangling link is refused too, and nothing is created at its target.
  fs::create_directory_symlink(scratch.path() / "nowhere", scratch.path() / "dangling");
  EXPECT_FALSE(OutputDir::Create(scratch.path() / "dangling", true).ok());
  EXPECT_FALSE(fs::exists(scratch.path() / "nowhere"));
  EXPECT_THAT(ListTree(scratch.path() / "real"), IsEmpty());
}

TEST(OutputDirTest, CreateRefusesRegularFile) {
  ScratchDir scratch;
  WriteText(scratch.path() / "file", "data");
  auto out = OutputDir::Create(scratch.path() / "file", true);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kIo);
  EXPECT_THAT(out.error().message(), HasSubstr("not a directory"));
  EXPECT_EQ(ReadText(scratch.path() / "file"), "data");
}

TEST(OutputDirTest, WriteFileCreatesSubdirectoriesAndContent) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  ASSERT_TRUE(out.WriteFile("sinks/etf0.bin", Bytes("trace")).ok());
  ASSERT_TRUE(out.WriteFile("top.json", Bytes("{}")).ok());
  ASSERT_TRUE(out.WriteFile("a/b/c/empty.bin", Bytes("")).ok());
  EXPECT_EQ(ReadText(scratch.path() / "sinks" / "etf0.bin"), "trace");
  EXPECT_EQ(ReadText(scratch.path() / "top.json"), "{}");
  EXPECT_TRUE(fs::is_regular_file(scratch.path() / "a/b/c/empty.bin"));
  // No temporary file is left behind.
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("a", "a/b", "a/b/c", "a/b/c/empty.bin", "sinks",
                                                    "sinks/etf0.bin", "top.json"));

  mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat st;
  ASSERT_EQ(::stat((scratch.path() / "sinks" / "etf0.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
}

TEST(OutputDirTest, WriteFileJoinsPiecesInOrder) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path() / "out", false);
  const std::span<const std::byte> pieces[] = {Bytes("he"), Bytes(""), Bytes("llo")};
  ASSERT_TRUE(out.WriteFile("p.bin", pieces).ok());
  EXPECT_EQ(ReadText(scratch.path() / "out" / "p.bin"), "hello");
  // The size cap counts every piece.
  OutputDir capped = MustCreate(scratch.path() / "capped", false, {.max_file_size = 4});
  Status status = capped.WriteFile("p.bin", pieces);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kLimit);
  EXPECT_THAT(ListTree(scratch.path() / "capped"), IsEmpty());
}

// --max-output-size: a file of the cap's size is written, one byte more is
// refused naming the flag, and no temporary file is left behind.
TEST(OutputDirTest, SizeCapIsHonouredAtItsBoundary) {
  constexpr uint64_t kCap = 5;
  for (const std::string text : {"abcd", "abcde", "abcdef"}) {
    SCOPED_TRACE(text);
    ScratchDir scratch;
    OutputDir out = MustCreate(scratch.path() / "out", false, {.max_file_size = kCap});
    Status status = out.WriteFile("sinks/s.bin", Bytes(text));
    if (text.size() <= kCap) {
      ASSERT_TRUE(status.ok()) << status.error().Describe();
      EXPECT_THAT(ListTree(scratch.path() / "out"), ElementsAre("sinks", "sinks/s.bin"));
    } else {
      ASSERT_FALSE(status.ok());
      EXPECT_EQ(status.error().code(), ErrorCode::kLimit);
      EXPECT_THAT(status.error().message(),
                  HasSubstr("6 bytes is over the per-file limit of 5 bytes"));
      EXPECT_THAT(status.error().message(), HasSubstr("raise with --max-output-size"));
      EXPECT_THAT(ListTree(scratch.path() / "out"), IsEmpty());
    }
  }
}

TEST(OutputDirTest, OverwriteRefusedWithoutForce) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  ASSERT_TRUE(out.WriteFile("sinks/etf0.bin", Bytes("first")).ok());
  Status again = out.WriteFile("sinks/etf0.bin", Bytes("second"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kIo);
  EXPECT_THAT(again.error().message(), HasSubstr((scratch.path() / "sinks/etf0.bin").string()));
  EXPECT_THAT(again.error().message(), HasSubstr("already exists"));
  EXPECT_EQ(ReadText(scratch.path() / "sinks" / "etf0.bin"), "first");
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("sinks", "sinks/etf0.bin"));
  EXPECT_FALSE(out.CheckWritable("sinks/etf0.bin").ok());
  EXPECT_TRUE(out.CheckWritable("sinks/etf1.bin").ok());
}

TEST(OutputDirTest, OverwriteAllowedWithForce) {
  ScratchDir scratch;
  WriteText(scratch.path() / "manifest.json", "old");
  OutputDir out = MustCreate(scratch.path(), true);
  EXPECT_TRUE(out.CheckWritable("manifest.json").ok());
  ASSERT_TRUE(out.WriteFile("manifest.json", Bytes("new")).ok());
  EXPECT_EQ(ReadText(scratch.path() / "manifest.json"), "new");
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("manifest.json"));
}

TEST(OutputDirTest, ExistingDirectoryAtTargetIsRefusedEvenWithForce) {
  ScratchDir scratch;
  fs::create_directories(scratch.path() / "sinks" / "etf0.bin");
  OutputDir out = MustCreate(scratch.path(), true);
  Status status = out.WriteFile("sinks/etf0.bin", Bytes("x"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kIo);
  EXPECT_TRUE(fs::is_directory(scratch.path() / "sinks" / "etf0.bin"));
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("sinks", "sinks/etf0.bin"));
}

// A symlink planted at OUT/sinks that points outside: the policy is to refuse
// (with or without force), never to follow it and never to delete it.
TEST(OutputDirTest, SymlinkedSubdirectoryIsRefusedNotFollowed) {
  for (bool force : {false, true}) {
    ScratchDir scratch;
    fs::path out_path = scratch.path() / "out";
    fs::path outside = scratch.path() / "outside";
    fs::create_directories(out_path);
    fs::create_directories(outside);
    fs::create_directory_symlink(outside, out_path / "sinks");
    OutputDir out = MustCreate(out_path, force);

    EXPECT_FALSE(out.CheckWritable("sinks/etf0.bin").ok());
    Status status = out.WriteFile("sinks/etf0.bin", Bytes("trace"));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kIo);
    EXPECT_THAT(status.error().message(), HasSubstr("symbolic link"));
    EXPECT_THAT(status.error().message(), HasSubstr((out_path / "sinks").string()));
    EXPECT_THAT(ListTree(outside), IsEmpty());
    EXPECT_TRUE(IsSymlink(out_path / "sinks"));
  }
}

TEST(OutputDirTest, FileInPlaceOfSubdirectoryIsRefused) {
  ScratchDir scratch;
  WriteText(scratch.path() / "sinks", "not a dir");
  OutputDir out = MustCreate(scratch.path(), true);
  Status status = out.WriteFile("sinks/etf0.bin", Bytes("trace"));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(status.error().message(), HasSubstr("not a directory"));
  EXPECT_EQ(ReadText(scratch.path() / "sinks"), "not a dir");
}

// A symlink at the target file itself: without force it counts as an
// existing file; with force the link is replaced, its target untouched.
TEST(OutputDirTest, SymlinkAtTargetIsReplacedAsALinkWithForce) {
  ScratchDir scratch;
  fs::path out_path = scratch.path() / "out";
  fs::path victim = scratch.path() / "victim";
  fs::create_directories(out_path / "sinks");
  WriteText(victim, "precious");
  fs::create_symlink(victim, out_path / "sinks" / "etf0.bin");

  {
    OutputDir out = MustCreate(out_path, false);
    Status status = out.WriteFile("sinks/etf0.bin", Bytes("trace"));
    ASSERT_FALSE(status.ok());
    EXPECT_THAT(status.error().message(), HasSubstr("already exists"));
    EXPECT_TRUE(IsSymlink(out_path / "sinks" / "etf0.bin"));
  }
  {
    OutputDir out = MustCreate(out_path, true);
    ASSERT_TRUE(out.WriteFile("sinks/etf0.bin", Bytes("trace")).ok());
  }
  EXPECT_FALSE(IsSymlink(out_path / "sinks" / "etf0.bin"));
  EXPECT_TRUE(fs::is_regular_file(out_path / "sinks" / "etf0.bin"));
  EXPECT_EQ(ReadText(out_path / "sinks" / "etf0.bin"), "trace");
  EXPECT_EQ(ReadText(victim), "precious");
}

TEST(OutputDirTest, DanglingSymlinkAtTargetIsNeverWrittenThrough) {
  ScratchDir scratch;
  fs::path out_path = scratch.path() / "out";
  fs::path victim = scratch.path() / "would-be-created";
  fs::create_directories(out_path);
  fs::create_symlink(victim, out_path / "manifest.json");

  OutputDir refuse = MustCreate(out_path, false);
  EXPECT_FALSE(refuse.WriteFile("manifest.json", Bytes("{}")).ok());
  EXPECT_FALSE(fs::exists(victim));

  OutputDir force = MustCreate(out_path, true);
  ASSERT_TRUE(force.WriteFile("manifest.json", Bytes("{}")).ok());
  EXPECT_FALSE(fs::exists(fs::symlink_status(victim)));
  EXPECT_FALSE(IsSymlink(out_path / "manifest.json"));
  EXPECT_EQ(ReadText(out_path / "manifest.json"), "{}");
}

TEST(OutputDirTest, InvalidRelativePathsAreRejected) {
  ScratchDir scratch;
  fs::path out_path = scratch.path() / "out";
  OutputDir out = MustCreate(out_path, true);
  const std::vector<std::string> paths = {"",
                                          "/etc/x",
                                          "../x",
                                          "a/../../x",
                                          "a//b",
                                          "./a",
                                          "a/",
                                          "a/.",
                                          "..",
                                          std::string("a\0b", 3),
                                          std::string(300, 'n')};
  for (const std::string& path : paths) {
    Status status = out.WriteFile(path, Bytes("x"));
    ASSERT_FALSE(status.ok()) << path;
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument) << path;
    EXPECT_FALSE(out.CheckWritable(path).ok()) << path;
  }
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("out"));
}

TEST(OutputDirTest, SizeCapRefusesLargerFiles) {
  ScratchDir scratch;
  OutputDirOptions options;
  options.max_file_size = 4;
  OutputDir out = MustCreate(scratch.path(), false, options);
  Status status = out.WriteFile("sinks/big.bin", Bytes("12345"));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kLimit);
  EXPECT_THAT(status.error().message(), HasSubstr("sinks/big.bin"));
  EXPECT_THAT(ListTree(scratch.path()), IsEmpty());
  EXPECT_TRUE(out.WriteFile("sinks/ok.bin", Bytes("1234")).ok());
}

// A write that fails half way (here: RLIMIT_FSIZE) leaves no temporary file
// and no partial target.
TEST(OutputDirTest, FailedWriteRemovesTemporaryFile) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  ASSERT_TRUE(out.WriteFile("sinks/keep.bin", Bytes("k")).ok());

  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction saved_action;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &saved_action), 0);
  struct rlimit small = saved;
  small.rlim_cur = 8;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status status = out.WriteFile("sinks/etf0.bin", Bytes(std::string(100, 'x')));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::sigaction(SIGXFSZ, &saved_action, nullptr);

  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kIo);
  EXPECT_THAT(status.error().message(), HasSubstr("sinks/etf0.bin"));
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("sinks", "sinks/keep.bin"));
}

TEST(OutputDirTest, SyncOptionWrites) {
  ScratchDir scratch;
  OutputDirOptions options;
  options.sync = true;
  OutputDir out = MustCreate(scratch.path(), false, options);
  ASSERT_TRUE(out.WriteFile("metadata/cpu0.bin", Bytes("meta")).ok());
  EXPECT_EQ(ReadText(scratch.path() / "metadata" / "cpu0.bin"), "meta");
}

TEST(OutputDirTest, CheckWritableCreatesNothing) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false);
  EXPECT_TRUE(out.CheckWritable("sinks/etf0.bin").ok());
  EXPECT_TRUE(out.CheckWritable("manifest.json").ok());
  EXPECT_THAT(ListTree(scratch.path()), IsEmpty());
}

TEST(OutputDirTest, MovedFromDirectoryRefusesWrites) {
  ScratchDir scratch;
  OutputDir first = MustCreate(scratch.path(), false);
  OutputDir second = std::move(first);
  EXPECT_TRUE(second.WriteFile("a.bin", Bytes("a")).ok());
  EXPECT_FALSE(first.WriteFile("b.bin", Bytes("b")).ok());  // NOLINT(bugprone-use-after-move)
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("a.bin"));
}

// A staged buffer written in three appends, as the reader streams a sink.
std::shared_ptr<const StagedBuffer> Stage(OutputDir& out, std::string_view text) {
  auto writer = out.BeginStaged(text.size());
  EXPECT_TRUE(writer.ok()) << (writer.ok() ? "" : writer.error().Describe());
  if (!writer.ok()) return nullptr;
  const size_t third = text.size() / 3;
  for (std::string_view piece :
       {text.substr(0, third), text.substr(third, third), text.substr(2 * third)}) {
    EXPECT_TRUE((*writer)->Append(Bytes(piece)).ok());
  }
  auto staged = (*writer)->Finish();
  EXPECT_TRUE(staged.ok()) << (staged.ok() ? "" : staged.error().Describe());
  return staged.ok() ? *staged : nullptr;
}

std::string Text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Every staging test runs with anonymous (O_TMPFILE) files and with named
// temporaries, the fallback for file systems without them.
class OutputDirStagingTest : public ::testing::TestWithParam<bool> {
 protected:
  OutputDirOptions Options(OutputDirOptions options = {}) const {
    options.anonymous_staging = GetParam();
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(Modes, OutputDirStagingTest, ::testing::Bool(),
                         [](const auto& test) { return test.param ? "Anonymous" : "Named"; });

TEST_P(OutputDirStagingTest, StagedBytesAreReadableAndHiddenUntilPublished) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false, Options());
  auto staged = Stage(out, "0123456789abcdef");
  ASSERT_NE(staged, nullptr);
  EXPECT_EQ(Text(staged->bytes()), "0123456789abcdef");
  // Nothing visible, or only the hidden temporary, in OUT itself.
  const auto entries = ListTree(scratch.path());
  if (GetParam()) {
    EXPECT_THAT(entries, IsEmpty());
  } else {
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].rfind(".csdump-", 0), 0u) << entries[0];
  }
  staged.reset();
  EXPECT_THAT(ListTree(scratch.path()), IsEmpty());
}

TEST_P(OutputDirStagingTest, WriteStagedLinksTheStagedFileIntoPlace) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false, Options());
  auto staged = Stage(out, "sink bytes, staged");
  ASSERT_NE(staged, nullptr);
  ASSERT_TRUE(out.WriteStaged("sinks/a.bin", *staged).ok());
  EXPECT_EQ(ReadText(scratch.path() / "sinks" / "a.bin"), "sink bytes, staged");
  // A link, not a copy: the same inode as the staged file.
  const auto* file = dynamic_cast<const StagedFile*>(staged.get());
  ASSERT_NE(file, nullptr);
  struct stat staged_stat, published_stat;
  ASSERT_EQ(::fstat(file->fd(), &staged_stat), 0);
  ASSERT_EQ(::stat((scratch.path() / "sinks" / "a.bin").c_str(), &published_stat), 0);
  EXPECT_EQ(staged_stat.st_ino, published_stat.st_ino);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  EXPECT_EQ(published_stat.st_mode & 0777, 0644u & ~mask);
  // The temporary goes with the last reference; the published file stays.
  staged.reset();
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("sinks", "sinks/a.bin"));
  EXPECT_EQ(ReadText(scratch.path() / "sinks" / "a.bin"), "sink bytes, staged");
}

TEST_P(OutputDirStagingTest, WriteStagedFollowsTheOverwriteRules) {
  ScratchDir scratch;
  WriteText(scratch.path() / "a.bin", "old");
  {
    OutputDir out = MustCreate(scratch.path(), false, Options());
    auto staged = Stage(out, "new bytes");
    ASSERT_NE(staged, nullptr);
    const Status refused = out.WriteStaged("a.bin", *staged);
    ASSERT_FALSE(refused.ok());
    EXPECT_THAT(refused.error().message(), HasSubstr("already exists"));
    EXPECT_EQ(ReadText(scratch.path() / "a.bin"), "old");
  }
  {
    OutputDir out = MustCreate(scratch.path(), true, Options());
    auto staged = Stage(out, "new bytes");
    ASSERT_NE(staged, nullptr);
    ASSERT_TRUE(out.WriteStaged("a.bin", *staged).ok());
  }
  EXPECT_EQ(ReadText(scratch.path() / "a.bin"), "new bytes");
  EXPECT_THAT(ListTree(scratch.path()), ElementsAre("a.bin"));  // no temporary left
}

TEST_P(OutputDirStagingTest, WriteStagedRefusesASymlinkedDirectoryAndTheCap) {
  ScratchDir scratch;
  fs::create_directory(scratch.path() / "elsewhere");
  fs::create_directory(scratch.path() / "out");
  fs::create_directory_symlink(scratch.path() / "elsewhere", scratch.path() / "out" / "sinks");
  OutputDir out = MustCreate(scratch.path() / "out", false, Options({.max_file_size = 8}));
  auto small = Stage(out, "8 bytes!");
  ASSERT_NE(small, nullptr);
  const Status linked = out.WriteStaged("sinks/a.bin", *small);
  ASSERT_FALSE(linked.ok());
  EXPECT_THAT(linked.error().message(), HasSubstr("symbolic link"));
  EXPECT_THAT(ListTree(scratch.path() / "elsewhere"), IsEmpty());
  // Over the cap, a buffer is not even staged (the reader keeps it in memory).
  auto big = out.BeginStaged(9);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimit);
}

TEST_P(OutputDirStagingTest, AnUnfinishedOrShortStagedFileLeavesNothing) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false, Options());
  {
    auto writer = out.BeginStaged(10);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(Bytes("12345")).ok());
    EXPECT_FALSE((*writer)->Append(Bytes("6789012")).ok());  // more than announced
    auto short_file = (*writer)->Finish();
    ASSERT_FALSE(short_file.ok());
    EXPECT_THAT(short_file.error().message(), HasSubstr("5 of 10 bytes"));
  }
  EXPECT_THAT(ListTree(scratch.path()), IsEmpty());
}

TEST_P(OutputDirStagingTest, AnEmptyStagedBufferPublishesAnEmptyFile) {
  ScratchDir scratch;
  OutputDir out = MustCreate(scratch.path(), false, Options());
  auto staged = Stage(out, "");
  ASSERT_NE(staged, nullptr);
  EXPECT_TRUE(staged->bytes().empty());
  ASSERT_TRUE(out.WriteStaged("empty.bin", *staged).ok());
  EXPECT_EQ(fs::file_size(scratch.path() / "empty.bin"), 0u);
}

TEST(OutputDirTest, RemoveIfUnusedRemovesOnlyWhatCreateMadeAndIsEmpty) {
  ScratchDir scratch;
  {
    OutputDir out = MustCreate(scratch.path() / "a" / "b" / "out", false);
    out.RemoveIfUnused();
    EXPECT_THAT(ListTree(scratch.path()), IsEmpty());
  }
  {
    fs::create_directory(scratch.path() / "existing");
    OutputDir out = MustCreate(scratch.path() / "existing", false);
    out.RemoveIfUnused();
    EXPECT_TRUE(fs::is_directory(scratch.path() / "existing"));  // not made by Create
  }
  {
    OutputDir out = MustCreate(scratch.path() / "x" / "out", false);
    ASSERT_TRUE(out.WriteFile("f.bin", Bytes("kept")).ok());
    out.RemoveIfUnused();
    EXPECT_EQ(ReadText(scratch.path() / "x" / "out" / "f.bin"), "kept");
  }
}

}  // namespace
}  // namespace csd
