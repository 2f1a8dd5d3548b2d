// SPDX-License-Identifier: MIT
// ETM metadata blocks and the barrier check on sink buffers.
#include "coresight/etm_metadata.h"
#include "coresight/sink_buffer.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = csd::fuzz::Bytes(data, size);
  for (int64_t cpu : {int64_t{0}, int64_t{1}, int64_t{-1}}) {
    auto config = csd::ParseEtmMetadata(bytes, cpu);
    if (!config.ok()) continue;
    // Every accessor must hold for any block a config was made from,
    // validated or not.
    (void)config->protocol();
    (void)config->trace_id();
    (void)config->cpu();
    (void)config->block_name();
    if (config->etm3() == nullptr && config->etm4_list() == nullptr) __builtin_trap();
  }
  (void)csd::StartsWithBarrier(bytes);
  return 0;
}
