// SPDX-License-Identifier: MIT
// Symbols and type layouts from a vmlinux (or module) ELF with DWARF, through
// libelf/libdw. Never sees the dump. Lookups are targeted and cached: a struct
// is looked up by name when first asked for, not by indexing all of DWARF.
//
// Usage:
//   CSD_ASSIGN_OR_RETURN(DebugInfo info, DebugInfo::Open("vmlinux"));
//   CSD_ASSIGN_OR_RETURN(SymbolInfo head, info.Symbol("coresight_dump_list"));
//   CSD_ASSIGN_OR_RETURN(StructLayout node, info.Struct("coresight_dump_node"));
//   const MemberLayout* list = node.Find("list");        // offset, size, kind
//   CSD_ASSIGN_OR_RETURN(MemberLayout name, info.MemberPath("coresight_device", "dev.kobj.name"));
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/arch.h"
#include "base/byte_reader.h"
#include "base/error.h"

namespace csd {

struct SymbolInfo {
  std::string name;
  uint64_t address = 0;  // link-time address (add the KASLR offset for runtime)
  uint64_t size = 0;
  bool global = false;
  // Relocatable objects (kernel modules) only: the section `address` is an
  // offset into. Where the kernel placed that section gives the runtime address.
  std::string section;
};

struct MemberLayout {
  enum class Kind { kInteger, kPointer, kStruct, kUnion, kArray, kEnum, kOther };
  std::string name;
  uint64_t offset = 0;  // bytes from the start of the enclosing struct (summed along a path)
  uint64_t size = 0;    // bytes
  Kind kind = Kind::kOther;
  bool is_signed = false;     // integers and enums
  std::string type_name;      // "int", "char *", "struct list_head", "struct device *"
  std::string target_struct;  // for kStruct, kUnion, and pointers to them: the struct/union name
  uint32_t bit_size = 0;      // non-zero for bit-fields
  uint32_t bit_offset = 0;    // from the start of the storage unit at `offset`
};

struct StructLayout {
  std::string name;
  uint64_t size = 0;
  std::vector<MemberLayout> members;  // declaration order; anonymous members flattened
  const MemberLayout* Find(std::string_view member) const;
};

struct SectionInfo {
  std::string name;
  uint64_t address = 0;
  uint64_t size = 0;
  uint64_t file_offset = 0;
  bool has_bits = false;  // false for SHT_NOBITS (.bss)
};

class DebugInfo {
 public:
  // kIo when the file cannot be read; kCorrupt when it is not ELF; kLookup
  // when it has no DWARF (stripped vmlinux). A relocatable object (a kernel
  // module's .ko or .ko.debug) is accepted too: its DWARF is relocated by
  // libdwfl when a type is first asked for, so finding a symbol in many
  // modules costs one symbol table each.
  static Expected<DebugInfo> Open(const std::filesystem::path& path);

  DebugInfo(DebugInfo&&) noexcept;
  DebugInfo& operator=(DebugInfo&&) noexcept;
  ~DebugInfo();

  const std::filesystem::path& path() const;
  Arch arch() const;
  Endian endian() const;
  unsigned pointer_size() const;
  // ET_REL: symbol addresses are section offsets (see SymbolInfo::section).
  bool relocatable() const;
  // NT_GNU_BUILD_ID as lowercase hex, if present.
  std::optional<std::string> BuildId() const;

  // A data or function symbol by exact name, from .symtab (local symbols
  // included, since a `static LIST_HEAD` is local). When several local symbols
  // share the name, a global one wins; otherwise kLookup says it is ambiguous.
  Expected<SymbolInfo> Symbol(std::string_view name) const;
  // Looks up all of `names` in one pass over the symbol table, so the
  // Symbol() calls that follow are answered from the cache. Each lookup is
  // otherwise a pass of its own, over hundreds of thousands of symbols in a
  // distro vmlinux (elf_symtab.h says why the table is not indexed).
  void PrefetchSymbols(std::initializer_list<std::string_view> names) const;
  // The complete definition of `struct name` (declarations are skipped).
  Expected<StructLayout> Struct(std::string_view name) const;
  // The same, looking first in the compile unit that defines the first of
  // `anchors` whose unit can be told (see UnitOf), then everywhere. Without
  // .debug_names (gcc emits none) a struct is otherwise found by walking the
  // top-level DIEs of every unit linked before the first that defines it: a
  // struct private to one .c file, or defined only by code linked late (the
  // CoreSight drivers), costs a scan of thousands of units, where this reads
  // one (unit_locator.h says how). Anchored, the definition the anchor's own
  // unit sees wins over an earlier one of the same name, unless a lookup had
  // already found that one.
  Expected<StructLayout> Struct(std::string_view name,
                                std::initializer_list<std::string_view> anchors) const;
  // A dotted member path inside a struct ("dev.kobj.name"), offsets summed.
  Expected<MemberLayout> MemberPath(std::string_view struct_name, std::string_view path) const;
  // The same, with the struct looked up as Struct(struct_name, anchors).
  Expected<MemberLayout> MemberPath(std::string_view struct_name, std::string_view path,
                                    std::initializer_list<std::string_view> anchors) const;
  // The compile unit that defines `symbol` (a vmlinux, not a relocatable
  // object): a function's through .debug_aranges; a static variable's through
  // the code symbols next to it in its source file's run of local symbols
  // (after its STT_FILE entry in .symtab) and .debug_aranges, if that unit's
  // DWARF defines a variable of that name. Bounded however the tables look:
  // the walk stops at the neighbouring STT_FILE entries, the first global and
  // a few thousand entries each way, and a few candidate units. kLookup when it
  // cannot be told, as for a global variable (globals are not grouped by file):
  // anchored lookups then scan as usual. Asked once per symbol.
  struct CompileUnit {
    uint64_t offset = 0;  // of the unit header in .debug_info
    std::string name;     // its DW_AT_name, the source file
  };
  Expected<CompileUnit> UnitOf(std::string_view symbol) const;
  // The type of a global or static variable, as MemberLayout (name = variable).
  Expected<MemberLayout> VariableType(std::string_view name) const;
  const std::vector<SectionInfo>& sections() const;
  // Bytes of an allocated section range at link-time address [address, address+size).
  Expected<std::vector<std::byte>> ReadLinkTime(uint64_t address, uint64_t size) const;

 private:
  struct Impl;
  explicit DebugInfo(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace csd
