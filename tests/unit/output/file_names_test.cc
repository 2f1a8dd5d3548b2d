// SPDX-License-Identifier: MIT
#include "output/file_names.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace csd {
namespace {

bool IsSafeStem(const std::string& stem) {
  if (stem.empty() || stem == "." || stem == ".." || stem.size() > kMaxFileStemLength) return false;
  if (stem.front() == '.' || stem.front() == '-') return false;
  for (char c : stem) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

TEST(SanitizeFileStemTest, KeepsPortableNames) {
  EXPECT_EQ(SanitizeFileStem("tmc_etf0"), "tmc_etf0");
  EXPECT_EQ(SanitizeFileStem("20010000.etf"), "20010000.etf");
  EXPECT_EQ(SanitizeFileStem("a-b.C_9"), "a-b.C_9");
}

TEST(SanitizeFileStemTest, HostileNames) {
  EXPECT_EQ(SanitizeFileStem(""), "unnamed");
  EXPECT_EQ(SanitizeFileStem("."), "_.");
  EXPECT_EQ(SanitizeFileStem(".."), "_..");
  EXPECT_EQ(SanitizeFileStem("../../etc/x"), "_.._.._etc_x");
  EXPECT_EQ(SanitizeFileStem("a/b"), "a_b");
  EXPECT_EQ(SanitizeFileStem("/etc/passwd"), "_etc_passwd");
  EXPECT_EQ(SanitizeFileStem(".hidden"), "_.hidden");
  EXPECT_EQ(SanitizeFileStem("-rf"), "_-rf");
  EXPECT_EQ(SanitizeFileStem("with space\ttab\n"), "with_space_tab_");
  // One '_' per byte of a multi-byte UTF-8 character, independent of locale.
  EXPECT_EQ(SanitizeFileStem("\xc3\xa9t\xc3\xa9"), "__t__");
  EXPECT_EQ(SanitizeFileStem(std::string("a\0b", 3)), "a_b");
}

TEST(SanitizeFileStemTest, CapsLength) {
  EXPECT_EQ(SanitizeFileStem(std::string(500, 'a')), std::string(kMaxFileStemLength, 'a'));
  // The '_' prefix counts towards the cap.
  std::string dotted = "." + std::string(500, 'b');
  std::string stem = SanitizeFileStem(dotted);
  EXPECT_EQ(stem.size(), kMaxFileStemLength);
  EXPECT_EQ(stem.substr(0, 2), "_.");
}

TEST(SanitizeFileStemTest, RandomBytesAlwaysGiveSafeStems) {
  std::mt19937 rng(12345);  // fixed seed: the test is reproducible
  for (int i = 0; i < 2000; ++i) {
    std::string name(rng() % 100, '\0');
    for (char& c : name) c = static_cast<char>(rng() % 256);
    // Bias towards the interesting characters.
    if (i % 3 == 0 && !name.empty()) name[0] = '.';
    if (i % 5 == 0) name += "/..";
    std::string stem = SanitizeFileStem(name);
    EXPECT_TRUE(IsSafeStem(stem)) << "stem \"" << stem << "\"";
  }
}

TEST(FileNameAllocatorTest, NumbersCollisionsInOrder) {
  FileNameAllocator names;
  EXPECT_EQ(names.Allocate("etf"), "etf");
  EXPECT_EQ(names.Allocate("etf"), "etf-1");
  EXPECT_EQ(names.Allocate("etr"), "etr");
  EXPECT_EQ(names.Allocate("etf"), "etf-2");
}

TEST(FileNameAllocatorTest, CaseSensitive) {
  FileNameAllocator names;
  EXPECT_EQ(names.Allocate("etf"), "etf");
  EXPECT_EQ(names.Allocate("ETF"), "ETF");
  EXPECT_EQ(names.Allocate("Etf"), "Etf");
}

TEST(FileNameAllocatorTest, SkipsSuffixedNamesAlreadyTaken) {
  FileNameAllocator names;
  EXPECT_EQ(names.Allocate("etf"), "etf");
  EXPECT_EQ(names.Allocate("etf-1"), "etf-1");
  EXPECT_EQ(names.Allocate("etf"), "etf-2");
  EXPECT_EQ(names.Allocate("etf-1"), "etf-1-1");
}

TEST(FileNameAllocatorTest, Deterministic) {
  const char* sequence[] = {"a", "b", "a", "a-1", "a", "b"};
  FileNameAllocator first;
  FileNameAllocator second;
  for (const char* stem : sequence) EXPECT_EQ(first.Allocate(stem), second.Allocate(stem));
}

}  // namespace
}  // namespace csd
