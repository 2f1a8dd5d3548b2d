// SPDX-License-Identifier: MIT
#include "output/fd_io.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace csd {

Error IoError(std::string_view what, const std::string& path, int err) {
  return Error(ErrorCode::kIo, std::string(what) + " " + path + ": " + std::strerror(err));
}

Status WriteAll(int fd, std::span<const std::byte> bytes, const std::string& display) {
  size_t done = 0;
  while (done < bytes.size()) {
    // Linux transfers at most ~2 GiB per write(2); ask for less.
    const size_t chunk = std::min<size_t>(bytes.size() - done, size_t{1} << 30);
    const ssize_t n = ::write(fd, bytes.data() + done, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot write", display, errno);
    }
    if (n == 0) return IoError("cannot write", display, ENOSPC);
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

}  // namespace csd
