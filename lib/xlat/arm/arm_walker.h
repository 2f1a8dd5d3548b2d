// SPDX-License-Identifier: MIT
// The two 32-bit ARM stage-1 walks from swapper_pg_dir, reading descriptors
// through PhysicalMemory:
//  - short descriptors (ARM ARM B3.5, non-LPAE): L1 of 4096 u32 entries
//    (page table, 1 MiB section, 16 MiB supersection), L2 of 256 u32 entries
//    (4 KiB small page, 64 KiB large page);
//  - long descriptors (ARM ARM B3.6, LPAE): 3 levels of u64, 4 + 512 + 512
//    entries, 1 GiB and 2 MiB blocks, 4 KiB pages, 40-bit output addresses.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "memory/physical_memory.h"
#include "memory/translator.h"

namespace csd {

class ArmWalker {
 public:
  // `physical` must outlive the walker. `root_pa` must be aligned (16 KiB
  // short, 32 bytes LPAE); the translator checks that before walking.
  ArmWalker(bool lpae, uint64_t root_pa, const PhysicalMemory& physical)
      : lpae_(lpae), root_pa_(root_pa), physical_(physical) {}

  // kNotMapped for a fault descriptor, physical-memory errors (with level,
  // table and index as context) when a table cannot be read. When `steps` is
  // not null, one line per step is appended, the failing step last.
  Expected<Translation> Walk(uint64_t va, std::vector<std::string>* steps) const;

 private:
  // The last descriptor read per level, keyed by table PA and index: a
  // sequential read of a buffer re-reads the same upper entries, and the dump
  // never changes under us. `mutable` because Walk() is const.
  struct CacheEntry {
    uint64_t table_pa = 0;
    uint64_t index = 0;
    uint64_t desc = 0;
    bool valid = false;
  };

  Expected<uint64_t> ReadDescriptor(unsigned level, uint64_t table_pa, uint64_t index,
                                    unsigned width) const;
  Expected<Translation> WalkShort(uint32_t va, std::vector<std::string>* steps) const;
  Expected<Translation> WalkLpae(uint32_t va, std::vector<std::string>* steps) const;

  bool lpae_;
  uint64_t root_pa_;
  const PhysicalMemory& physical_;
  mutable std::array<CacheEntry, 4> cache_{};
};

}  // namespace csd
