// SPDX-License-Identifier: MIT
// Where a large buffer read out of a dump can be kept instead of the
// process's memory. The reader (coresight/panic_list) streams the bytes into a
// StagingWriter and keeps the StagedBuffer it returns; the output layer
// implements BufferStaging with a file in the output directory, which later
// becomes the output file itself (a link, not a copy). A 1 GiB sink then
// costs neither a GiB of anonymous memory nor a second write.
//
// The interfaces live in base/ so that the reader does not depend on the
// output layer: the CLI wires one to the other.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/error.h"

namespace csd {

// Bytes staged outside the heap; readable until the last reference is gone.
class StagedBuffer {
 public:
  virtual ~StagedBuffer() = default;
  virtual std::span<const std::byte> bytes() const = 0;
};

// Receives one buffer's bytes in order.
class StagingWriter {
 public:
  virtual ~StagingWriter() = default;
  virtual Status Append(std::span<const std::byte> bytes) = 0;
  // Exactly the size given to BufferStaging::Begin must have been appended.
  virtual Expected<std::shared_ptr<const StagedBuffer>> Finish() = 0;
};

class BufferStaging {
 public:
  virtual ~BufferStaging() = default;
  // A writer for a buffer of `size` bytes. Failing is not fatal: the caller
  // keeps the buffer in memory instead.
  virtual Expected<std::unique_ptr<StagingWriter>> Begin(uint64_t size) = 0;
};

}  // namespace csd
