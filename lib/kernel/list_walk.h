// SPDX-License-Identifier: MIT
// Walks a kernel `struct list_head` ring from its head. The dump comes from a
// failing machine: pointers may be wild, the ring may loop back into itself
// or never close. The walk is bounded, detects cycles, and keeps every entry
// it read before a failure.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "base/error.h"
#include "memory/kernel_memory.h"

namespace csd {

struct ListHeadLayout {
  uint64_t next_offset = 0;
  uint64_t prev_offset = 0;
  unsigned pointer_size = 8;
};

struct ListWalkResult {
  std::vector<uint64_t> entries;      // addresses of each entry's list_head, in order
  std::optional<Error> stop_error;    // why the walk ended before returning to the head
  bool head_unreadable = false;       // the list head itself could not be read
  std::vector<std::string> warnings;  // e.g. prev pointers that do not point back
};

// At most `max_entries` entries are returned; reaching the cap is a kLimit
// stop error.
ListWalkResult WalkList(const KernelMemory& memory, uint64_t head, const ListHeadLayout& layout,
                        size_t max_entries);

}  // namespace csd
