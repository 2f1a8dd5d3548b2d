// SPDX-License-Identifier: MIT
// Per-page decompression for kdump-compressed dumps (formats.md §3.4). The
// page_desc flags choose the codec; the output must be exactly one block, so a
// short or overlong result (or a decompression bomb) is kCorrupt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "base/error.h"

namespace csd {

// page_desc.flags values.
inline constexpr uint32_t kPageRaw = 0;
inline constexpr uint32_t kPageZlib = 0x1;
inline constexpr uint32_t kPageLzo = 0x2;
inline constexpr uint32_t kPageSnappy = 0x4;
inline constexpr uint32_t kPageZstd = 0x20;

std::string_view CompressionName(uint32_t flags);

// Decompresses `in` into exactly `out.size()` bytes. kCorrupt (saying which
// codec and what went wrong) for garbage or a size mismatch; kUnsupported for
// unknown flags. Sets up a fresh codec state per call: for one-off pages.
Status DecompressPage(uint32_t flags, std::span<const std::byte> in, std::span<std::byte> out);

// The same, keeping each codec's state (zstd's decompression context, zlib's
// inflate stream) between pages instead of allocating and initialising it
// for every page, which costs as much as decompressing a 4 KiB page.
// One thread at a time.
class PageDecompressor {
 public:
  PageDecompressor();
  ~PageDecompressor();
  PageDecompressor(const PageDecompressor&) = delete;
  PageDecompressor& operator=(const PageDecompressor&) = delete;

  Status Decompress(uint32_t flags, std::span<const std::byte> in, std::span<std::byte> out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace csd
