// SPDX-License-Identifier: MIT
// Finds a kernel symbol wherever the crashed kernel had it: in vmlinux, or in
// a loaded module (distribution kernels build CoreSight as modules). For a
// module it finds the module's debug file (DebuginfoSearch), checks it is the
// one that was loaded (build-id), and relocates the symbol to where the kernel
// placed its section. The DebugInfo that describes the symbol's types comes
// with the answer.
#pragma once

#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "kernel/kernel_target.h"
#include "kernel/module_list.h"

namespace csd {

struct SymbolModule {
  std::string name;
  uint64_t struct_address = 0;  // its struct module
  std::filesystem::path debuginfo_path;
  std::optional<std::string> build_id;  // the loaded module's
  std::string matched_by;               // "build-id" or "name"
  std::string section;                  // the symbol's section
  uint64_t section_address = 0;         // where the kernel placed it
};

struct LocatedSymbol {
  SymbolInfo symbol;                   // address: runtime
  const DebugInfo* types = nullptr;    // the DWARF to read its types from
  std::optional<SymbolModule> module;  // empty: vmlinux
};

class KernelSymbols {
 public:
  KernelSymbols(const KernelTarget& target, const DebuginfoSearch& search,
                ModuleListLimits limits = {});

  // vmlinux first; then the loaded modules, those whose name says CoreSight
  // first. kLookup when no module with debuginfo has it; the message names
  // every loaded module without debuginfo, where it was looked for, and the
  // build-id that was expected.
  Expected<LocatedSymbol> Locate(std::string_view name);

  // The loaded modules (read on first use); kLookup/kUnsupported as ReadModuleList.
  Expected<const ModuleList*> Modules();

 private:
  const KernelTarget& target_;
  const DebuginfoSearch& search_;
  ModuleListLimits limits_;
  std::optional<Expected<ModuleList>> modules_;
  std::deque<DebugInfo> opened_;  // stable addresses for LocatedSymbol::types
};

}  // namespace csd
