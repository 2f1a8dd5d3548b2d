// SPDX-License-Identifier: MIT
// Helpers shared by the fuzz targets: fuzz bytes as a file (the dump and
// DWARF readers take paths, like the tool), and as physical memory.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "memory/physical_memory.h"

namespace csd::fuzz {

// An anonymous in-memory file holding the input, reachable by path.
class MemFile {
 public:
  explicit MemFile(std::span<const std::byte> data) : fd_(::memfd_create("csd-fuzz", MFD_CLOEXEC)) {
    size_t done = 0;
    while (fd_ >= 0 && done < data.size()) {
      const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  ~MemFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// Physical memory [base, base + data.size()) backed by the fuzz input.
class SpanMemory final : public PhysicalMemory {
 public:
  SpanMemory(uint64_t base, std::span<const std::byte> data) : base_(base), data_(data) {}
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    if (pa < base_ || pa - base_ > data_.size() || out.size() > data_.size() - (pa - base_)) {
      return Error(ErrorCode::kNotMapped, "outside the fuzz memory");
    }
    if (!out.empty()) std::memcpy(out.data(), data_.data() + (pa - base_), out.size());
    return OkStatus();
  }
  std::vector<PhysicalRange> Ranges() const override { return {{base_, data_.size()}}; }

 private:
  uint64_t base_;
  std::span<const std::byte> data_;
};

inline std::span<const std::byte> Bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

}  // namespace csd::fuzz
