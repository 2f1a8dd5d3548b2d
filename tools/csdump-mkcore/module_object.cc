// SPDX-License-Identifier: MIT
#include "csdump-mkcore/module_object.h"

#include <fmt/format.h>

#include <fstream>
#include <iterator>
#include <map>

#include "base/byte_reader.h"

namespace csd::mkcore {
namespace {

constexpr uint16_t kEtRel = 1;
constexpr uint16_t kEmAarch64 = 183;
constexpr uint64_t kShdrSize = 64;
constexpr uint64_t kRelaSize = 24;
constexpr uint64_t kSymSize = 24;
constexpr uint16_t kShnUndef = 0;
constexpr uint16_t kShnLoreserve = 0xff00;
constexpr uint64_t kMaxSections = 65536;

struct SectionHeader {
  uint32_t name = 0, type = 0, link = 0, info = 0;
  uint64_t flags = 0, offset = 0, size = 0, align = 0, entsize = 0;
};

Error Corrupt(std::string message) {
  return Error(ErrorCode::kCorrupt, std::move(message));
}

}  // namespace

const ModuleObjectSection* ModuleObject::FindSection(std::string_view name) const {
  for (const ModuleObjectSection& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Expected<ModuleObject> ParseModuleElf(std::span<const std::byte> bytes) {
  const ByteReader file(bytes, Endian::kLittle, "module object");
  CSD_ASSIGN_OR_RETURN(auto ident, file.Bytes(0, 16));
  if (std::to_integer<char>(ident[0]) != 0x7f || std::to_integer<char>(ident[1]) != 'E' ||
      std::to_integer<char>(ident[2]) != 'L' || std::to_integer<char>(ident[3]) != 'F') {
    return Corrupt("not an ELF file");
  }
  if (std::to_integer<int>(ident[4]) != 2 || std::to_integer<int>(ident[5]) != 1) {
    return Error(ErrorCode::kUnsupported, "not an ELF64 little-endian object");
  }
  CSD_ASSIGN_OR_RETURN(uint16_t type, file.U16(16));
  CSD_ASSIGN_OR_RETURN(uint16_t machine, file.U16(18));
  if (type != kEtRel || machine != kEmAarch64) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("e_type {} e_machine {}: not an AArch64 relocatable object (a .ko)",
                             type, machine));
  }
  CSD_ASSIGN_OR_RETURN(uint64_t shoff, file.U64(0x28));
  CSD_ASSIGN_OR_RETURN(uint16_t shentsize, file.U16(0x3a));
  CSD_ASSIGN_OR_RETURN(uint16_t shnum, file.U16(0x3c));
  CSD_ASSIGN_OR_RETURN(uint16_t shstrndx, file.U16(0x3e));
  if (shentsize != kShdrSize || shnum == 0 || shnum > kMaxSections || shstrndx >= shnum) {
    return Corrupt(fmt::format("section headers: e_shentsize {}, e_shnum {}, e_shstrndx {}",
                               shentsize, shnum, shstrndx));
  }
  std::vector<SectionHeader> headers(shnum);
  for (uint64_t i = 0; i < shnum; ++i) {
    CSD_ASSIGN_OR_RETURN(ByteReader h, file.Sub(shoff + i * kShdrSize, kShdrSize));
    SectionHeader& s = headers[i];
    CSD_ASSIGN_OR_RETURN(s.name, h.U32(0));
    CSD_ASSIGN_OR_RETURN(s.type, h.U32(4));
    CSD_ASSIGN_OR_RETURN(s.flags, h.U64(8));
    CSD_ASSIGN_OR_RETURN(s.offset, h.U64(24));
    CSD_ASSIGN_OR_RETURN(s.size, h.U64(32));
    CSD_ASSIGN_OR_RETURN(s.link, h.U32(40));
    CSD_ASSIGN_OR_RETURN(s.info, h.U32(44));
    CSD_ASSIGN_OR_RETURN(s.align, h.U64(48));
    CSD_ASSIGN_OR_RETURN(s.entsize, h.U64(56));
  }
  const SectionHeader& strtab = headers[shstrndx];
  CSD_ASSIGN_OR_RETURN(ByteReader names, file.Sub(strtab.offset, strtab.size));

  ModuleObject object;
  std::map<size_t, size_t> placed;  // ELF index -> index into object.sections
  for (size_t i = 1; i < headers.size(); ++i) {
    const SectionHeader& h = headers[i];
    // kernel/module/sysfs.c lists (and layout_sections() places) exactly these.
    if (!(h.flags & elf::kShfAlloc) || h.size == 0) continue;
    ModuleObjectSection s;
    s.elf_index = i;
    CSD_ASSIGN_OR_RETURN(s.name, names.FixedString(h.name, 256));
    s.type = h.type;
    s.flags = h.flags;
    s.align = h.align == 0 ? 1 : h.align;
    if (s.align & (s.align - 1)) {
      return Corrupt(fmt::format("section {} alignment {} is not a power of two", s.name, s.align));
    }
    s.size = h.size;
    if (h.size > (64ull << 20)) {
      return Corrupt(fmt::format("section {} is {:#x} bytes", s.name, h.size));
    }
    if (h.type == elf::kShtNobits) {
      s.bytes.assign(h.size, std::byte{0});
    } else {
      CSD_ASSIGN_OR_RETURN(auto data, file.Bytes(h.offset, h.size));
      s.bytes.assign(data.begin(), data.end());
    }
    placed[i] = object.sections.size();
    object.sections.push_back(std::move(s));
  }

  for (const SectionHeader& rela : headers) {
    if (rela.type != elf::kShtRela) continue;
    auto target = placed.find(rela.info);
    if (target == placed.end()) continue;  // relocates debug info, not loaded memory
    if (rela.link >= headers.size() || rela.entsize != kRelaSize) {
      return Corrupt(fmt::format("relocation section with sh_link {} and sh_entsize {}", rela.link,
                                 rela.entsize));
    }
    const SectionHeader& symtab = headers[rela.link];
    CSD_ASSIGN_OR_RETURN(ByteReader symbols, file.Sub(symtab.offset, symtab.size));
    CSD_ASSIGN_OR_RETURN(ByteReader entries, file.Sub(rela.offset, rela.size));
    for (uint64_t off = 0; off + kRelaSize <= entries.size(); off += kRelaSize) {
      CSD_ASSIGN_OR_RETURN(uint64_t r_offset, entries.U64(off));
      CSD_ASSIGN_OR_RETURN(uint64_t r_info, entries.U64(off + 8));
      CSD_ASSIGN_OR_RETURN(uint64_t r_addend, entries.U64(off + 16));
      if ((r_info & 0xffffffff) != elf::kRAarch64Abs64) continue;
      CSD_ASSIGN_OR_RETURN(ByteReader sym, symbols.Sub((r_info >> 32) * kSymSize, kSymSize));
      CSD_ASSIGN_OR_RETURN(uint16_t shndx, sym.U16(6));
      CSD_ASSIGN_OR_RETURN(uint64_t value, sym.U64(8));
      if (shndx == kShnUndef || shndx >= kShnLoreserve) continue;  // a kernel symbol
      auto symbol_section = placed.find(shndx);
      if (symbol_section == placed.end()) continue;
      const ModuleObjectSection& t = object.sections[target->second];
      if (r_offset > t.size || t.size - r_offset < 8) {
        return Corrupt(
            fmt::format("relocation at {:#x} lies outside section {}", r_offset, t.name));
      }
      object.relocs.push_back({target->second, r_offset, symbol_section->second, value,
                               static_cast<int64_t>(r_addend)});
    }
  }
  return object;
}

Expected<ModuleObject> LoadModuleObject(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, fmt::format("cannot read {}", path.string()));
  std::vector<char> text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error(ErrorCode::kIo, fmt::format("error reading {}", path.string()));
  auto object = ParseModuleElf(std::as_bytes(std::span<const char>(text)));
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
