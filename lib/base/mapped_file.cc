// SPDX-License-Identifier: MIT
#include "base/mapped_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace csd {

Expected<MappedFile> MappedFile::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Error(ErrorCode::kIo,
                 fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return Error(ErrorCode::kIo,
                 fmt::format("cannot stat {}: {}", path.string(), std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(ErrorCode::kIo, fmt::format("{} is not a regular file", path.string()));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return MappedFile(path, -1, nullptr, 0);
  }
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) {
    const int err = errno;
    ::close(fd);
    return Error(ErrorCode::kIo,
                 fmt::format("cannot map {}: {}", path.string(), std::strerror(err)));
  }
  return MappedFile(path, fd, static_cast<const std::byte*>(data), size);
}

Status MappedFile::Read(uint64_t offset, std::span<std::byte> out) const {
  if (offset > size_ || out.size() > size_ - offset) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("read of {:#x} bytes at offset {:#x} of {} is past its end ({:#x})",
                             out.size(), offset, path_.string(), size_));
  }
  if (out.size() < kBulkRead || fd_ < 0) {
    if (!out.empty()) std::memcpy(out.data(), data_ + offset, out.size());
    return OkStatus();
  }
  size_t done = 0;
  while (done < out.size()) {
    // Linux transfers at most ~2 GiB per call; ask for less.
    const size_t chunk = std::min<size_t>(out.size() - done, size_t{1} << 30);
    const ssize_t n = ::pread(fd_, out.data() + done, chunk, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error(ErrorCode::kIo,
                   fmt::format("cannot read {:#x} bytes at offset {:#x} of {}: {}",
                               out.size() - done, offset + done, path_.string(),
                               n == 0 ? "the file is shorter than when it was opened"
                                      : std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Reset();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() {
  Reset();
}

void MappedFile::Reset() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  data_ = nullptr;
  size_ = 0;
}

}  // namespace csd
