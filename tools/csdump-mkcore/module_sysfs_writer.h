// SPDX-License-Identifier: MIT
// A loaded module's sysfs attribute tables, written the way
// kernel/module/sysfs.c's add_sect_attrs() and add_notes_attrs() build them,
// in whichever shape the vmlinux DWARF has (module_types.h):
//
//   6.13 and before: one kzalloc holding module_sect_attrs (nsections, each
//     entry's `address`, battr.private left NULL) followed by the
//     NULL-terminated grp.bin_attrs array pointing at each entry's battr;
//     module_notes_attrs with its `notes` count.
//   6.14 and later: module_sect_attrs of bare bin_attributes (the address in
//     `private`) and a separate kcalloc'd NULL-terminated grp.bin_attrs; the
//     notes as an attribute group the same way.
//
// Every note entry's name is its section entry's string, as the kernel shares
// it. Hostile variants for the reader's tests: an array with no NULL
// terminator before csdump's cap, and one section's address made wild.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/arm64_layout.h"
#include "csdump-mkcore/module_types.h"
#include "csdump-mkcore/phys_image.h"

namespace csd::mkcore {

// *object[m] = value (m.size bytes, little-endian). kUnsupported for a member
// that is not a word, kInvalidArgument when it lies outside `object` or the
// value does not fit; `what` names the struct in the message.
Status StoreMember(std::span<std::byte> object, const MemberLayout& m, uint64_t value,
                   std::string_view what);

// The section as sysfs lists it.
struct SysfsSection {
  std::string name;
  uint64_t address = 0;
  uint64_t size = 0;
  bool note = false;  // SHT_NOTE: also in mod->notes_attrs
};

struct SysfsCorruption {
  // grp.bin_attrs holds more non-NULL pointers than csdump-extract reads
  // (and, in the 6.13 shape, nsections is past that cap too).
  bool unterminated = false;
  // This section's recorded address is outside the module's memory.
  std::optional<std::string> wild_section;
};

// The address a "wild-address" section is given: in the vmalloc area, far
// from module space and mapped by nothing.
inline constexpr uint64_t kWildSectionAddress = 0xffffdead00000000ull;

// More than csdump-extract's default cap on a module's sections
// (ModuleListLimits::max_sections, 65536).
inline constexpr uint64_t kUnterminatedEntries = 65536 + 16;

struct SysfsTables {
  uint64_t sect_attrs = 0;   // struct module_sect_attrs
  uint64_t notes_attrs = 0;  // 0: no note sections, or a kernel without notes_attrs
};

class SysfsAttrWriter {
 public:
  SysfsAttrWriter(const ModuleListTypes& types, Arm64Layout& layout, PhysImage& image,
                  PhysAllocator& alloc)
      : t_(types), layout_(layout), image_(image), alloc_(alloc) {}

  // mod_sysfs_setup(): the section attributes of `sections` (non-empty,
  // SHF_ALLOC, in section-header order), then the notes among them.
  Expected<SysfsTables> Write(std::span<const SysfsSection> sections,
                              const SysfsCorruption& corrupt);

 private:
  Expected<uint64_t> Kmalloc(uint64_t size);
  Expected<uint64_t> WriteString(std::string_view text);
  Expected<uint64_t> WriteSectAttrs(std::span<const SysfsSection> sections,
                                    std::span<const uint64_t> names,
                                    const SysfsCorruption& corrupt);
  Expected<uint64_t> WriteNotesAttrs(std::span<const SysfsSection> sections,
                                     std::span<const uint64_t> names);
  // One table entry: name, address, and the bin_attribute's size and mode.
  Status WriteEntry(std::span<std::byte> table, uint64_t offset, const AttrTableTypes& t,
                    uint64_t name, uint64_t address, uint64_t size, uint64_t mode,
                    std::string_view what);

  const ModuleListTypes& t_;
  Arm64Layout& layout_;
  PhysImage& image_;
  PhysAllocator& alloc_;
};

}  // namespace csd::mkcore
