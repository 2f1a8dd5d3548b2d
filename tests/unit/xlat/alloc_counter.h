// SPDX-License-Identifier: MIT
// Counts calls to the global operator new while counting is on. The
// replacement operators live in alloc_counter.cc, a translation unit of their
// own, so the compiler never sees them inlined next to a library new/delete.
#pragma once

namespace csd::testing {

void StartCountingAllocations();
// Stops counting and returns the number of allocations since the start.
long StopCountingAllocations();

}  // namespace csd::testing
