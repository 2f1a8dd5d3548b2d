// SPDX-License-Identifier: MIT
#include "output/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <memory>

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
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  // Each call returns 1 on success.
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return Unavailable();
  for (const auto& piece : pieces) {
    if (EVP_DigestUpdate(ctx.get(), piece.data(), piece.size()) != 1) return Unavailable();
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 || length != 32) {
    return Unavailable();
  }
  return LowerHex(std::as_bytes(std::span(digest).first(length)));
}

}  // namespace csd
