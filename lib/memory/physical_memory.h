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

  // Several reads at once, for a buffer whose pages are scattered: each read
  // has ReadPhysical's semantics. A backend may serve them in any order or in
  // parallel (kdump decompresses pages on several threads), but the outcome
  // is deterministic: on failure `failed` is the lowest index that failed and
  // the error is that read's; reads after it may or may not have been done.
  // The default serves them in order.
  struct Request {
    uint64_t pa = 0;
    std::span<std::byte> out;
  };
  virtual Status ReadPhysicalBatch(std::span<const Request> requests, size_t& failed) const {
    for (size_t i = 0; i < requests.size(); ++i) {
      auto status = ReadPhysical(requests[i].pa, requests[i].out);
      if (!status.ok()) {
        failed = i;
        return status;
      }
    }
    return OkStatus();
  }

  // The physical ranges this memory can serve, sorted and non-overlapping.
  virtual std::vector<PhysicalRange> Ranges() const = 0;
};

}  // namespace csd
