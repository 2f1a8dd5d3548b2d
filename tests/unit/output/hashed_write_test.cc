// SPDX-License-Identifier: MIT
// Files written from pieces, with their digest: the bytes on disk and the
// digest are those of the concatenation, on the threaded path (large files)
// and the sequential one alike.
#include "output/hashed_write.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "output/generated_file.h"
#include "output/output_dir.h"
#include "output/staged_file.h"
#include "test_files.h"

namespace csd {
namespace {

using ::testing::HasSubstr;
using testing_output::Bytes;
using testing_output::ReadText;
using testing_output::ScratchDir;

std::vector<std::byte> Pattern(size_t size, unsigned seed) {
  std::vector<std::byte> out(size);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : out) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::byte>(x >> 24);
  }
  return out;
}

std::string AsText(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(FileContentTest, PiecesKeepOrderAndBorrowedBytesStayWhereTheyAre) {
  const std::vector<std::byte> big = Pattern(1000, 1);
  FileContent content;
  content.AppendText("head");
  content.AppendBorrowed(big);
  content.AppendText("");  // empty pieces are dropped
  content.AppendOwned({std::byte{'t'}, std::byte{'l'}});
  EXPECT_EQ(content.size(), 4u + 1000u + 2u);
  const auto pieces = content.Pieces();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[1].data(), big.data());  // not copied
  EXPECT_EQ(AsText(content.Flatten()), "head" + AsText(big) + "tl");

  FileContent joined;
  joined.AppendText("x");
  joined.Append(std::move(content));
  EXPECT_EQ(joined.size(), 1u + 1006u);
  EXPECT_EQ(joined.Pieces()[2].data(), big.data());
}

TEST(Sha256PiecesTest, DigestOfPiecesIsDigestOfTheWhole) {
  const std::vector<std::byte> whole = Pattern(100000, 2);
  const std::span<const std::byte> all(whole);
  const std::span<const std::byte> pieces[] = {all.first(1), all.subspan(1, 4095),
                                               all.subspan(4096)};
  EXPECT_EQ(*Sha256Hex(pieces), *Sha256Hex(all));
  EXPECT_EQ(*Sha256Hex(std::span<const std::span<const std::byte>>()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashedWriteTest, SmallAndLargeFilesMatchTheirDigest) {
  ScratchDir scratch;
  auto out = OutputDir::Create(scratch.path() / "out", false);
  ASSERT_TRUE(out.ok());
  // 9 MiB crosses the threshold above which the digest runs on a thread.
  for (size_t size : {size_t{0}, size_t{100}, size_t{9} << 20}) {
    const std::vector<std::byte> payload = Pattern(size, 3);
    const std::span<const std::byte> pieces[] = {Bytes("header"), payload, Bytes("trailer")};
    const std::string name = "f" + std::to_string(size) + ".bin";
    auto digest = WriteHashed(*out, name, pieces);
    ASSERT_TRUE(digest.ok()) << digest.error().Describe();
    const std::string expected = "header" + AsText(payload) + "trailer";
    EXPECT_EQ(ReadText(scratch.path() / "out" / name), expected);
    EXPECT_EQ(*digest, *Sha256Hex(Bytes(expected))) << size;
  }
}

TEST(HashedWriteTest, WriteErrorWinsOnBothPaths) {
  ScratchDir scratch;
  auto out = OutputDir::Create(scratch.path() / "out", false);
  ASSERT_TRUE(out.ok());
  for (size_t size : {size_t{10}, size_t{9} << 20}) {
    const std::vector<std::byte> payload = Pattern(size, 4);
    const std::span<const std::byte> pieces[] = {payload};
    ASSERT_TRUE(WriteHashed(*out, "x.bin", pieces).ok());
    auto again = WriteHashed(*out, "x.bin", pieces);  // exists, no force
    ASSERT_FALSE(again.ok());
    EXPECT_THAT(again.error().message(), HasSubstr("already exists"));
    ASSERT_EQ(::unlink((scratch.path() / "out" / "x.bin").c_str()), 0);
  }
}

// A digest computed earlier (while the buffer was read from the dump) is
// returned as given, the bytes are still written, and a write error still
// wins.
TEST(HashedWriteTest, KnownDigestIsUsedAndTheFileWritten) {
  ScratchDir scratch;
  auto out = OutputDir::Create(scratch.path() / "out", false);
  ASSERT_TRUE(out.ok());
  const std::vector<std::byte> payload = Pattern(100, 5);
  const std::span<const std::byte> pieces[] = {payload};
  const std::string known(64, 'a');  // not the real digest: proves it is not recomputed
  auto digest = WriteHashed(*out, "k.bin", pieces, known);
  ASSERT_TRUE(digest.ok()) << digest.error().Describe();
  EXPECT_EQ(*digest, known);
  EXPECT_EQ(ReadText(scratch.path() / "out" / "k.bin"), AsText(payload));
  auto again = WriteHashed(*out, "k.bin", pieces, known);  // exists, no force
  ASSERT_FALSE(again.ok());
  EXPECT_THAT(again.error().message(), HasSubstr("already exists"));
}

TEST(HashedWriteTest, ExactlyAStagedBufferIsLinkedWithItsDigest) {
  ScratchDir scratch;
  auto out = OutputDir::Create(scratch.path(), false);
  ASSERT_TRUE(out.ok());
  const std::vector<std::byte> bytes = Pattern(100000, 7);
  auto writer = out->BeginStaged(bytes.size());
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(bytes).ok());
  auto staged = (*writer)->Finish();
  ASSERT_TRUE(staged.ok());
  const std::span<const std::byte> whole = (*staged)->bytes();
  const auto* file = dynamic_cast<const StagedFile*>(staged->get());
  ASSERT_NE(file, nullptr);
  struct stat staged_stat;
  ASSERT_EQ(::fstat(file->fd(), &staged_stat), 0);
  auto inode = [&](const char* name) {
    struct stat st;
    EXPECT_EQ(::stat((scratch.path() / name).c_str(), &st), 0);
    return st.st_ino;
  };

  // Digest computed, then given: both files are the staged one.
  const std::span<const std::byte> pieces[] = {whole};
  auto computed = WriteHashed(*out, "a.bin", pieces, std::nullopt, staged->get());
  ASSERT_TRUE(computed.ok());
  EXPECT_EQ(*computed, *Sha256Hex(bytes));
  auto given = WriteHashed(*out, "b.bin", pieces, std::string_view("given"), staged->get());
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(*given, "given");
  EXPECT_EQ(inode("a.bin"), staged_stat.st_ino);
  EXPECT_EQ(inode("b.bin"), staged_stat.st_ino);

  // A part of it, or the same bytes in two pieces, is written as a copy.
  const std::span<const std::byte> part[] = {whole.first(1000)};
  ASSERT_TRUE(WriteHashed(*out, "c.bin", part, std::nullopt, staged->get()).ok());
  const std::span<const std::byte> split[] = {whole.first(10), whole.subspan(10)};
  auto copied = WriteHashed(*out, "d.bin", split, std::nullopt, staged->get());
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(*copied, *Sha256Hex(bytes));
  EXPECT_NE(inode("c.bin"), staged_stat.st_ino);
  EXPECT_NE(inode("d.bin"), staged_stat.st_ino);
  EXPECT_EQ(ReadText(scratch.path() / "d.bin"), AsText(bytes));
}

}  // namespace
}  // namespace csd
