// SPDX-License-Identifier: MIT
#include "csdump-mkcore/phys_image.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "base/byte_reader.h"

namespace csd::mkcore {

PhysImage::PhysImage(std::vector<PhysicalRange> ram) : ram_(std::move(ram)) {
  std::sort(ram_.begin(), ram_.end(),
            [](const auto& a, const auto& b) { return a.start < b.start; });
}

bool PhysImage::InRam(uint64_t pa, uint64_t size) const {
  const auto end = CheckedAdd(pa, size);
  if (!end) return false;
  // RAM ranges may be adjacent; walk them so a span across two still counts.
  uint64_t cur = pa;
  for (const auto& r : ram_) {
    if (cur >= *end) break;
    if (cur >= r.start && cur < r.start + r.size) cur = std::min(*end, r.start + r.size);
  }
  return cur >= *end;
}

Status PhysImage::Write(uint64_t pa, std::span<const std::byte> data) {
  if (!InRam(pa, data.size())) {
    return Error(
        ErrorCode::kNotMapped,
        fmt::format("write of {:#x} bytes at physical {:#x} is outside RAM", data.size(), pa));
  }
  size_t done = 0;
  while (done < data.size()) {
    const uint64_t cur = pa + done;
    auto& chunk = chunks_[cur / kChunk];
    if (!chunk) chunk = std::make_unique<Chunk>(Chunk{});
    const size_t n = std::min<uint64_t>(data.size() - done, kChunk - cur % kChunk);
    std::memcpy(chunk->data() + cur % kChunk, data.data() + done, n);
    done += n;
  }
  return OkStatus();
}

Status PhysImage::WriteUnsigned(uint64_t pa, uint64_t value, size_t width) {
  std::byte bytes[8];
  StoreUnsigned(std::span<std::byte>(bytes, width), value, Endian::kLittle);
  return Write(pa, std::span<const std::byte>(bytes, width));
}

Status PhysImage::Zero(uint64_t pa, uint64_t size) {
  if (!InRam(pa, size)) {
    return Error(ErrorCode::kNotMapped,
                 fmt::format("zeroing {:#x} bytes at physical {:#x}: outside RAM", size, pa));
  }
  // Only chunks that exist need clearing; absent ones already read as zero.
  for (uint64_t cur = pa; cur < pa + size;) {
    const uint64_t n = std::min(pa + size - cur, kChunk - cur % kChunk);
    auto it = chunks_.find(cur / kChunk);
    if (it != chunks_.end()) std::memset(it->second->data() + cur % kChunk, 0, n);
    cur += n;
  }
  return OkStatus();
}

Status PhysImage::ReadPhysical(uint64_t pa, std::span<std::byte> out) const {
  for (size_t done = 0; done < out.size();) {
    const uint64_t cur = pa + done;
    const size_t n = std::min<uint64_t>(out.size() - done, kChunk - cur % kChunk);
    if (!InRam(cur, n)) {
      return Error(ErrorCode::kNotMapped, fmt::format("physical address {:#x} is not in RAM", cur));
    }
    const Chunk* chunk = FindChunk(cur);
    if (chunk) {
      std::memcpy(out.data() + done, chunk->data() + cur % kChunk, n);
    } else {
      std::memset(out.data() + done, 0, n);
    }
    done += n;
  }
  return OkStatus();
}

const PhysImage::Chunk* PhysImage::FindChunk(uint64_t pa) const {
  auto it = chunks_.find(pa / kChunk);
  return it == chunks_.end() ? nullptr : it->second.get();
}

PhysAllocator::PhysAllocator(const std::vector<PhysicalRange>& ram,
                             const std::vector<PhysicalRange>& reserved) {
  // Subtract each reserved range from the RAM ranges.
  std::vector<PhysicalRange> ranges = ram;
  for (const auto& res : reserved) {
    std::vector<PhysicalRange> next;
    for (const auto& r : ranges) {
      const uint64_t r_end = r.start + r.size, res_end = res.start + res.size;
      if (res_end <= r.start || res.start >= r_end) {
        next.push_back(r);
        continue;
      }
      if (res.start > r.start) next.push_back({r.start, res.start - r.start});
      if (res_end < r_end) next.push_back({res_end, r_end - res_end});
    }
    ranges = std::move(next);
  }
  std::sort(ranges.begin(), ranges.end(),
            [](const auto& a, const auto& b) { return a.start < b.start; });
  free_ = std::move(ranges);
}

uint64_t PhysAllocator::free_bytes() const {
  uint64_t total = 0;
  for (const auto& r : free_) total += r.size;
  return total;
}

Expected<uint64_t> PhysAllocator::AllocLow(uint64_t size, uint64_t align) {
  for (size_t i = 0; i < free_.size(); ++i) {
    PhysicalRange& r = free_[i];
    const uint64_t start = (r.start + align - 1) / align * align;
    if (start < r.start || start - r.start + size > r.size) continue;
    const uint64_t end = start + size, r_end = r.start + r.size;
    // Keep the alignment gap in front free for later small allocations.
    PhysicalRange before{r.start, start - r.start};
    r = {end, r_end - end};
    if (before.size) free_.insert(free_.begin() + static_cast<ptrdiff_t>(i), before);
    return start;
  }
  return Error(ErrorCode::kLimit,
               fmt::format("out of RAM allocating {:#x} bytes (low); make \"ram\" larger", size));
}

Expected<uint64_t> PhysAllocator::AllocHigh(uint64_t size, uint64_t align) {
  for (size_t i = free_.size(); i-- > 0;) {
    PhysicalRange& r = free_[i];
    const uint64_t r_end = r.start + r.size;
    if (size > r.size) continue;
    const uint64_t start = (r_end - size) / align * align;
    if (start < r.start) continue;
    const uint64_t end = start + size;
    PhysicalRange after{end, r_end - end};
    r.size = start - r.start;
    if (after.size) free_.insert(free_.begin() + static_cast<ptrdiff_t>(i) + 1, after);
    return start;
  }
  return Error(ErrorCode::kLimit,
               fmt::format("out of RAM allocating {:#x} bytes (high); make \"ram\" larger", size));
}

}  // namespace csd::mkcore
