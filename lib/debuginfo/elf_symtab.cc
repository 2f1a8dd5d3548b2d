// SPDX-License-Identifier: MIT
#include "debuginfo/elf_symtab.h"

#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>
#include <bitset>
#include <climits>
#include <cstring>
#include <set>
#include <utility>

namespace csd::debuginfo_detail {

Status ElfSymbolTable::Load() const {
  if (loaded_) {
    if (error_) return *error_;
    return OkStatus();
  }
  loaded_ = true;
  Elf* e = image_.elf();
  for (size_t i = 0; i < image_.sections().size(); ++i) {
    Elf_Scn* scn = image_.Section(i);
    GElf_Shdr shdr;
    if (scn == nullptr || gelf_getshdr(scn, &shdr) == nullptr || shdr.sh_type != SHT_SYMTAB) {
      continue;
    }
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr) {
      error_ = Error(ErrorCode::kCorrupt,
                     fmt::format("{}: unreadable .symtab: {}", image_.File(), elf_errmsg(-1)));
      return *error_;
    }
    Elf_Scn* strtab = elf_getscn(e, shdr.sh_link);
    Elf_Data* names = strtab ? elf_getdata(strtab, nullptr) : nullptr;
    if (names == nullptr || names->d_buf == nullptr) {
      error_ = Error(ErrorCode::kCorrupt, fmt::format("{}: unreadable symbol string table: {}",
                                                      image_.File(), elf_errmsg(-1)));
      return *error_;
    }
    const size_t entry_size = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
    data_ = data;
    count_ = entry_size ? data->d_size / entry_size : 0;
    first_global_ = std::min<size_t>(shdr.sh_info, count_);
    // elf_getdata translated the table to this host's layout (copying it if
    // the file's bytes were misaligned or of the other byte order).
    const auto address = reinterpret_cast<uintptr_t>(data->d_buf);
    if (data->d_type == ELF_T_SYM && data->d_buf != nullptr) {
      const unsigned pointer_size = image_.pointer_size();
      if (pointer_size == 8 && entry_size == sizeof(Elf64_Sym) &&
          address % alignof(Elf64_Sym) == 0) {
        table64_ = static_cast<const Elf64_Sym*>(data->d_buf);
      } else if (pointer_size == 4 && entry_size == sizeof(Elf32_Sym) &&
                 address % alignof(Elf32_Sym) == 0) {
        table32_ = static_cast<const Elf32_Sym*>(data->d_buf);
      }
    }
    names_ = std::string_view(static_cast<const char*>(names->d_buf), names->d_size);
    return OkStatus();
  }
  error_ = Error(ErrorCode::kLookup,
                 fmt::format("{} has no .symtab (stripped of symbols?)", image_.File()));
  return *error_;
}

// Calls visit(index, sym) for the symbols [begin, end) in order while it
// returns true; `sym` is an Elf64_Sym, Elf32_Sym or GElf_Sym (same field names).
template <typename Visit>
void ElfSymbolTable::ForEach(size_t begin, size_t end, Visit visit) const {
  end = std::min(end, count_);
  // The table pointer in a local: a visitor that stores through a reference
  // (a result vector) could alias this object's members as far as the
  // compiler knows, and a loop over the member would reload it for every
  // entry, a cost the pass over a large table notices.
  if (const Elf64_Sym* table = table64_; table != nullptr) {
    for (size_t n = begin; n < end; ++n) {
      if (!visit(n, table[n])) return;
    }
  } else if (const Elf32_Sym* table32 = table32_; table32 != nullptr) {
    for (size_t n = begin; n < end; ++n) {
      if (!visit(n, table32[n])) return;
    }
  } else {
    for (size_t n = begin; n < end && n <= size_t{INT_MAX}; ++n) {
      GElf_Sym sym;
      if (gelf_getsym(data_, static_cast<int>(n), &sym) == nullptr) return;
      if (!visit(n, sym)) return;
    }
  }
}

std::optional<GElf_Sym> ElfSymbolTable::At(size_t index) const {
  std::optional<GElf_Sym> out;
  ForEach(index, index + 1, [&](size_t, const auto& sym) {
    out = GElf_Sym{sym.st_name, sym.st_info, sym.st_other, sym.st_shndx, sym.st_value, sym.st_size};
    return false;
  });
  return out;
}

void ElfSymbolTable::Scan(std::span<const std::string_view> wanted) const {
  // One pass over the table for every name asked. A name's first two bytes,
  // read as one 16-bit word, rule out almost every symbol before any
  // comparison: the first byte alone lets a large share of a distro
  // vmlinux's symbols through ('_', 's', 'c', ...), each then measured and
  // compared, which made the pass several times slower there than on a
  // kernel of the same size with other names.
  auto prefix = [](const char* name) {
    uint16_t word;
    std::memcpy(&word, name, sizeof word);
    return word;
  };
  std::bitset<65536> prefixes;
  for (std::string_view name : wanted) {
    if (name.empty()) continue;
    const char two[2] = {name[0], name.size() > 1 ? name[1] : '\0'};  // "x" is 'x', NUL
    prefixes.set(prefix(two));
  }
  std::vector<std::vector<ElfSymbol>> found(wanted.size());
  const char* names = names_.data();
  const size_t names_size = names_.size();
  if (names_size >= 2) {                 // else no name of at least one byte and its NUL fits
    const size_t last = names_size - 2;  // where such a name starts at the latest
    // The few names that pass the prefix test are compared in full, out of
    // line; the test itself captures what it reads by value, so the loop
    // keeps it in registers and loads only st_name and two bytes of a name.
    auto candidate = [&](size_t n, const auto& sym) {
      const size_t at = sym.st_name;
      for (size_t i = 0; i < wanted.size(); ++i) {
        const std::string_view name = wanted[i];
        if (name.empty() || name.size() >= names_size - at || names[at + name.size()] != '\0' ||
            std::memcmp(names + at, name.data(), name.size()) != 0) {
          continue;
        }
        const unsigned type = GELF_ST_TYPE(sym.st_info);
        if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF) return;
        found[i].push_back({sym.st_value, sym.st_size,
                            static_cast<unsigned char>(GELF_ST_BIND(sym.st_info)),
                            static_cast<unsigned char>(type), sym.st_shndx, n});
        return;
      }
    };
    // From 1: entry 0 is the reserved null symbol.
    ForEach(1, count_, [names, last, &prefixes, &prefix, &candidate](size_t n, const auto& sym) {
      const size_t at = sym.st_name;
      if (at <= last && prefixes[prefix(names + at)]) [[unlikely]] {
        candidate(n, sym);
      }
      return true;
    });
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    by_name_.try_emplace(std::string(wanted[i]), std::move(found[i]));
  }
}

void ElfSymbolTable::Prefetch(std::span<const std::string_view> names) const {
  if (!Load().ok()) return;  // Symbol() reports it
  std::vector<std::string_view> missing;
  for (std::string_view name : names) {
    if (!name.empty() && !by_name_.contains(std::string(name))) missing.push_back(name);
  }
  if (!missing.empty()) Scan(missing);
}

Expected<ElfSymbol> ElfSymbolTable::Pick(std::string_view name) const {
  CSD_RETURN_IF_ERROR(Load());
  if (name.empty()) return Error(ErrorCode::kInvalidArgument, "empty symbol name");
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) {
    Scan(std::span(&name, 1));
    it = by_name_.find(std::string(name));
  }
  if (it->second.empty()) {
    return Error(ErrorCode::kLookup,
                 fmt::format("symbol '{}' not found in .symtab of {}", name, image_.File()));
  }
  const std::vector<ElfSymbol>& candidates = it->second;
  // A global beats any number of same-named statics; STB_GLOBAL beats STB_WEAK.
  const ElfSymbol* best_global = nullptr;
  for (const ElfSymbol& sym : candidates) {
    if (sym.binding == STB_GLOBAL) {
      best_global = &sym;
      break;
    }
    if (sym.binding == STB_WEAK && best_global == nullptr) best_global = &sym;
  }
  if (best_global != nullptr) return *best_global;
  std::set<std::pair<size_t, uint64_t>> addresses;
  for (const ElfSymbol& sym : candidates) {
    addresses.insert({image_.relocatable() ? sym.section_index : 0, sym.address});
  }
  if (addresses.size() > 1) {
    std::string list;
    for (const auto& entry : addresses)
      list += fmt::format("{}{:#x}", list.empty() ? "" : ", ", entry.second);
    return Error(ErrorCode::kLookup,
                 fmt::format("symbol '{}' is ambiguous in {}: {} local (static) definitions at "
                             "{} and no global one",
                             name, image_.File(), candidates.size(), list));
  }
  return candidates.front();
}

Expected<SymbolInfo> ElfSymbolTable::Symbol(std::string_view name) const {
  CSD_ASSIGN_OR_RETURN(ElfSymbol picked, Pick(name));
  SymbolInfo info;
  info.name = std::string(name);
  info.address = picked.address;
  info.size = picked.size;
  info.global = picked.binding == STB_GLOBAL || picked.binding == STB_WEAK;
  // Only a relocatable object's addresses are section offsets.
  if (image_.relocatable()) info.section = image_.SectionNameAt(picked.section_index);
  return info;
}

bool ElfSymbolTable::InFileRun(const ElfSymbol& symbol) const {
  return symbol.binding == STB_LOCAL && symbol.index < first_global_;
}

std::vector<uint64_t> ElfSymbolTable::CodeNear(size_t index, size_t max_walk,
                                               size_t max_addresses) const {
  std::vector<uint64_t> code;
  bool down = true;
  bool up = true;
  auto visit = [&](size_t at, bool& open) {
    std::optional<GElf_Sym> sym = At(at);
    if (!sym || GELF_ST_TYPE(sym->st_info) == STT_FILE || GELF_ST_BIND(sym->st_info) != STB_LOCAL) {
      open = false;  // the file's run ends here
      return;
    }
    const unsigned type = GELF_ST_TYPE(sym->st_info);
    if ((type == STT_FUNC || type == STT_NOTYPE) && image_.IsCode(sym->st_shndx) &&
        std::find(code.begin(), code.end(), sym->st_value) == code.end()) {
      code.push_back(sym->st_value);
    }
  };
  for (size_t step = 1; step <= max_walk && (down || up); ++step) {
    if (down) {
      if (index <= step) {
        down = false;  // entry 0 is the null symbol
      } else {
        visit(index - step, down);
      }
    }
    if (code.size() >= max_addresses) break;
    if (up) {
      if (index + step >= first_global_) {
        up = false;  // globals follow every file's locals
      } else {
        visit(index + step, up);
      }
    }
    if (code.size() >= max_addresses) break;
  }
  return code;
}

}  // namespace csd::debuginfo_detail
