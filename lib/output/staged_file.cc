// SPDX-License-Identifier: MIT
#include "output/staged_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "output/fd_io.h"
#include "output/output_dir.h"

namespace csd {

StagedTemp::~StagedTemp() {
  // Both descriptors close with their members; a moved-from one has no
  // directory and removes nothing.
  if (dir_fd_ && !name_.empty()) ::unlinkat(dir_fd_.get(), name_.c_str(), 0);
}

StagedFile::~StagedFile() {
  if (map_ != nullptr) ::munmap(map_, size_);
}

int StagedFile::LinkAt(int to_dir, const char* to) const {
  const std::string& name = temp_.name();
  if (!name.empty()) {
    return ::linkat(temp_.dir_fd(), name.c_str(), to_dir, to, 0) == 0 ? 0 : errno;
  }
  // An anonymous file is linked through its /proc entry, which needs no
  // privilege (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH); without /proc
  // try that anyway, as root has it.
  const std::string proc = "/proc/self/fd/" + std::to_string(temp_.fd());
  if (::linkat(AT_FDCWD, proc.c_str(), to_dir, to, AT_SYMLINK_FOLLOW) == 0) return 0;
  if (errno != ENOENT) return errno;
  return ::linkat(temp_.fd(), "", to_dir, to, AT_EMPTY_PATH) == 0 ? 0 : errno;
}

std::span<const std::byte> StagedFile::bytes() const {
  if (map_ == nullptr) return {};
  return {static_cast<const std::byte*>(map_), size_};
}

StagedFileWriter::StagedFileWriter(UniqueFd dir_fd, std::string name, UniqueFd fd, uint64_t size,
                                   std::string display)
    : temp_(std::in_place, std::move(dir_fd), std::move(name), std::move(fd)),
      size_(size),
      display_(std::move(display)) {}

StagedFileWriter::~StagedFileWriter() = default;  // an unfinished temporary goes with temp_

Status StagedFileWriter::Append(std::span<const std::byte> bytes) {
  if (!temp_) return Error(ErrorCode::kInvalidArgument, "staged file already finished");
  if (bytes.size() > size_ - written_) {
    return Error(ErrorCode::kInvalidArgument,
                 "more bytes than announced for staged file " + display_);
  }
  CSD_RETURN_IF_ERROR(WriteAll(temp_->fd(), bytes, display_));
  written_ += bytes.size();
  return OkStatus();
}

Expected<std::shared_ptr<const StagedBuffer>> StagedFileWriter::Finish() {
  if (!temp_) return Error(ErrorCode::kInvalidArgument, "staged file already finished");
  if (written_ != size_) {
    return Error(ErrorCode::kInvalidArgument, "staged file " + display_ + " got " +
                                                  std::to_string(written_) + " of " +
                                                  std::to_string(size_) + " bytes");
  }
  void* map = nullptr;
  if (size_ > 0) {
    map = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, temp_->fd(), 0);
    if (map == MAP_FAILED) return IoError("cannot map", display_, errno);
  }
  // The file now belongs to the StagedFile, which removes the name.
  std::shared_ptr<const StagedBuffer> staged(new StagedFile(std::move(*temp_), map, size_));
  temp_.reset();
  return staged;
}

Expected<std::unique_ptr<StagingWriter>> OutputDirStaging::Begin(uint64_t size) {
  return dir_.BeginStaged(size);
}

}  // namespace csd
