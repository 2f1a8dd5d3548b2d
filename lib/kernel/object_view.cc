// SPDX-License-Identifier: MIT
#include "kernel/object_view.h"

#include <fmt/format.h>

namespace csd {

Expected<ObjectView> ObjectView::Read(const KernelMemory& memory, uint64_t address,
                                      const StructLayout& layout, uint64_t max_size) {
  if (layout.size == 0) {
    return Error(ErrorCode::kUnsupported, fmt::format("struct {} has DWARF size 0", layout.name));
  }
  if (layout.size > max_size) {
    return Error(ErrorCode::kLimit,
                 fmt::format("struct {} has DWARF size {}, over the --max-object-size cap of {} "
                             "bytes; not read (raise with --max-object-size)",
                             layout.name, layout.size, max_size));
  }
  std::vector<std::byte> bytes(layout.size);
  auto status = memory.Read(address, bytes);
  if (!status.ok()) {
    return std::move(status).error().AddContext(
        fmt::format("reading struct {} at {:#x}", layout.name, address));
  }
  return ObjectView(address, std::move(bytes), memory.endian());
}

Expected<uint64_t> ObjectView::Raw(const MemberLayout& member) const {
  if (member.bit_size != 0) {
    return Error(ErrorCode::kUnsupported, fmt::format("member {} is a bit-field", member.name));
  }
  if (member.size == 0 || member.size > 8) {
    return Error(
        ErrorCode::kUnsupported,
        fmt::format("member {} has size {}, not an integer or pointer", member.name, member.size));
  }
  ByteReader reader(bytes_, endian_, "kernel object");
  auto value = reader.Unsigned(member.offset, member.size);
  if (!value.ok()) {
    return std::move(value).error().AddContext(
        fmt::format("member {} of object at {:#x}", member.name, address_));
  }
  return *value;
}

Expected<uint64_t> ObjectView::Unsigned(const MemberLayout& member) const {
  return Raw(member);
}

Expected<int64_t> ObjectView::Signed(const MemberLayout& member) const {
  CSD_ASSIGN_OR_RETURN(uint64_t raw, Raw(member));
  return member.is_signed ? SignExtend(raw, member.size) : static_cast<int64_t>(raw);
}

}  // namespace csd
