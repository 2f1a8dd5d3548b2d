// SPDX-License-Identifier: MIT
#include "base/input_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace csd {

namespace {

const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "a special file";
}

}  // namespace

Expected<InputFile> OpenInputFile(const std::filesystem::path& path, std::string_view what) {
  const std::string name = what.empty() ? path.string() : fmt::format("{} {}", what, path.string());
  // O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer.
  // O_NOCTTY: a terminal named by mistake must not become our controlling one.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd)
    return Error(ErrorCode::kIo, fmt::format("cannot open {}: {}", name, std::strerror(errno)));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Error(ErrorCode::kIo, fmt::format("cannot stat {}: {}", name, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kIo,
                 fmt::format("{} is not a regular file ({})", name, FileTypeName(st.st_mode)));
  }
  // Regular files ignore O_NONBLOCK, but whoever reads the descriptor next
  // (libelf, pread) should get the ordinary blocking one.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return Error(ErrorCode::kIo, fmt::format("cannot set up {}: {}", name, std::strerror(errno)));
  }
  return InputFile{std::move(fd), static_cast<uint64_t>(st.st_size)};
}

}  // namespace csd
