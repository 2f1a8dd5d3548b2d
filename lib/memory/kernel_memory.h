// SPDX-License-Identifier: MIT
// Reads of kernel virtual memory: a Translator over a PhysicalMemory. Reads are
// split where the translation stops being contiguous (page, block or region
// boundaries), so a vmalloc buffer whose pages are scattered comes back whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/byte_reader.h"
#include "base/error.h"
#include "memory/physical_memory.h"
#include "memory/translator.h"

namespace csd {

class KernelMemory {
 public:
  KernelMemory(const Translator& translator, const PhysicalMemory& physical, Endian endian)
      : translator_(translator), physical_(physical), endian_(endian) {}

  // All-or-nothing read of [va, va + out.size()). The error names the first VA
  // that could not be read.
  Status Read(uint64_t va, std::span<std::byte> out) const;
  Expected<uint64_t> ReadUnsigned(uint64_t va, size_t width) const;
  // A NUL-terminated string of at most max_length bytes (kLimit if longer).
  Expected<std::string> ReadCString(uint64_t va, size_t max_length) const;

  Endian endian() const { return endian_; }
  const Translator& translator() const { return translator_; }
  const PhysicalMemory& physical() const { return physical_; }

 private:
  // One physical read per translation: the slow path that names the exact VA
  // when a coalesced read fails.
  Status ReadUncoalesced(uint64_t va, std::span<std::byte> out) const;

  const Translator& translator_;
  const PhysicalMemory& physical_;
  Endian endian_;
};

}  // namespace csd
