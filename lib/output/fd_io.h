// SPDX-License-Identifier: MIT
// The few raw file-descriptor steps OutputDir and its staged files share:
// one error wording, one write loop. Internal to the output layer.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"

namespace csd {

// kIo: "<what> <path>: <strerror(err)>".
Error IoError(std::string_view what, const std::string& path, int err);

// Writes all of `bytes` to `fd` at its offset, retrying short writes and
// EINTR; `display` names the file in errors.
Status WriteAll(int fd, std::span<const std::byte> bytes, const std::string& display);

}  // namespace csd
