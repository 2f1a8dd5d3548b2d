// SPDX-License-Identifier: MIT
// The ELF .symtab of one file as a SymbolTable, plus what the unit locator
// needs of it: a symbol's binding, type and table index, and the code
// symbols near a local one. Internal to the debuginfo module, and not
// synchronised (see elf_image.h).
//
// The table is scanned per name asked for, not indexed: a distro vmlinux has
// hundreds of thousands of symbols and a run asks for a handful, so hashing
// them all would cost more than every scan a run makes. Prefetch() answers
// many names in one pass.
#pragma once

#include <gelf.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "debuginfo/elf_image.h"
#include "debuginfo/symbol_table.h"

namespace csd::debuginfo_detail {

// One .symtab entry, as the lookups need it.
struct ElfSymbol {
  uint64_t address = 0;
  uint64_t size = 0;
  unsigned char binding = 0;  // STB_*
  unsigned char type = 0;     // STT_*
  size_t section_index = 0;   // ELF index; meaningful for relocatable objects
  size_t index = 0;           // in .symtab
};

class ElfSymbolTable final : public SymbolTable {
 public:
  // Reads `image`, which must outlive the table; nothing is read until the
  // first lookup.
  explicit ElfSymbolTable(const ElfImage& image) : image_(image) {}

  // kLookup when the file has no .symtab; kCorrupt when it or its string
  // table cannot be read. A relocatable object's addresses are offsets into
  // SymbolInfo::section.
  Expected<SymbolInfo> Symbol(std::string_view name) const override;
  void Prefetch(std::span<const std::string_view> names) const override;

  // The entry Symbol(name) answers with.
  Expected<ElfSymbol> Pick(std::string_view name) const;
  // Whether `symbol` (from Pick) is in its source file's run of local
  // symbols: the linker copies each object's local symbols after its STT_FILE
  // entry, and every global after all of them.
  bool InFileRun(const ElfSymbol& symbol) const;
  // The distinct code addresses (functions, and on arm and arm64 the $x/$d
  // mapping symbols, in code sections) of the file run that local symbol
  // `index` belongs to, nearest first. The walk stops at the run's STT_FILE
  // entries and the first global, after `max_walk` entries each way, or once
  // `max_addresses` are found.
  std::vector<uint64_t> CodeNear(size_t index, size_t max_walk, size_t max_addresses) const;

 private:
  Status Load() const;
  void Scan(std::span<const std::string_view> wanted) const;
  template <typename Visit>
  void ForEach(size_t begin, size_t end, Visit visit) const;
  std::optional<GElf_Sym> At(size_t index) const;

  const ElfImage& image_;

  // Filled by the first lookup.
  mutable bool loaded_ = false;
  mutable std::optional<Error> error_;
  mutable Elf_Data* data_ = nullptr;
  mutable size_t count_ = 0;
  // The table as an array of the file's class, when libelf's translated copy
  // is one (it always is for a well-formed file): a pass over the array costs
  // much less than gelf_getsym per entry does.
  mutable const Elf64_Sym* table64_ = nullptr;
  mutable const Elf32_Sym* table32_ = nullptr;
  mutable size_t first_global_ = 0;  // sh_info: every symbol before it is STB_LOCAL
  mutable std::string_view names_;   // the .strtab bytes
  // Every entry of each name asked for, absent names included.
  mutable std::unordered_map<std::string, std::vector<ElfSymbol>> by_name_;
};

}  // namespace csd::debuginfo_detail
