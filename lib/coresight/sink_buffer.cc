// SPDX-License-Identifier: MIT
#include "coresight/sink_buffer.h"

#include "base/byte_reader.h"

namespace csd {

bool StartsWithBarrier(std::span<const std::byte> buffer) {
  constexpr size_t kBarrierWords = 4;
  if (buffer.size() < kBarrierWords * 4) return false;
  for (size_t i = 0; i < kBarrierWords; ++i) {
    if (LoadUnsigned(buffer.subspan(i * 4, 4), Endian::kLittle) != 0x7fffffff) return false;
  }
  return true;
}

}  // namespace csd
