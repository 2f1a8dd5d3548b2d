// SPDX-License-Identifier: MIT
// A kernel module object (a relocatable .ko, ET_REL) as csdump-mkcore loads
// it into the synthetic machine's module space: its allocated sections with
// their bytes, sizes and alignments (from the section headers, which
// csd::DebugInfo does not expose), the data relocations that point into its
// own sections, its build-id, and, when it defines coresight_dump_list, the
// list head's section offset and the list's types from its DWARF.
#pragma once

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/kernel_model.h"
#include "debuginfo/debug_info.h"

namespace csd::mkcore {

// The section types and flags the module writer and its tests look at.
namespace elf {
inline constexpr uint32_t kShtNote = SHT_NOTE;
inline constexpr uint32_t kShtNobits = SHT_NOBITS;
inline constexpr uint64_t kShfWrite = SHF_WRITE;
inline constexpr uint64_t kShfAlloc = SHF_ALLOC;
inline constexpr uint64_t kShfExecinstr = SHF_EXECINSTR;
}  // namespace elf

struct ModuleObjectSection {
  size_t elf_index = 0;  // section header index (the order mod->sect_attrs lists them in)
  std::string name;
  uint32_t type = 0;
  uint64_t flags = 0;
  uint64_t align = 1;
  uint64_t size = 0;
  std::vector<std::byte> bytes;  // `size` bytes; zeros for SHT_NOBITS
};

// An R_AARCH64_ABS64 relocation into an allocated section against a symbol
// defined in one: *(u64 *)(section + offset) = symbol section + value + addend
// once both are placed. Instruction relocations and references to kernel
// symbols are not kept: nothing csdump reads depends on them.
struct ModuleAbs64Reloc {
  size_t section = 0;         // index into ModuleObject::sections (the target)
  uint64_t offset = 0;        // in that section
  size_t symbol_section = 0;  // index into ModuleObject::sections
  uint64_t symbol_value = 0;  // offset of the symbol in its section
  int64_t addend = 0;
};

struct ModuleObject {
  std::filesystem::path path;
  std::vector<ModuleObjectSection> sections;  // SHF_ALLOC and non-empty, in header order
  std::vector<ModuleAbs64Reloc> relocs;
  std::optional<std::string> build_id;  // NT_GNU_BUILD_ID, lowercase hex
  // coresight_dump_list when the module defines it (SymbolInfo::section names
  // the section, `address` is the offset into it) and the list's types.
  std::optional<SymbolInfo> dump_list;
  std::optional<DumpListTypes> list_types;
  std::optional<Error> dump_list_error;  // why dump_list or list_types is missing

  const ModuleObjectSection* FindSection(std::string_view name) const;
};

// The section headers, allocated sections and ABS64 relocations of an ELF64
// little-endian AArch64 relocatable object, read with libelf; kCorrupt
// naming what does not fit, kUnsupported for any other kind of ELF.
Expected<ModuleObject> ParseModuleElf(std::span<const std::byte> bytes);

// ParseModuleElf plus the build-id, symbol and types through csd::DebugInfo.
Expected<ModuleObject> LoadModuleObject(const std::filesystem::path& path);

}  // namespace csd::mkcore
