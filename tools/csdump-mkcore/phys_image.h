// SPDX-License-Identifier: MIT
// The synthetic machine's physical memory: a sparse map of 4 KiB chunks over
// the RAM ranges (absent chunks read as zero), plus the allocator that hands
// out RAM the way the kernel would have. Sparse because a spec may describe
// gigabytes of RAM of which only a few pages hold anything.
//
// PhysImage implements csd::PhysicalMemory so the reader-side translator can
// be run over exactly the bytes that will go into the core.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "base/error.h"
#include "memory/physical_memory.h"

namespace csd::mkcore {

class PhysImage final : public PhysicalMemory {
 public:
  // Storage granule, independent of the target page size (4K/16K/64K all
  // divide into it evenly), so the ELF writer can punch holes at this size.
  static constexpr uint64_t kChunk = 4096;
  using Chunk = std::array<std::byte, kChunk>;

  explicit PhysImage(std::vector<PhysicalRange> ram);

  // kNotMapped when any byte lies outside RAM: a builder bug or a bad spec,
  // never silently dropped.
  Status Write(uint64_t pa, std::span<const std::byte> data);
  Status WriteUnsigned(uint64_t pa, uint64_t value, size_t width);
  Status Zero(uint64_t pa, uint64_t size);

  // PhysicalMemory: RAM reads as zero where nothing was written.
  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override;
  std::vector<PhysicalRange> Ranges() const override { return ram_; }

  bool InRam(uint64_t pa, uint64_t size) const;
  // The chunk holding `pa` if anything was written to it (else nullptr).
  const Chunk* FindChunk(uint64_t pa) const;
  // Calls `visit(chunk_pa, chunk)` for every written chunk that overlaps
  // [start, end), in address order: writers of sparse files visit what
  // exists instead of probing every chunk of a 64 GiB range.
  template <typename Visit>
  void ForEachChunk(uint64_t start, uint64_t end, Visit&& visit) const {
    for (auto it = chunks_.lower_bound(start / kChunk);
         it != chunks_.end() && it->first < end / kChunk + (end % kChunk != 0); ++it) {
      visit(it->first * kChunk, *it->second);
    }
  }
  size_t chunk_count() const { return chunks_.size(); }

 private:
  std::vector<PhysicalRange> ram_;
  std::map<uint64_t, std::unique_ptr<Chunk>> chunks_;  // key: pa / kChunk
};

// First-fit allocation over RAM minus reserved ranges. Two ends, because the
// tests need predictable placement: structures (nodes, devices, names, page
// tables) come from the bottom, buffers from the top of the highest RAM range,
// so a makedumpfile-style excluded tail or a truncated file hits buffers
// first and leaves the list itself readable.
class PhysAllocator {
 public:
  PhysAllocator(const std::vector<PhysicalRange>& ram, const std::vector<PhysicalRange>& reserved);

  Expected<uint64_t> AllocLow(uint64_t size, uint64_t align);
  Expected<uint64_t> AllocHigh(uint64_t size, uint64_t align);
  uint64_t free_bytes() const;

 private:
  std::vector<PhysicalRange> free_;  // sorted, disjoint
};

// Deterministic pseudo-random numbers (splitmix64). Not std::mt19937 plus a
// std distribution, whose output differs between standard libraries: the same
// spec must give byte-identical cores everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t bound) { return bound ? Next() % bound : 0; }

 private:
  uint64_t state_;
};

}  // namespace csd::mkcore
