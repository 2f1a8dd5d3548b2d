// SPDX-License-Identifier: MIT
#include "base/sha256.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace csd {
namespace {

std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span(text));
}

std::string Digest(std::string_view text) {
  auto digest = Sha256Hex(Bytes(text));
  EXPECT_TRUE(digest.ok());
  return digest.ok() ? *digest : std::string();
}

// Vectors from FIPS 180-2, appendix B, and the empty message.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Digest(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

std::vector<std::byte> Pattern(size_t size) {
  std::vector<std::byte> out(size);
  uint32_t x = 12345;
  for (auto& b : out) {
    x = x * 1103515245u + 12345u;
    b = static_cast<std::byte>(x >> 24);
  }
  return out;
}

TEST(Sha256Test, IncrementalMatchesOneShotForAnySplit) {
  const auto data = Pattern(100'003);
  const std::string expected = *Sha256Hex(data);
  for (size_t step : {size_t{1}, size_t{63}, size_t{64}, size_t{4096}, size_t{100'003}}) {
    Sha256 hash;
    for (size_t at = 0; at < data.size(); at += step) {
      hash.Update(std::span(data).subspan(at, std::min(step, data.size() - at)));
    }
    auto digest = hash.Finish();
    ASSERT_TRUE(digest.ok()) << step;
    EXPECT_EQ(*digest, expected) << step;
  }
  Sha256 empty;
  EXPECT_EQ(*empty.Finish(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, FinishTwiceFails) {
  Sha256 hash;
  hash.Update(Bytes("abc"));
  ASSERT_TRUE(hash.Finish().ok());
  EXPECT_FALSE(hash.Finish().ok());
}

TEST(Sha256FollowerTest, DigestOfBufferFilledInSteps) {
  const auto source = Pattern((size_t{3} << 20) + 5);
  const std::string expected = *Sha256Hex(source);
  for (size_t step : {size_t{1} << 20, size_t{4096} + 1, source.size()}) {
    std::vector<std::byte> buffer(source.size());
    Sha256Follower follower(buffer);
    for (size_t at = 0; at < buffer.size(); at += step) {
      const size_t n = std::min(step, buffer.size() - at);
      std::copy_n(source.begin() + static_cast<ptrdiff_t>(at), n,
                  buffer.begin() + static_cast<ptrdiff_t>(at));
      follower.Advance(at + n);
    }
    auto digest = follower.Finish();
    ASSERT_TRUE(digest.ok()) << step;
    EXPECT_EQ(*digest, expected) << step;
  }
}

TEST(Sha256FollowerTest, UnfilledBufferIsAnErrorNotAWrongDigest) {
  std::vector<std::byte> buffer(1000);
  Sha256Follower follower(buffer);
  follower.Advance(999);
  auto digest = follower.Finish();
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Sha256FollowerTest, EmptyBufferAndAbandonedFollower) {
  std::vector<std::byte> none;
  Sha256Follower empty(none);
  EXPECT_EQ(*empty.Finish(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Destroyed half-way (the read failed): must stop its thread and not hang.
  std::vector<std::byte> buffer(size_t{8} << 20);
  {
    Sha256Follower abandoned(buffer);
    abandoned.Advance(size_t{1} << 20);
  }
  SUCCEED();
}

}  // namespace
}  // namespace csd
