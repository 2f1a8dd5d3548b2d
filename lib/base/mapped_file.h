// SPDX-License-Identifier: MIT
// A read-only memory map of a whole file. Dumps can be tens of GiB and mostly
// sparse; mapping lets us touch only the pages we read.
//
// The descriptor stays open so that large reads can use pread(2) instead of
// the mapping (Read): copying a large contiguous range out of the mapping
// faults in, maps and later unmaps every page (the kernel maps up to 64 KiB
// around each fault), which costs time and resident memory for bytes that are
// read once. Below kBulkRead the mapping wins: a vmalloc'd sink is read one
// scattered page at a time, and a 4 KiB pread costs its syscall plus a page
// cache lookup, measured at 3-4x the CPU of copying the same pages out of the
// mapping (1.6-2.6 s against 0.4-0.6 s for a GiB of shuffled pages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

#include "base/error.h"
#include "base/unique_fd.h"

namespace csd {

class MappedFile {
 public:
  // Maps the regular file `path` (base/input_file.h: anything else, a FIFO
  // too, is refused without blocking).
  static Expected<MappedFile> Open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

  // Reads of at least this many bytes go through pread(2) in Read().
  static constexpr size_t kBulkRead = size_t{1} << 20;

  // Copies [offset, offset + out.size()) of the file into `out`: from the
  // mapping when the read is small, with pread(2) when it is kBulkRead bytes
  // or more. The range must lie within bytes() (kInvalidArgument otherwise);
  // kIo when pread fails or comes up short (the file shrank under us).
  Status Read(uint64_t offset, std::span<std::byte> out) const;

 private:
  MappedFile(std::filesystem::path path, UniqueFd fd, const std::byte* data, size_t size)
      : path_(std::move(path)), fd_(std::move(fd)), data_(data), size_(size) {}
  void Reset();

  std::filesystem::path path_;
  UniqueFd fd_;  // empty for an empty file
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace csd
