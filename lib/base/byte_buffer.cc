// SPDX-License-Identifier: MIT
#include "base/byte_buffer.h"

#include <sys/mman.h>

namespace csd::byte_buffer_detail {

void* AllocateMapped(std::size_t bytes) {
  void* pointer =
      ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pointer == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  // Advice only: without THP (or with it disabled) the mapping simply keeps
  // 4 KiB pages, so the result is deliberately ignored.
  (void)::madvise(pointer, bytes, MADV_HUGEPAGE);
#endif
  return pointer;
}

void FreeMapped(void* pointer, std::size_t bytes) {
  ::munmap(pointer, bytes);
}

}  // namespace csd::byte_buffer_detail
