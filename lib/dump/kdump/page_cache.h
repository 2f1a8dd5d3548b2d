// SPDX-License-Identifier: MIT
// The kdump reader's two caches (libkdumpfile keeps its own in cache.c and
// fcache.c). Neither is thread-safe: KdumpFile uses both under its mutex.
//  - PageCache keeps the last few decompressed pages, for the small reads
//    (structures, page-table entries) that come back to the same pages.
//  - ReadWindow reads compressed page data ahead from a source that cannot
//    be viewed in place (a flattened stream), so that walking a contiguous
//    buffer costs a few large reads rather than one per page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "base/error.h"
#include "dump/kdump/byte_source.h"

namespace csd {

// Least recently used pages out first, keyed by PFN.
class PageCache {
 public:
  // Holds up to `slots` pages of `page_size` bytes.
  PageCache(size_t slots, size_t page_size) : slots_(slots), page_size_(page_size) {}

  // Whether page `pfn` is cached (without making it the most recent).
  bool Contains(uint64_t pfn) const;
  // Page `pfn`: from the cache, made the most recently used, or else filled
  // by `load` (a callable taking std::span<std::byte> of page_size bytes and
  // returning Status) and cached in place of the least recently used page if
  // the cache is full. An error from `load` is returned and nothing is
  // cached. The bytes stay valid until the next Get().
  template <typename Load>
  Expected<std::span<const std::byte>> Get(uint64_t pfn, Load&& load) {
    if (const auto cached = Find(pfn)) return *cached;
    std::vector<std::byte> data(page_size_);
    CSD_RETURN_IF_ERROR(load(std::span<std::byte>(data)));
    return Insert(pfn, std::move(data));
  }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t pfn;
    std::vector<std::byte> data;
  };

  // Page `pfn` made the most recent, if cached.
  std::optional<std::span<const std::byte>> Find(uint64_t pfn);
  // Caches `data` as page `pfn`, the most recent, evicting the least if full.
  std::span<const std::byte> Insert(uint64_t pfn, std::vector<std::byte> data);

  size_t slots_;
  size_t page_size_;
  std::list<Entry> entries_;  // most recent first
};

// makedumpfile writes page data in PFN order, so reading a physically
// contiguous buffer page by page walks the file forwards: while reads
// continue where the window ends it doubles (up to kMaxWindow), and one read
// of the source serves many pages. Pages of a vmalloc buffer are scattered,
// so any other read fetches kMinWindow bytes only.
class ReadWindow {
 public:
  static constexpr uint64_t kMinWindow = 4096;     // per random miss: one page-sized copy
  static constexpr uint64_t kMaxWindow = 1 << 20;  // ... and at most, once reads are sequential

  // [offset, offset + size) of `source`, which must lie within source.size()
  // (the caller checks, and names the page in its error). The source's read
  // error otherwise. The bytes stay valid until the next Read().
  Expected<std::span<const std::byte>> Read(const ByteSource& source, uint64_t offset,
                                            uint32_t size);

 private:
  std::vector<std::byte> window_;
  const ByteSource* source_ = nullptr;  // what window_ holds; nullptr: nothing
  uint64_t offset_ = 0;                 // where window_ starts in *source_
  uint64_t length_ = kMinWindow;        // what the last miss asked for
};

}  // namespace csd
