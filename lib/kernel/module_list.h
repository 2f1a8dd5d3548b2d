// SPDX-License-Identifier: MIT
// The crashed kernel's loaded modules, read from its `modules` list: each
// module's name, where the kernel placed each of its sections (from the
// sysfs section attributes, mod->sect_attrs, as /sys/module/*/sections shows
// them) and the build-id in its loaded .note.gnu.build-id section. Those
// relocate a module's debug info to the running kernel. Layouts come from the
// vmlinux DWARF; one unreadable module never hides the others.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "kernel/kernel_target.h"

namespace csd {

struct ModuleListLimits {
  size_t max_modules = 8192;      // real systems load a few hundred
  size_t max_sections = 65536;    // per module
  size_t max_section_name = 256;  // ".text.unlikely" and the like
};

struct LoadedModule {
  size_t index = 0;      // position in the list
  uint64_t address = 0;  // struct module
  std::string name;      // as the kernel spells it ("coresight_etm4x")
  int64_t state = 0;     // MODULE_STATE_LIVE 0, COMING 1, GOING 2, UNFORMED 3
  std::vector<std::pair<std::string, uint64_t>> sections;  // name -> runtime address
  std::optional<std::string> build_id;                     // lowercase hex, from the loaded note
  std::optional<std::string> error;                        // why sections or name could not be read

  std::optional<uint64_t> SectionAddress(std::string_view section) const;
};

struct ModuleList {
  std::vector<LoadedModule> modules;
  std::optional<std::string> walk_error;  // the walk stopped early
};

// kLookup when the vmlinux has no `modules` list or no `struct module`
// (a kernel without module support); kUnsupported when struct module lacks
// the members needed. A bad entry is reported in its LoadedModule.
Expected<ModuleList> ReadModuleList(const KernelTarget& target, const ModuleListLimits& limits);

}  // namespace csd
