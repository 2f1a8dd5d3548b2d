// SPDX-License-Identifier: MIT
// A byte vector for buffers that are about to be overwritten in full, such as
// a sink buffer read out of a dump (up to --max-buffer-size, 1 GiB by default).
//
// std::vector<std::byte>(n) writes n zero bytes before the read overwrites
// them, and its heap pages fault in 4 KiB at a time: for 1 GiB that is a
// quarter of a million page faults and a memset, about as long as the read
// itself. ByteBuffer leaves elements uninitialised (resize/construct with a
// size does not write them) and backs large buffers with their own anonymous
// mapping, advised to use transparent huge pages, so the first touch faults
// once per 2 MiB where the kernel allows it (THP "madvise" or "always").
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace csd {

namespace byte_buffer_detail {

// At or above this size an allocation gets its own mapping. Below it the heap
// is cheaper, and a huge page could not be filled anyway.
inline constexpr std::size_t kMappedThreshold = std::size_t{2} << 20;

void* AllocateMapped(std::size_t bytes);            // throws std::bad_alloc
void FreeMapped(void* pointer, std::size_t bytes);  // bytes as allocated

}  // namespace byte_buffer_detail

template <typename T>
class UninitializedAllocator {
  static_assert(std::is_trivially_copyable_v<T>, "for plain bytes and integers only");

 public:
  using value_type = T;

  UninitializedAllocator() = default;
  template <typename U>
  explicit UninitializedAllocator(const UninitializedAllocator<U>& /*other*/) {}

  T* allocate(std::size_t n) {
    if (n > std::allocator_traits<UninitializedAllocator>::max_size(*this)) {
      throw std::bad_array_new_length();
    }
    const std::size_t bytes = n * sizeof(T);
    if (bytes >= byte_buffer_detail::kMappedThreshold) {
      return static_cast<T*>(byte_buffer_detail::AllocateMapped(bytes));
    }
    return std::allocator<T>().allocate(n);
  }

  void deallocate(T* pointer, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes >= byte_buffer_detail::kMappedThreshold) {
      byte_buffer_detail::FreeMapped(pointer, bytes);
      return;
    }
    std::allocator<T>().deallocate(pointer, n);
  }

  // Value-less construction (vector(n), resize(n)) default-initialises, which
  // for a trivial type leaves the bytes as they are.
  template <typename U>
  void construct(U* pointer) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(pointer)) U;
  }
  template <typename U, typename... Args>
  void construct(U* pointer, Args&&... args) {
    ::new (static_cast<void*>(pointer)) U(std::forward<Args>(args)...);
  }

  friend bool operator==(const UninitializedAllocator&, const UninitializedAllocator&) {
    return true;
  }
};

using ByteBuffer = std::vector<std::byte, UninitializedAllocator<std::byte>>;

}  // namespace csd
