// SPDX-License-Identifier: MIT
// The kdump reader's caches on their own: which pages the LRU keeps and
// when it loads, and how far the read window reads ahead, seen through a
// source that records every read.
#include "dump/kdump/page_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace csd {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// Page `pfn` of a cache test: every byte is pfn's low byte.
Status FillPage(uint64_t pfn, std::span<std::byte> out) {
  for (std::byte& b : out) b = std::byte(static_cast<uint8_t>(pfn));
  return OkStatus();
}

TEST(PageCacheTest, LoadsOnceAndEvictsTheLeastRecentlyUsed) {
  PageCache cache(3, 16);
  std::vector<uint64_t> loads;
  auto get = [&](uint64_t pfn) {
    auto page = cache.Get(pfn, [&](std::span<std::byte> out) {
      loads.push_back(pfn);
      EXPECT_EQ(out.size(), 16u);
      return FillPage(pfn, out);
    });
    EXPECT_TRUE(page.ok());
    EXPECT_EQ(page->size(), 16u);
    EXPECT_EQ((*page)[0], std::byte(static_cast<uint8_t>(pfn)));
  };
  get(1);
  get(2);
  get(3);
  get(1);  // a hit: 1 becomes the most recent, 2 the least
  EXPECT_EQ(loads, (std::vector<uint64_t>{1, 2, 3}));
  // Contains() does not count as a use: 2 stays the least recent.
  EXPECT_TRUE(cache.Contains(2));
  get(4);
  EXPECT_FALSE(cache.Contains(2));
  EXPECT_TRUE(cache.Contains(1));
  EXPECT_TRUE(cache.Contains(3));
  EXPECT_TRUE(cache.Contains(4));
  EXPECT_EQ(cache.size(), 3u);
  get(2);  // loaded again, in place of 3
  EXPECT_EQ(loads, (std::vector<uint64_t>{1, 2, 3, 4, 2}));
  EXPECT_FALSE(cache.Contains(3));
}

TEST(PageCacheTest, AFailedLoadIsReturnedAndNotCached) {
  PageCache cache(2, 8);
  ASSERT_TRUE(cache.Get(5, [](std::span<std::byte> out) { return FillPage(5, out); }).ok());
  int attempts = 0;
  for (int i = 0; i < 2; ++i) {
    auto page = cache.Get(9, [&](std::span<std::byte>) -> Status {
      ++attempts;
      return Error(ErrorCode::kCorrupt, "bad page data");
    });
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.error().code(), ErrorCode::kCorrupt);
    EXPECT_EQ(page.error().message(), "bad page data");
  }
  EXPECT_EQ(attempts, 2);  // tried again each time
  EXPECT_FALSE(cache.Contains(9));
  EXPECT_TRUE(cache.Contains(5));  // and nothing was evicted for it
  EXPECT_EQ(cache.size(), 1u);
}

// A source of `size` bytes (byte i is i mod 251) that records each read,
// and fails them while `fail` is set.
class RecordingSource final : public ByteSource {
 public:
  explicit RecordingSource(size_t size) : bytes_(size) {
    for (size_t i = 0; i < size; ++i) bytes_[i] = std::byte(static_cast<uint8_t>(i % 251));
  }
  uint64_t size() const override { return bytes_.size(); }
  Status Read(uint64_t offset, std::span<std::byte> out) const override {
    reads.emplace_back(offset, out.size());
    if (fail) return Error(ErrorCode::kIo, "read failed");
    return ReadFromSpan(bytes_, offset, out, label_);
  }
  const std::string& label() const override { return label_; }
  std::span<const std::byte> bytes() const { return bytes_; }

  mutable std::vector<std::pair<uint64_t, uint64_t>> reads;  // offset, length
  bool fail = false;

 private:
  std::vector<std::byte> bytes_;
  std::string label_ = "recorded";
};

void ExpectBytes(const Expected<std::span<const std::byte>>& got, const RecordingSource& source,
                 uint64_t offset, uint64_t size) {
  ASSERT_TRUE(got.ok()) << got.error().Describe();
  ASSERT_EQ(got->size(), size);
  EXPECT_TRUE(std::equal(got->begin(), got->end(), source.bytes().begin() + offset)) << offset;
}

TEST(ReadWindowTest, SequentialReadsDoubleTheWindowUpToTheMaximum) {
  constexpr uint64_t kMin = ReadWindow::kMinWindow;
  constexpr uint64_t kMax = ReadWindow::kMaxWindow;
  RecordingSource source(4 * kMax);
  ReadWindow window;
  // Compressed pages of 1000 bytes one after the other, as makedumpfile
  // writes a contiguous buffer's.
  uint64_t offset = 0;
  while (offset + 1000 <= 3 * kMax) {
    ExpectBytes(window.Read(source, offset, 1000), source, offset, 1000);
    offset += 1000;
  }
  // Each miss continues where the window ended and reads twice as much.
  ASSERT_GE(source.reads.size(), 3u);
  uint64_t expect_at = 0, expect_length = kMin;
  for (const auto& [at, length] : source.reads) {
    EXPECT_EQ(at, expect_at);
    EXPECT_EQ(length, expect_length);
    expect_at = at + length - (at + length) % 1000;  // the page that did not fit starts it
    expect_length = std::min(expect_length * 2, kMax);
  }
  EXPECT_EQ(source.reads.back().second, kMax);
  EXPECT_LT(source.reads.size(), 16u);  // not one read per page
}

TEST(ReadWindowTest, ScatteredReadsFetchTheMinimumAndHitsReadNothing) {
  RecordingSource source(1 << 20);
  ReadWindow window;
  ExpectBytes(window.Read(source, 500000, 700), source, 500000, 700);
  ExpectBytes(window.Read(source, 500700, 300), source, 500700, 300);    // inside: no read
  ExpectBytes(window.Read(source, 100000, 700), source, 100000, 700);    // behind: a new window
  ExpectBytes(window.Read(source, 900000, 9000), source, 900000, 9000);  // larger than the minimum
  EXPECT_THAT(source.reads, ElementsAre(Pair(uint64_t{500000}, ReadWindow::kMinWindow),
                                        Pair(uint64_t{100000}, ReadWindow::kMinWindow),
                                        Pair(uint64_t{900000}, uint64_t{9000})));
  // Near the end of the source the window stops there.
  source.reads.clear();
  const uint64_t last = source.size() - 10;
  ExpectBytes(window.Read(source, last, 10), source, last, 10);
  EXPECT_THAT(source.reads, ElementsAre(Pair(last, uint64_t{10})));
}

TEST(ReadWindowTest, AnotherSourceOrAFailedReadStartsAfresh) {
  RecordingSource a(1 << 16), b(1 << 16);
  ReadWindow window;
  ExpectBytes(window.Read(a, 0, 100), a, 0, 100);
  ExpectBytes(window.Read(b, 0, 100), b, 0, 100);  // same offset, other source: read
  EXPECT_EQ(b.reads.size(), 1u);
  b.fail = true;
  auto failed = window.Read(b, 8192, 100);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kIo);
  b.fail = false;
  // The failed read left nothing behind: bytes just before it, which the
  // earlier window held, are read anew and are right.
  ExpectBytes(window.Read(b, 50, 20), b, 50, 20);
  EXPECT_EQ(b.reads.size(), 3u);
}

}  // namespace
}  // namespace csd
