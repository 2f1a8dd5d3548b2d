// SPDX-License-Identifier: MIT
// A loaded module's sysfs attribute tables, as kernel/module/sysfs.c builds
// them: mod->sect_attrs (/sys/module/M/sections, where the kernel placed each
// SHF_ALLOC section) and mod->notes_attrs (/sys/module/M/notes, the address
// and size of each SHT_NOTE section). Both have had two shapes:
//
//   Linux 5.8 to 6.13:
//     struct module_sect_attrs  { grp; unsigned nsections; struct module_sect_attr attrs[]; };
//     struct module_sect_attr   { struct bin_attribute battr; unsigned long address; };
//     struct module_notes_attrs { struct kobject *dir; unsigned notes; struct bin_attribute
//     attrs[]; };
//   (before 5.8, module_sect_attr held a module_attribute and its own `name`.)
//   Linux 6.14 and later (commits d8959b947a8d, 4b2c11e4aaf7, 34f5ec0f8252:
//   nsections and module_sect_attr dropped; 4723f16de64e: notes as a group):
//     struct module_sect_attrs  { grp; struct bin_attribute attrs[]; };  address in
//     attrs[i].private struct module_notes_attrs { grp; struct bin_attribute attrs[]; };
//
// In both, grp.bin_attrs is a NULL-terminated array of pointers to each
// entry's bin_attribute (6.13 to 6.16 also alias it bin_attrs_new), which is
// what sysfs itself walks. A table is read by its count when the kernel keeps
// one and by that array otherwise, or when the count cannot be used; each
// entry is decoded with its struct's layout from the vmlinux DWARF, so no
// offset is assumed and a renamed member fails with its name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "memory/kernel_memory.h"

namespace csd {

struct ModuleAttr {
  std::string name;      // the section's name (".data", ".note.gnu.build-id")
  uint64_t address = 0;  // where the kernel placed the section
  uint64_t size = 0;     // bin_attribute.size: the note's size; sections leave it 0
};

// One vmlinux's layout of one table (module_sect_attrs or module_notes_attrs).
struct AttrTableLayout {
  std::string container;  // "module_sect_attrs"
  std::string shape;      // for messages: which layout this is and where the address is
  // The counted walk: `count` entries of `element_size` bytes at `array`.
  std::optional<MemberLayout> count, array;
  uint64_t element_size = 0;
  // The NULL-terminated walk: grp.bin_attrs points at pointers to the
  // bin_attribute that sits `bin_attr_offset` bytes into each entry.
  std::optional<MemberLayout> bin_attrs;
  uint64_t bin_attr_offset = 0;
  // Inside an entry.
  MemberLayout name, address;
  std::optional<MemberLayout> size;
};

// kLookup when the vmlinux has no such struct (a kernel without
// CONFIG_KALLSYMS, or a DWARF-less one); kUnsupported naming the members that
// fit neither known shape.
Expected<AttrTableLayout> ResolveSectAttrsLayout(const DebugInfo& vmlinux);
Expected<AttrTableLayout> ResolveNotesAttrsLayout(const DebugInfo& vmlinux);

struct AttrTableLimits {
  size_t max_entries = 65536;  // a real module has a few dozen sections
  size_t max_name = 256;
};

// The table at `address`. An entry whose name cannot be read is left out;
// anything else that cannot be read, or a walk over `max_entries`, fails the
// walk. When the counted walk fails the NULL-terminated one is tried; the
// error names each walk tried and why it failed (kCorrupt, or the memory
// read's own code for an unreadable page).
Expected<std::vector<ModuleAttr>> ReadAttrTable(const KernelMemory& memory, uint64_t address,
                                                const AttrTableLayout& layout,
                                                const AttrTableLimits& limits);

}  // namespace csd
