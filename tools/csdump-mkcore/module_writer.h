// SPDX-License-Identifier: MIT
// Lays the crashed kernel's loaded modules out in the synthetic machine's
// memory, the way Linux loads them (kernel/module/main.c, sysfs.c):
//
//   modules (vmlinux .data) -> struct module.list -> ... (list_add order: spec order)
//   struct module: in the module's .gnu.linkonce.this_module section
//     state, name, mem[] or core_layout (the module's memory),
//     sect_attrs, notes_attrs -> the sysfs attribute tables, in the 6.13 or
//       the 6.14+ shape, whichever the vmlinux DWARF has (module_sysfs_writer.h)
//   module memory: module space (below _text), one page-aligned group each for
//     text, read-only data and writable data, every page mapped through the
//     page tables and backed by physically scattered pages
//
// A module with an object gets the object's SHF_ALLOC sections (bytes, sizes,
// alignments from its section headers; ABS64 data relocations applied), so
// its .note.gnu.build-id and .data (with coresight_dump_list) are where a
// reader relocating the object's symbols with sect_attrs looks. A decoy gets
// a few made-up sections. Every struct layout comes from the vmlinux DWARF.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/arm64_layout.h"
#include "csdump-mkcore/kernel_model.h"
#include "csdump-mkcore/module_object.h"
#include "csdump-mkcore/phys_image.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

struct WrittenModuleSection {
  std::string name;
  uint64_t address = 0;  // runtime, in module space
  uint64_t size = 0;
};

struct WrittenModule {
  size_t spec_index = 0;
  std::string name;
  uint64_t module_va = 0;       // struct module
  uint64_t sect_attrs_va = 0;   // 0: written as NULL
  uint64_t notes_attrs_va = 0;  // 0: NULL (no notes, or the spec says so)
  int64_t state = 0;
  bool has_object = false;
  std::vector<WrittenModuleSection> sections;  // in mod->sect_attrs order
  std::optional<std::string> build_id;         // in the loaded note, as a reader finds it
  std::optional<std::string> object_build_id;  // the object's (the debug file's)
  uint64_t image_va = 0, image_size = 0;       // the module's memory in module space

  std::optional<uint64_t> SectionAddress(std::string_view section) const;
};

struct ModuleWriteResult {
  uint64_t modules_head_va = 0;        // `modules` in the vmlinux, runtime
  std::vector<WrittenModule> modules;  // list order
  // The module whose coresight_dump_list heads the panic-dump list.
  std::optional<size_t> list_owner;
  uint64_t list_head_va = 0;
};

// The error for spec.modules[index].object naming a --module file that was
// not given (with the spec's module_objects hint, if any); the caller adds
// "spec.modules[index]" as context.
Error MissingModuleObject(const Spec& spec, size_t index, size_t given);

// `objects[i]` is the --module file spec "object": i refers to.
// kInvalidArgument naming the spec key when a module cannot be laid out
// (object index out of range, a name too long for struct module.name, no
// coresight_dump_list in the object that owns the list); kLookup when the
// vmlinux has no module list.
Expected<ModuleWriteResult> WriteModules(const Spec& spec, const KernelModel& kernel,
                                         std::span<const ModuleObject> objects, Arm64Layout& layout,
                                         PhysImage& image, PhysAllocator& alloc);

}  // namespace csd::mkcore
