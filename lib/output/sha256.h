// SPDX-License-Identifier: MIT
// SHA-256 of output files, recorded in the manifest so users can verify what
// they were given. OpenSSL's libcrypto provides it: an audited, widely
// deployed implementation is worth more than a hand-written one.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "base/error.h"

namespace csd {

// Lower-case hex digest (64 characters). Fails only if libcrypto cannot
// provide SHA-256 at all (e.g. a provider configuration that disables it).
Expected<std::string> Sha256Hex(std::span<const std::byte> bytes);
// The digest of the concatenation of `pieces`, without joining them.
Expected<std::string> Sha256Hex(std::span<const std::span<const std::byte>> pieces);

}  // namespace csd
