// SPDX-License-Identifier: MIT
// The one arm64 stage-1 walker: from a TTBR1 root (swapper_pg_dir) down to a
// block or page, reading descriptors through PhysicalMemory. Geometry comes
// from Arm64Geometry, so the same loop serves every granule and VA size.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "memory/physical_memory.h"
#include "memory/translator.h"
#include "xlat/arm64_paging.h"

namespace csd {

class Arm64Walker {
 public:
  // `root_pa` is the physical address of the top-level table; `physical` must
  // outlive the walker.
  Arm64Walker(const Arm64Geometry& geometry, uint64_t root_pa, const PhysicalMemory& physical)
      : geometry_(geometry), root_pa_(root_pa), physical_(physical) {}

  // Translates a kernel VA. kNotMapped for a VA below the TTBR1 range or an
  // invalid descriptor; kCorrupt for a block where the granule allows none;
  // physical-memory errors (with the level and table as context) when a table
  // cannot be read. When `steps` is not null, one line per step is appended,
  // the failing step last. Does not allocate when `steps` is null and the
  // walk succeeds.
  Expected<Translation> Walk(uint64_t va, std::vector<std::string>* steps) const;

  const Arm64Geometry& geometry() const { return geometry_; }

 private:
  // The last block of descriptors read at each depth, keyed by table PA and
  // the block's first index. Sequential reads of a buffer walk the same
  // upper-level entries over and over, and consecutive pages of a buffer use
  // consecutive entries of one last-level table: a block turns a quarter of a
  // million descriptor reads per GiB into a few thousand. The dump never
  // changes under us, so a hit is always current. `mutable` because
  // Translate() is const; like the rest of the translator, this makes a walker
  // safe for one thread at a time only.
  static constexpr uint64_t kBlockEntries = 64;  // 512 bytes
  struct CacheEntry {
    uint64_t table_pa = 0;
    uint64_t first_index = 0;
    uint64_t count = 0;  // 0: empty
    std::array<uint64_t, kBlockEntries> desc{};
  };

  Expected<uint64_t> ReadDescriptor(unsigned depth, uint64_t table_pa, uint64_t index) const;

  Arm64Geometry geometry_;
  uint64_t root_pa_;
  const PhysicalMemory& physical_;
  mutable std::array<CacheEntry, kArm64MaxLevels> cache_{};
};

}  // namespace csd
