// SPDX-License-Identifier: MIT
// ETM metadata blocks and the barrier check on sink buffers.
#include "coresight/etm_metadata.h"
#include "coresight/sink_buffer.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = csd::fuzz::Bytes(data, size);
  for (int64_t cpu : {int64_t{0}, int64_t{1}, int64_t{-1}}) {
    (void)csd::ParseEtmV4Metadata(bytes, cpu);
  }
  (void)csd::StartsWithBarrier(bytes);
  return 0;
}
