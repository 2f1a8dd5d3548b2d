// SPDX-License-Identifier: MIT
// A loaded module's own symbol table, as the kernel keeps it for kallsyms
// (kernel/module/kallsyms.c, CONFIG_KALLSYMS): mod->kallsyms points to a
// struct mod_kallsyms { Elf_Sym *symtab; unsigned num_symtab; char *strtab; }
// (the module's whole table while its init runs, then mod->core_kallsyms).
// simplify_symbols() has already added each section's load address to
// st_value, so a symbol's st_value is its runtime address, and st_shndx is
// still the section index of the module's object file.
//
// Without CONFIG_KALLSYMS_ALL the core table keeps only symbols of executable
// sections; with it (Debian, Fedora), data symbols too. Layouts (struct
// module, struct mod_kallsyms, Elf64_Sym or Elf32_Sym) come from the vmlinux
// DWARF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "kernel/object_view.h"
#include "memory/kernel_memory.h"

namespace csd {

struct ModuleSymbol {
  std::string name;
  uint64_t value = 0;  // runtime address
  uint64_t size = 0;
  uint16_t shndx = 0;  // section index in the module's object file
  uint8_t info = 0;    // st_info: binding << 4 | type
};

struct KallsymsLayout {
  std::optional<MemberLayout> kallsyms;       // struct module.kallsyms (a pointer)
  std::optional<MemberLayout> core_kallsyms;  // struct module.core_kallsyms (embedded)
  StructLayout table;                         // struct mod_kallsyms
  MemberLayout symtab, num_symtab, strtab;    // in struct mod_kallsyms
  uint64_t sym_size = 0;                      // sizeof(Elf_Sym)
  MemberLayout st_name, st_info, st_shndx, st_value, st_size;
};

// kLookup when struct module has neither kallsyms member (CONFIG_KALLSYMS
// off); kUnsupported naming what does not fit.
Expected<KallsymsLayout> ResolveKallsymsLayout(const DebugInfo& vmlinux);

struct KallsymsLimits {
  size_t max_symbols = 1 << 17;  // the largest modules (GPU drivers) have ~20k
  size_t max_name = 512;         // KSYM_NAME_LEN
};

// The symbols of the module whose struct module is `module`: through
// mod->kallsyms, or mod->core_kallsyms when that pointer is NULL or
// unreadable. Symbols without a name or section (the null symbol, SHN_UNDEF,
// SHN_ABS and the like) are left out, as is one whose name cannot be read.
// kCorrupt (or the read's code) when the table cannot be read or is over the
// cap; kLookup when the module keeps no symbols.
Expected<std::vector<ModuleSymbol>> ReadModuleKallsyms(const KernelMemory& memory,
                                                       const ObjectView& module,
                                                       const KallsymsLayout& layout,
                                                       const KallsymsLimits& limits);

}  // namespace csd
