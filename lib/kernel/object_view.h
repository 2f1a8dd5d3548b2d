// SPDX-License-Identifier: MIT
// Typed reads of kernel objects whose layout comes from DWARF. The width of
// every read is the member's DWARF size, never a host type's.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "memory/kernel_memory.h"

namespace csd {

// A snapshot of one object's bytes, read once, then decoded member by member.
class ObjectView {
 public:
  // Reads layout.size bytes at `address`: kUnsupported for a size of 0,
  // kLimit naming --max-object-size for one over `max_size` (nothing is read).
  static Expected<ObjectView> Read(const KernelMemory& memory, uint64_t address,
                                   const StructLayout& layout, uint64_t max_size);

  uint64_t address() const { return address_; }
  // Integer, enum or pointer member, sign-extended when DWARF says signed.
  Expected<uint64_t> Unsigned(const MemberLayout& member) const;
  Expected<int64_t> Signed(const MemberLayout& member) const;

 private:
  ObjectView(uint64_t address, std::vector<std::byte> bytes, Endian endian)
      : address_(address), bytes_(std::move(bytes)), endian_(endian) {}
  Expected<uint64_t> Raw(const MemberLayout& member) const;

  uint64_t address_;
  std::vector<std::byte> bytes_;
  Endian endian_;
};

}  // namespace csd
