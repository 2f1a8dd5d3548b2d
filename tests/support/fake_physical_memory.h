// SPDX-License-Identifier: MIT
// In-memory physical memory for unit tests: sparse 4 KiB pages created on
// first write; reads of absent pages fail with kNotMapped like a real dump.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <vector>

#include "base/byte_reader.h"
#include "memory/physical_memory.h"

namespace csd::testing {

class FakePhysicalMemory final : public PhysicalMemory {
 public:
  static constexpr uint64_t kPage = 4096;

  void Write(uint64_t pa, std::span<const std::byte> data) {
    for (size_t i = 0; i < data.size(); ++i) {
      auto& page = pages_[(pa + i) / kPage];
      if (page.empty()) page.resize(kPage);
      page[(pa + i) % kPage] = data[i];
    }
  }
  void WriteU64(uint64_t pa, uint64_t value) {
    std::byte b[8];
    StoreUnsigned(b, value, Endian::kLittle);
    Write(pa, b);
  }
  void WriteU32(uint64_t pa, uint32_t value) {
    std::byte b[4];
    StoreUnsigned(b, value, Endian::kLittle);
    Write(pa, b);
  }
  void Map(uint64_t pa, uint64_t size) {  // zero-filled pages
    for (uint64_t p = pa / kPage; p <= (pa + size - 1) / kPage; ++p) {
      auto& page = pages_[p];
      if (page.empty()) page.resize(kPage);
    }
  }

  Status ReadPhysical(uint64_t pa, std::span<std::byte> out) const override {
    for (size_t i = 0; i < out.size();) {
      const uint64_t cur = pa + i;
      auto it = pages_.find(cur / kPage);
      if (it == pages_.end()) {
        return Error(ErrorCode::kNotMapped,
                     fmt::format("physical address {:#x} is not in memory", cur));
      }
      const size_t n = std::min<size_t>(out.size() - i, kPage - cur % kPage);
      std::memcpy(out.data() + i, it->second.data() + cur % kPage, n);
      i += n;
    }
    return OkStatus();
  }

  std::vector<PhysicalRange> Ranges() const override {
    std::vector<PhysicalRange> ranges;
    for (const auto& [pfn, page] : pages_) {
      if (!ranges.empty() && ranges.back().start + ranges.back().size == pfn * kPage) {
        ranges.back().size += kPage;
      } else {
        ranges.push_back({pfn * kPage, kPage});
      }
    }
    return ranges;
  }

 private:
  std::map<uint64_t, std::vector<std::byte>> pages_;
};

}  // namespace csd::testing
