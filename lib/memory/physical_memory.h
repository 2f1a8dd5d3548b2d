// SPDX-License-Identifier: MIT
// The lower side of the memory seam: physical bytes. Dump backends implement
// it; they know nothing of virtual addresses or page tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/error.h"

namespace csd {

struct PhysicalRange {
  uint64_t start = 0;
  uint64_t size = 0;
};

class PhysicalMemory {
 public:
  virtual ~PhysicalMemory() = default;

  // Fills `out` with the bytes at physical addresses [pa, pa + out.size()).
  // All or nothing: on failure the error (kNotMapped for an address the dump
  // does not contain, kExcluded for a page the producer filtered out,
  // kCorrupt/kIo for bad storage) names the first physical address that could
  // not be read, and the contents of `out` are unspecified.
  virtual Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const = 0;

  // The physical ranges this memory can serve, sorted and non-overlapping.
  virtual std::vector<PhysicalRange> Ranges() const = 0;
};

}  // namespace csd
