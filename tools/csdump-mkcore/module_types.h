// SPDX-License-Identifier: MIT
// The vmlinux types csdump-mkcore lays loaded modules out with, from DWARF:
// the `modules` list, struct module, the module's memory regions and the
// sysfs attribute tables of kernel/module/sysfs.c in whichever of their two
// shapes the fake kernel has (lib/kernel/module_attrs.h describes both):
//
//   Linux 6.13 and before: module_sect_attrs { grp; nsections; module_sect_attr attrs[]; }
//                          module_notes_attrs { dir; notes; bin_attribute attrs[]; }
//   Linux 6.14 and later:  module_sect_attrs { grp; bin_attribute attrs[]; }
//                          module_notes_attrs { grp; bin_attribute attrs[]; }
#pragma once

#include <cstdint>
#include <optional>

#include "base/error.h"
#include "debuginfo/debug_info.h"

namespace csd::mkcore {

// One attribute table: a container struct with a flexible array of entries.
struct AttrTableTypes {
  uint64_t container_size = 0;             // without the entries
  MemberLayout array;                      // attrs[]
  std::optional<MemberLayout> count;       // nsections / notes (6.13 and before)
  std::optional<MemberLayout> bin_attrs;   // grp.bin_attrs (absent from old notes)
  std::optional<MemberLayout> group_name;  // grp.name
  uint64_t entry_size = 0;                 // struct module_sect_attr or bin_attribute
  uint64_t bin_attr_offset = 0;            // the entry's struct bin_attribute
  MemberLayout name;                       // in an entry
  MemberLayout address;                    // `address` (old sections) or `private`
  std::optional<MemberLayout> size, mode;  // bin_attribute.size, .attr.mode
};

struct ModuleListTypes {
  uint64_t modules = 0;               // link-time address of the `modules` list head
  MemberLayout list_next, list_prev;  // the vmlinux's struct list_head
  uint64_t module_size = 0;
  MemberLayout state, list, name, sect_attrs;  // struct module
  AttrTableTypes sect;
  std::optional<MemberLayout> notes_attrs;  // struct module.notes_attrs
  std::optional<AttrTableTypes> notes;
  // The module's memory: mod->mem[] (6.4+), else core_layout.
  std::optional<MemberLayout> mem;
  uint64_t mem_entry_size = 0;
  MemberLayout mem_base, mem_size;  // in struct module_memory
  std::optional<MemberLayout> core_base, core_size;

  // 6.14+: no count, the address in each bin_attribute's `private`.
  bool bare_bin_attributes() const { return !sect.count; }
};

// kLookup naming the missing symbol, struct or member.
Expected<ModuleListTypes> LoadModuleListTypes(const DebugInfo& info);

}  // namespace csd::mkcore
