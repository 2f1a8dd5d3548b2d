// SPDX-License-Identifier: MIT
#include "kernel/module_kallsyms.h"

#include <fmt/format.h>

#include "base/byte_reader.h"

namespace csd {

namespace {

constexpr uint16_t kShnUndef = 0;
constexpr uint16_t kShnLoreserve = 0xff00;  // SHN_ABS, SHN_COMMON and the like
constexpr uint64_t kMaxSymSize = 64;        // Elf64_Sym is 24 bytes, Elf32_Sym 16

Error Unsupported(std::string message) {
  return Error(ErrorCode::kUnsupported, std::move(message));
}

Expected<MemberLayout> Word(const StructLayout& layout, std::string_view name) {
  const MemberLayout* m = layout.Find(name);
  if (m == nullptr || m->size == 0 || m->size > 8 || m->bit_size != 0 ||
      m->offset + m->size > layout.size) {
    return Unsupported(
        fmt::format("struct {} in this vmlinux has no word member '{}'", layout.name, name));
  }
  return *m;
}

}  // namespace

Expected<KallsymsLayout> ResolveKallsymsLayout(const DebugInfo& vmlinux) {
  KallsymsLayout layout;
  CSD_ASSIGN_OR_RETURN(StructLayout module, vmlinux.Struct("module"));
  if (const MemberLayout* m = module.Find("kallsyms"); m && m->kind == MemberLayout::Kind::kPointer)
    layout.kallsyms = *m;
  if (const MemberLayout* m = module.Find("core_kallsyms");
      m && m->kind == MemberLayout::Kind::kStruct)
    layout.core_kallsyms = *m;
  if (!layout.kallsyms && !layout.core_kallsyms) {
    return Error(ErrorCode::kLookup,
                 "struct module has no kallsyms or core_kallsyms member (CONFIG_KALLSYMS off)");
  }
  CSD_ASSIGN_OR_RETURN(layout.table, vmlinux.Struct("mod_kallsyms"));
  CSD_ASSIGN_OR_RETURN(layout.symtab, Word(layout.table, "symtab"));
  CSD_ASSIGN_OR_RETURN(layout.num_symtab, Word(layout.table, "num_symtab"));
  CSD_ASSIGN_OR_RETURN(layout.strtab, Word(layout.table, "strtab"));
  // Elf_Sym is Elf64_Sym or Elf32_Sym after the kernel's word size: the type
  // symtab points to says which.
  std::string sym_struct = layout.symtab.target_struct;
  if (sym_struct.empty()) sym_struct = layout.symtab.size == 4 ? "elf32_sym" : "elf64_sym";
  CSD_ASSIGN_OR_RETURN(StructLayout sym, vmlinux.Struct(sym_struct));
  if (sym.size == 0 || sym.size > kMaxSymSize) {
    return Unsupported(fmt::format("struct {} has DWARF size {}", sym.name, sym.size));
  }
  layout.sym_size = sym.size;
  CSD_ASSIGN_OR_RETURN(layout.st_name, Word(sym, "st_name"));
  CSD_ASSIGN_OR_RETURN(layout.st_info, Word(sym, "st_info"));
  CSD_ASSIGN_OR_RETURN(layout.st_shndx, Word(sym, "st_shndx"));
  CSD_ASSIGN_OR_RETURN(layout.st_value, Word(sym, "st_value"));
  CSD_ASSIGN_OR_RETURN(layout.st_size, Word(sym, "st_size"));
  return layout;
}

namespace {

struct Table {
  uint64_t symtab = 0, num_symtab = 0, strtab = 0;
  std::string where;
};

Expected<Table> TableAt(const KernelMemory& memory, uint64_t address, const KallsymsLayout& layout,
                        std::string where) {
  std::vector<std::byte> bytes(layout.table.size);
  if (auto status = memory.Read(address, bytes); !status.ok()) {
    return std::move(status).error().AddContext(fmt::format("reading {} at {:#x}", where, address));
  }
  const Endian e = memory.endian();
  auto word = [&](const MemberLayout& m) {
    return LoadUnsigned(std::span<const std::byte>(bytes).subspan(m.offset, m.size), e);
  };
  return Table{word(layout.symtab), word(layout.num_symtab), word(layout.strtab), std::move(where)};
}

Expected<std::vector<ModuleSymbol>> ReadTable(const KernelMemory& memory, const Table& table,
                                              const KallsymsLayout& layout,
                                              const KallsymsLimits& limits) {
  if (table.symtab == 0 || table.num_symtab == 0) {
    return Error(ErrorCode::kLookup, fmt::format("{} holds no symbols", table.where));
  }
  if (table.num_symtab > limits.max_symbols) {
    return Error(ErrorCode::kCorrupt, fmt::format("{} claims {} symbols (cap {})", table.where,
                                                  table.num_symtab, limits.max_symbols));
  }
  std::vector<std::byte> syms(table.num_symtab * layout.sym_size);
  if (auto status = memory.Read(table.symtab, syms); !status.ok()) {
    return std::move(status).error().AddContext(fmt::format(
        "reading the {} symbols of {} at {:#x}", table.num_symtab, table.where, table.symtab));
  }
  const Endian e = memory.endian();
  std::vector<ModuleSymbol> symbols;
  for (uint64_t i = 0; i < table.num_symtab; ++i) {
    const auto sym = std::span<const std::byte>(syms).subspan(i * layout.sym_size, layout.sym_size);
    auto word = [&](const MemberLayout& m) {
      return LoadUnsigned(sym.subspan(m.offset, m.size), e);
    };
    ModuleSymbol s;
    s.shndx = static_cast<uint16_t>(word(layout.st_shndx));
    const uint64_t name = word(layout.st_name);
    if (name == 0 || s.shndx == kShnUndef || s.shndx >= kShnLoreserve) continue;
    auto text = memory.ReadCString(table.strtab + name, limits.max_name);
    if (!text.ok() || text->empty()) continue;
    s.name = std::move(*text);
    s.value = word(layout.st_value);
    s.size = word(layout.st_size);
    s.info = static_cast<uint8_t>(word(layout.st_info));
    symbols.push_back(std::move(s));
  }
  return symbols;
}

}  // namespace

Expected<std::vector<ModuleSymbol>> ReadModuleKallsyms(const KernelMemory& memory,
                                                       const ObjectView& module,
                                                       const KallsymsLayout& layout,
                                                       const KallsymsLimits& limits) {
  std::optional<Error> first;  // why mod->kallsyms could not be used
  if (layout.kallsyms) {
    auto pointer = module.Unsigned(*layout.kallsyms);
    if (!pointer.ok()) {
      first = std::move(pointer).error();
    } else if (*pointer == 0) {
      first = Error(ErrorCode::kLookup, "mod->kallsyms is NULL");
    } else {
      auto table = TableAt(memory, *pointer, layout, "mod->kallsyms");
      if (table.ok()) return ReadTable(memory, *table, layout, limits);
      first = std::move(table).error();
    }
  }
  if (!layout.core_kallsyms) {
    return first.value_or(Error(ErrorCode::kLookup, "struct module keeps no kallsyms table"));
  }
  auto table = TableAt(memory, module.address() + layout.core_kallsyms->offset, layout,
                       "mod->core_kallsyms");
  auto symbols = table.ok() ? ReadTable(memory, *table, layout, limits)
                            : Expected<std::vector<ModuleSymbol>>(std::move(table).error());
  if (symbols.ok() || !first) return symbols;
  // Report the worse of the two: a damaged table over an empty one.
  const ErrorCode code =
      first->code() == ErrorCode::kLookup ? symbols.error().code() : first->code();
  return Error(code, fmt::format("{}; {}", first->Describe(), symbols.error().Describe()));
}

}  // namespace csd
