// SPDX-License-Identifier: MIT
// The crashed kernel's loaded modules, read from its `modules` list: each
// module's name, where the kernel placed each of its sections and the
// build-id of what was loaded. Those relocate a module's debug info to the
// running kernel. Layouts come from the vmlinux DWARF; one unreadable module
// never hides the others.
//
// Section addresses are found by every means the kernel offers, the exact
// ones first:
//  1. mod->sect_attrs, the sysfs section attributes (/sys/module/M/sections),
//     in whichever of their shapes this kernel has (module_attrs.h). Each
//     address is checked against the module's memory (mod->mem[] since 6.4,
//     core_layout/init_layout before): an address outside it, other than a
//     freed .init section's, means the table is not what it claims and it is
//     not used.
//  2. The module's own kallsyms (module_kallsyms.h), read when (1) fails:
//     st_value is the runtime address of each symbol it keeps, so a symbol of
//     the module's debug file found there by name (and size) gives its
//     section's address exactly: runtime value minus the symbol's offset in
//     its section. LoadedModule::Place does this.
// mod->mem[] alone is not a means: a section's offset inside its region
// follows layout_sections()' order, alignment and the architecture's
// load-time sections (arm64 sizes its PLT sections at load), which no dump
// records, so only the region bounds are used, as the check in (1).
//
// The build-id is read from mod->notes_attrs (the loaded NT_GNU_BUILD_ID
// note's address, in either shape), else from the .note.gnu.build-id section
// found above.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "kernel/kernel_target.h"
#include "kernel/module_kallsyms.h"
#include "memory/kernel_memory.h"

namespace csd {

struct ModuleListLimits {
  size_t max_modules = 8192;      // real systems load a few hundred
  size_t max_sections = 65536;    // per module
  size_t max_section_name = 256;  // ".text.unlikely" and the like
  size_t max_symbols = 1 << 17;   // per module, its kallsyms (read only when needed)
};

// A region of a module's memory: mod->mem[i] (6.4+) or a module_layout.
struct ModuleRegion {
  std::string name;  // "mem[1]", "core_layout"
  uint64_t base = 0;
  uint64_t size = 0;
};

// One means of finding section addresses that did not work for a module.
struct ModuleMeansFailure {
  std::string means;  // "mod->sect_attrs (...)", "kallsyms"
  Error error;
};

// A module's symbol at run time, and what placed it.
struct PlacedSymbol {
  uint64_t address = 0;          // runtime
  uint64_t section_address = 0;  // where the kernel placed the symbol's section
  std::string means;
};

struct LoadedModule {
  size_t index = 0;      // position in the list
  uint64_t address = 0;  // struct module
  std::string name;      // as the kernel spells it ("coresight_etm4x")
  int64_t state = 0;     // MODULE_STATE_LIVE 0, COMING 1, GOING 2, UNFORMED 3
  std::vector<std::pair<std::string, uint64_t>> sections;  // name -> runtime address
  std::string sections_from;                               // the means that gave `sections`
  std::optional<std::string> build_id;                     // lowercase hex, from the loaded note
  std::string build_id_from;                               // "mod->notes_attrs" or the note section
  std::vector<ModuleRegion> regions;         // empty when the kernel's layout is unknown
  std::vector<ModuleSymbol> kallsyms;        // read only when `sections` could not be
  std::vector<ModuleMeansFailure> failures;  // each means that failed, in the order tried
  // Why the name or the sections could not be read: every means tried and why
  // it failed. Set only when `sections` is empty.
  std::optional<std::string> error;

  std::optional<uint64_t> SectionAddress(std::string_view section) const;

  // Where `symbol` (from this module's debug file: an offset into
  // symbol.section) is at run time: through `sections`, else through the
  // module's kallsyms. Otherwise an error naming every means tried: kCorrupt
  // when one failed because the dump's data is damaged or unreadable,
  // kUnsupported when this kernel keeps nothing that places the symbol (the
  // vmlinux has no layout csdump reads, mod->sect_attrs is NULL, kallsyms
  // lacks the symbol), so that callers can tell a bad dump from a kernel
  // csdump cannot read modules of.
  Expected<PlacedSymbol> Place(const SymbolInfo& symbol) const;
};

struct ModuleList {
  std::vector<LoadedModule> modules;
  std::optional<std::string> walk_error;  // the walk stopped early
};

// kLookup when the vmlinux has no `modules` list or no `struct module`
// (a kernel without module support); kUnsupported when struct module lacks
// the members needed. A bad entry is reported in its LoadedModule.
Expected<ModuleList> ReadModuleList(const KernelTarget& target, const ModuleListLimits& limits);

// The same over any kernel memory, with the runtime address of `modules`.
Expected<ModuleList> ReadModuleList(const KernelMemory& memory, const DebugInfo& vmlinux,
                                    uint64_t modules_head, const ModuleListLimits& limits,
                                    uint64_t max_object_size);

}  // namespace csd
