// SPDX-License-Identifier: MIT
#include "base/mapped_file.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/input_file.h"

namespace csd {

Expected<MappedFile> MappedFile::Open(const std::filesystem::path& path) {
  CSD_ASSIGN_OR_RETURN(InputFile file, OpenInputFile(path));
  const size_t size = static_cast<size_t>(file.size);
  if (size == 0) return MappedFile(path, UniqueFd(), nullptr, 0);
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd.get(), 0);
  if (data == MAP_FAILED) {
    return Error(ErrorCode::kIo,
                 fmt::format("cannot map {}: {}", path.string(), std::strerror(errno)));
  }
  return MappedFile(path, std::move(file.fd), static_cast<const std::byte*>(data), size);
}

Status MappedFile::Read(uint64_t offset, std::span<std::byte> out) const {
  if (offset > size_ || out.size() > size_ - offset) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("read of {:#x} bytes at offset {:#x} of {} is past its end ({:#x})",
                             out.size(), offset, path_.string(), size_));
  }
  if (out.size() < kBulkRead || !fd_) {
    if (!out.empty()) std::memcpy(out.data(), data_ + offset, out.size());
    return OkStatus();
  }
  size_t done = 0;
  while (done < out.size()) {
    // Linux transfers at most ~2 GiB per call; ask for less.
    const size_t chunk = std::min<size_t>(out.size() - done, size_t{1} << 30);
    const ssize_t n =
        ::pread(fd_.get(), out.data() + done, chunk, static_cast<off_t>(offset + done));
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
      fd_(std::move(other.fd_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Reset();
    path_ = std::move(other.path_);
    fd_ = std::move(other.fd_);
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
  fd_.Reset();
  data_ = nullptr;
  size_ = 0;
}

}  // namespace csd
