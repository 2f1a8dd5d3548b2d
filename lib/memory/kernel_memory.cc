// SPDX-License-Identifier: MIT
#include "memory/kernel_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace csd {

Status KernelMemory::Read(uint64_t va, std::span<std::byte> out) const {
  size_t done = 0;
  while (done < out.size()) {
    const uint64_t cur = va + done;
    if (cur < va) {
      return Error(ErrorCode::kNotMapped, fmt::format("read at {:#x} wraps the address space", va));
    }
    auto translation = translator_.Translate(cur);
    if (!translation.ok()) {
      return std::move(translation).error().AddContext(fmt::format("reading VA {:#x}", cur));
    }
    const uint64_t chunk =
        std::min<uint64_t>(out.size() - done, std::max<uint64_t>(translation->contiguous, 1));
    auto status = physical_.ReadPhysical(translation->pa, out.subspan(done, chunk));
    if (!status.ok()) {
      return std::move(status).error().AddContext(fmt::format(
          "reading VA {:#x} (PA {:#x} via {})", cur, translation->pa, translation->method));
    }
    done += chunk;
  }
  return OkStatus();
}

Expected<uint64_t> KernelMemory::ReadUnsigned(uint64_t va, size_t width) const {
  if (width == 0 || width > 8) {
    return Error(ErrorCode::kUnsupported, fmt::format("integer width {} at {:#x}", width, va));
  }
  std::array<std::byte, 8> buffer{};
  CSD_RETURN_IF_ERROR(Read(va, std::span(buffer).first(width)));
  return LoadUnsigned(std::span(buffer).first(width), endian_);
}

Expected<std::string> KernelMemory::ReadCString(uint64_t va, size_t max_length) const {
  std::string result;
  std::array<std::byte, 64> chunk{};
  while (result.size() < max_length) {
    const uint64_t cur = va + result.size();
    // Never read across a page we do not need: stop each chunk at a 64-byte
    // boundary so a short string at the end of a mapped page still reads.
    const size_t n =
        std::min<size_t>(chunk.size() - (cur % chunk.size()), max_length - result.size());
    CSD_RETURN_IF_ERROR(Read(cur, std::span(chunk).first(n)));
    for (size_t i = 0; i < n; ++i) {
      if (chunk[i] == std::byte{0}) return result;
      result.push_back(static_cast<char>(chunk[i]));
    }
  }
  return Error(ErrorCode::kLimit,
               fmt::format("string at {:#x} has no terminator within {} bytes", va, max_length));
}

}  // namespace csd
