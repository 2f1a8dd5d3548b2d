// SPDX-License-Identifier: MIT
// Caps on hostile input that every trace source applies while it reads.
#pragma once

#include <cstddef>
#include <cstdint>

namespace csd {

struct ReadLimits {
  size_t max_nodes = 65536;               // --max-nodes
  uint64_t max_buffer_size = 1ull << 30;  // --max-buffer-size: no real sink is larger
  size_t max_name_length = 256;           // device names are short kernel strings
};

}  // namespace csd
