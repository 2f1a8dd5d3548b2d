// SPDX-License-Identifier: MIT
#include "kernel/list_walk.h"

#include <fmt/format.h>

#include <unordered_set>

namespace csd {

ListWalkResult WalkList(const KernelMemory& memory, uint64_t head, const ListHeadLayout& layout,
                        size_t max_entries) {
  ListWalkResult result;
  std::unordered_set<uint64_t> seen;
  uint64_t previous = head;
  uint64_t current = head;
  for (;;) {
    auto next = memory.ReadUnsigned(current + layout.next_offset, layout.pointer_size);
    const std::string where =
        current == head ? fmt::format("list head at {:#x}", head)
                        : fmt::format("entry {} at {:#x}", result.entries.size() - 1, current);
    if (!next.ok()) {
      result.head_unreadable = current == head;
      result.stop_error = std::move(next).error().AddContext("reading next pointer of " + where);
      return result;
    }
    // A consistent ring has entry->prev == the entry before it; a mismatch is
    // worth knowing (a list_add racing the panic) but not fatal.
    if (current != head) {
      auto prev = memory.ReadUnsigned(current + layout.prev_offset, layout.pointer_size);
      if (prev.ok() && *prev != previous) {
        result.warnings.push_back(fmt::format("{}: prev pointer {:#x} does not point back to {:#x}",
                                              where, *prev, previous));
      }
    }
    const uint64_t target = *next;
    if (target == head) return result;
    if (target == 0) {
      result.stop_error =
          Error(ErrorCode::kCorrupt, fmt::format("{}: next pointer is NULL", where));
      return result;
    }
    if (target % layout.pointer_size != 0) {
      result.stop_error = Error(ErrorCode::kCorrupt,
                                fmt::format("{}: next pointer {:#x} is misaligned", where, target));
      return result;
    }
    if (!seen.insert(target).second) {
      result.stop_error =
          Error(ErrorCode::kCorrupt,
                fmt::format("{}: next pointer {:#x} loops back to an earlier entry (cycle)", where,
                            target));
      return result;
    }
    if (result.entries.size() >= max_entries) {
      result.stop_error =
          Error(ErrorCode::kLimit,
                fmt::format("the list has more than {} entries; stopped (raise with --max-nodes)",
                            max_entries));
      return result;
    }
    result.entries.push_back(target);
    previous = current;
    current = target;
  }
}

}  // namespace csd
