// SPDX-License-Identifier: MIT
// What DebugInfo's symbol lookups go through: the symbols of one kernel image
// (a vmlinux or a module) by name. The ELF symbol table (elf_symtab.h) is one;
// another (kallsyms read from the dump) can answer in its place without
// anything above DebugInfo telling the difference.
#pragma once

#include <span>
#include <string_view>

#include "base/error.h"
#include "debuginfo/debug_info.h"

namespace csd {

class SymbolTable {
 public:
  virtual ~SymbolTable() = default;

  // A data or function symbol by exact name, local symbols included (a
  // `static LIST_HEAD` is local). When several share the name a global one
  // wins; several locals at different places and no global are ambiguous.
  // kLookup when absent or ambiguous (the message says which), kInvalidArgument
  // for an empty name, and the table's own error when it cannot be read.
  virtual Expected<SymbolInfo> Symbol(std::string_view name) const = 0;
  // Looks up all of `names` together, so that the Symbol() calls that follow
  // are answered from a cache. Only a hint: a table indexed by name has
  // nothing to do, and errors are Symbol()'s to report.
  virtual void Prefetch(std::span<const std::string_view> names) const = 0;
};

}  // namespace csd
