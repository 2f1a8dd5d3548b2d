// SPDX-License-Identifier: MIT
#include "base/sha256.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include "base/byte_reader.h"

namespace csd {

namespace {

Error Unavailable() {
  return Error(ErrorCode::kUnsupported, "SHA-256 is not available from OpenSSL libcrypto");
}

}  // namespace

Expected<std::string> Sha256Hex(std::span<const std::byte> bytes) {
  const std::span<const std::byte> pieces[] = {bytes};
  return Sha256Hex(pieces);
}

Expected<std::string> Sha256Hex(std::span<const std::span<const std::byte>> pieces) {
  Sha256 hash;
  for (const auto& piece : pieces) hash.Update(piece);
  return hash.Finish();
}

struct Sha256::Context {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  bool ok = false;
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->ok =
      context_->ctx && EVP_DigestInit_ex(context_->ctx.get(), EVP_sha256(), nullptr) == 1;
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::Update(std::span<const std::byte> bytes) {
  if (!context_->ok || bytes.empty()) return;
  context_->ok = EVP_DigestUpdate(context_->ctx.get(), bytes.data(), bytes.size()) == 1;
}

Expected<std::string> Sha256::Finish() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (!context_->ok || EVP_DigestFinal_ex(context_->ctx.get(), digest.data(), &length) != 1 ||
      length != 32) {
    context_->ok = false;
    return Unavailable();
  }
  context_->ok = false;  // a context is finished once
  return LowerHex(std::as_bytes(std::span(digest).first(length)));
}

Sha256Follower::Sha256Follower(std::span<const std::byte> buffer) : buffer_(buffer) {
  // Without a thread Finish() hashes whatever is left in the caller's thread.
  (void)thread_.Start([this] { Run(); });
}

Sha256Follower::~Sha256Follower() {
  if (thread_.empty()) return;
  {
    std::lock_guard lock(mutex_);
    abandon_ = true;
  }
  advanced_.notify_one();
  // thread_ joins it as it is destroyed.
}

void Sha256Follower::Advance(size_t ready) {
  {
    std::lock_guard lock(mutex_);
    ready_ = std::min(std::max(ready_, ready), buffer_.size());
  }
  advanced_.notify_one();
}

void Sha256Follower::Run() {
  while (true) {
    size_t ready = 0;
    {
      std::unique_lock lock(mutex_);
      advanced_.wait(lock, [&] { return abandon_ || stop_ || ready_ > hashed_; });
      if (abandon_ || ready_ == hashed_) return;  // dropped, or finished with nothing left
      ready = ready_;
    }
    hash_.Update(buffer_.subspan(hashed_, ready - hashed_));
    hashed_ = ready;
    if (hashed_ == buffer_.size()) return;
  }
}

Expected<std::string> Sha256Follower::Finish() {
  size_t ready = 0;
  {
    std::lock_guard lock(mutex_);
    ready = ready_;
    stop_ = true;
  }
  if (ready != buffer_.size()) {
    return Error(ErrorCode::kInvalidArgument, "SHA-256 of a buffer that was not filled to its end");
  }
  if (!thread_.empty()) {
    advanced_.notify_one();
    thread_.Join();
  }
  // Without a thread (or if it stopped early) finish the rest here.
  if (hashed_ < buffer_.size()) {
    hash_.Update(buffer_.subspan(hashed_));
    hashed_ = buffer_.size();
  }
  return hash_.Finish();
}

}  // namespace csd
