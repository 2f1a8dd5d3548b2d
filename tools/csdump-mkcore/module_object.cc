// SPDX-License-Identifier: MIT
#include "csdump-mkcore/module_object.h"

#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "base/mapped_file.h"

namespace csd::mkcore {
namespace {

constexpr size_t kMaxSections = 65536;
constexpr uint64_t kMaxSectionSize = uint64_t{64} << 20;

struct ElfEnd {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfEnd>;

Error Corrupt(std::string message) {
  return Error(ErrorCode::kCorrupt, std::move(message));
}

// kCorrupt with libelf's reason for the last failure.
Error LibelfError(std::string_view what) {
  return Corrupt(fmt::format("{}: {}", what, elf_errmsg(-1)));
}

bool LibelfReady() {
  static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
  return ready;
}

}  // namespace

const ModuleObjectSection* ModuleObject::FindSection(std::string_view name) const {
  for (const ModuleObjectSection& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Expected<ModuleObject> ParseModuleElf(std::span<const std::byte> bytes) {
  if (!LibelfReady()) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("libelf refused EV_CURRENT: {}", elf_errmsg(-1)));
  }
  if (bytes.size() < EI_NIDENT || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
    return Corrupt("not an ELF file");
  }
  const auto ident = [&](size_t i) { return std::to_integer<unsigned>(bytes[i]); };
  if (ident(EI_CLASS) != ELFCLASS64 || ident(EI_DATA) != ELFDATA2LSB) {
    return Error(ErrorCode::kUnsupported, "not an ELF64 little-endian object");
  }
  // elf_memory takes a writable image (libelf may convert it in place).
  std::vector<char> image(bytes.size());
  std::memcpy(image.data(), bytes.data(), bytes.size());
  ElfPtr elf(elf_memory(image.data(), image.size()));
  if (!elf) return LibelfError("not a readable ELF object");
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf.get(), &ehdr) == nullptr) return LibelfError("ELF header");
  if (ehdr.e_type != ET_REL || ehdr.e_machine != EM_AARCH64) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("e_type {} e_machine {}: not an AArch64 relocatable object (a .ko)",
                             ehdr.e_type, ehdr.e_machine));
  }
  size_t shnum = 0;
  size_t shstrndx = 0;
  if (elf_getshdrnum(elf.get(), &shnum) != 0 || elf_getshdrstrndx(elf.get(), &shstrndx) != 0) {
    return LibelfError("section headers");
  }
  if (shnum == 0 || shnum > kMaxSections || shstrndx >= shnum) {
    return Corrupt(
        fmt::format("section headers: {} sections, names in section {}", shnum, shstrndx));
  }
  auto header = [&](size_t index) -> Expected<std::pair<Elf_Scn*, GElf_Shdr>> {
    Elf_Scn* scn = elf_getscn(elf.get(), index);
    GElf_Shdr shdr;
    if (scn == nullptr || gelf_getshdr(scn, &shdr) == nullptr) {
      return LibelfError(fmt::format("section header {}", index));
    }
    return std::pair{scn, shdr};
  };

  ModuleObject object;
  std::map<size_t, size_t> placed;  // ELF index -> index into object.sections
  for (size_t i = 1; i < shnum; ++i) {
    CSD_ASSIGN_OR_RETURN(auto entry, header(i));
    const auto& [scn, h] = entry;
    // kernel/module/sysfs.c lists (and layout_sections() places) exactly these.
    if (!(h.sh_flags & SHF_ALLOC) || h.sh_size == 0) continue;
    const char* name = elf_strptr(elf.get(), shstrndx, h.sh_name);
    if (name == nullptr) return LibelfError(fmt::format("name of section {}", i));
    ModuleObjectSection s;
    s.elf_index = i;
    s.name = name;
    s.type = h.sh_type;
    s.flags = h.sh_flags;
    s.align = h.sh_addralign == 0 ? 1 : h.sh_addralign;
    if (s.align & (s.align - 1)) {
      return Corrupt(fmt::format("section {} alignment {} is not a power of two", s.name, s.align));
    }
    s.size = h.sh_size;
    if (h.sh_size > kMaxSectionSize) {
      return Corrupt(fmt::format("section {} is {:#x} bytes", s.name, h.sh_size));
    }
    if (h.sh_type == SHT_NOBITS) {
      s.bytes.assign(h.sh_size, std::byte{0});
    } else {
      const Elf_Data* data = elf_rawdata(scn, nullptr);
      if (data == nullptr || data->d_size != h.sh_size || data->d_buf == nullptr) {
        return LibelfError(fmt::format("contents of section {}", s.name));
      }
      const auto* from = static_cast<const std::byte*>(data->d_buf);
      s.bytes.assign(from, from + data->d_size);
    }
    placed[i] = object.sections.size();
    object.sections.push_back(std::move(s));
  }

  for (size_t i = 1; i < shnum; ++i) {
    CSD_ASSIGN_OR_RETURN(auto entry, header(i));
    const auto& [scn, rela] = entry;
    if (rela.sh_type != SHT_RELA) continue;
    auto target = placed.find(rela.sh_info);
    if (target == placed.end()) continue;  // relocates debug info, not loaded memory
    if (rela.sh_link >= shnum || rela.sh_entsize != sizeof(Elf64_Rela)) {
      return Corrupt(fmt::format("relocation section with sh_link {} and sh_entsize {}",
                                 rela.sh_link, rela.sh_entsize));
    }
    Elf_Data* entries = elf_getdata(scn, nullptr);
    CSD_ASSIGN_OR_RETURN(auto symtab, header(rela.sh_link));
    Elf_Data* symbols = elf_getdata(symtab.first, nullptr);
    if (entries == nullptr || symbols == nullptr) {
      return LibelfError(fmt::format("relocations in section {}", i));
    }
    for (size_t r = 0; r < rela.sh_size / sizeof(Elf64_Rela); ++r) {
      GElf_Rela reloc;
      if (gelf_getrela(entries, static_cast<int>(r), &reloc) == nullptr) {
        return LibelfError(fmt::format("relocation {} in section {}", r, i));
      }
      if (GELF_R_TYPE(reloc.r_info) != R_AARCH64_ABS64) continue;
      GElf_Sym sym;
      if (gelf_getsym(symbols, static_cast<int>(GELF_R_SYM(reloc.r_info)), &sym) == nullptr) {
        return LibelfError(fmt::format("symbol {} of relocation {} in section {}",
                                       GELF_R_SYM(reloc.r_info), r, i));
      }
      if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE) continue;  // a kernel symbol
      auto symbol_section = placed.find(sym.st_shndx);
      if (symbol_section == placed.end()) continue;
      const ModuleObjectSection& t = object.sections[target->second];
      if (reloc.r_offset > t.size || t.size - reloc.r_offset < 8) {
        return Corrupt(
            fmt::format("relocation at {:#x} lies outside section {}", reloc.r_offset, t.name));
      }
      object.relocs.push_back({target->second, reloc.r_offset, symbol_section->second, sym.st_value,
                               static_cast<int64_t>(reloc.r_addend)});
    }
  }
  return object;
}

Expected<ModuleObject> LoadModuleObject(const std::filesystem::path& path) {
  auto file = MappedFile::Open(path);
  if (!file.ok()) return std::move(file).error();
  auto object = ParseModuleElf(file->bytes());
  if (!object.ok()) return std::move(object).error().AddContext(path.string());
  object->path = path;

  auto info = DebugInfo::Open(path);
  if (!info.ok()) return std::move(info).error().AddContext(path.string());
  if (!info->relocatable()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{} is not a relocatable object (a kernel module)", path.string()));
  }
  object->build_id = info->BuildId();
  const std::string origin = fmt::format("module {}", path.filename().string());
  if (auto head = info->Symbol("coresight_dump_list"); !head.ok()) {
    object->dump_list_error = std::move(head).error().AddContext(origin);
  } else if (auto types = LoadDumpListTypes(*info, origin); !types.ok()) {
    object->dump_list_error = std::move(types).error();
  } else {
    object->dump_list = *head;
    object->list_types = std::move(*types);
  }
  return object;
}

}  // namespace csd::mkcore
