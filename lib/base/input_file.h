// SPDX-License-Identifier: MIT
// Opening a file the user named as input (VMCORE, VMLINUX, --ram,
// --vmcoreinfo, a debuginfo file): every reader opens through here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "base/error.h"
#include "base/unique_fd.h"

namespace csd {

struct InputFile {
  UniqueFd fd;
  uint64_t size = 0;  // st_size when opened
};

// Opens `path` read-only, refusing anything but a regular file (after
// following symlinks): kIo "<what> <path> is not a regular file (a FIFO)".
// The open itself never blocks: a FIFO without a writer would otherwise hang
// the open(2) before the type could be checked, so the file is opened with
// O_NONBLOCK, checked, and the flag cleared. `what` ("vmlinux", "RAM image";
// may be empty) names the file's role in messages. kIo with strerror when
// it cannot be opened or inspected.
Expected<InputFile> OpenInputFile(const std::filesystem::path& path, std::string_view what = {});

}  // namespace csd
