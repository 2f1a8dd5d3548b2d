// SPDX-License-Identifier: MIT
#include "csdump-mkcore/module_sysfs_writer.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/byte_reader.h"
#include "csdump-mkcore/kernel_layout_writer.h"

namespace csd::mkcore {
namespace {

constexpr uint64_t kPointer = 8;
constexpr uint64_t kSectMode = 0400, kNoteMode = 0444;
constexpr uint64_t kSectReadSize = 3 + 64 / 4;  // MODULE_SECT_READ_SIZE: "0x", 16 digits, "\n"

uint64_t AlignUp(uint64_t v, uint64_t a) {
  return (v + a - 1) / a * a;
}

MemberLayout At(MemberLayout m, uint64_t base) {
  m.offset += base;
  return m;
}

}  // namespace

Status StoreMember(std::span<std::byte> object, const MemberLayout& m, uint64_t value,
                   std::string_view what) {
  if (m.bit_size != 0 || m.size == 0 || m.size > 8) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("{}: member {} is {} bytes{}; cannot store a value there", what,
                             m.name, m.size, m.bit_size ? " (a bit-field)" : ""));
  }
  if (m.offset > object.size() || object.size() - m.offset < m.size) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("{}: member {} at {:#x} lies outside the struct", what, m.name, m.offset));
  }
  if (m.size < 8 && (value >> (8 * m.size)) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{}: value {:#x} does not fit member {} ({} bytes, from DWARF)", what,
                             value, m.name, m.size));
  }
  StoreUnsigned(object.subspan(m.offset, m.size), value, Endian::kLittle);
  return OkStatus();
}

Expected<uint64_t> SysfsAttrWriter::Kmalloc(uint64_t size) {
  return KmallocStructure(alloc_, size);
}

Expected<uint64_t> SysfsAttrWriter::WriteString(std::string_view text) {
  return WriteKernelString(image_, alloc_, layout_, text);
}

Status SysfsAttrWriter::WriteEntry(std::span<std::byte> table, uint64_t offset,
                                   const AttrTableTypes& t, uint64_t name, uint64_t address,
                                   uint64_t size, uint64_t mode, std::string_view what) {
  CSD_RETURN_IF_ERROR(StoreMember(table, At(t.name, offset), name, what));
  CSD_RETURN_IF_ERROR(StoreMember(table, At(t.address, offset), address, what));
  if (t.size) CSD_RETURN_IF_ERROR(StoreMember(table, At(*t.size, offset), size, what));
  if (t.mode) CSD_RETURN_IF_ERROR(StoreMember(table, At(*t.mode, offset), mode, what));
  return OkStatus();
}

Expected<SysfsTables> SysfsAttrWriter::Write(std::span<const SysfsSection> sections,
                                             const SysfsCorruption& corrupt) {
  // kstrdup(info->secstrings + sec->sh_name): one string per section.
  std::vector<uint64_t> names;
  for (const SysfsSection& s : sections) {
    CSD_ASSIGN_OR_RETURN(uint64_t name, WriteString(s.name));
    names.push_back(name);
  }
  SysfsTables tables;
  CSD_ASSIGN_OR_RETURN(tables.sect_attrs, WriteSectAttrs(sections, names, corrupt));
  if (t_.notes) {
    CSD_ASSIGN_OR_RETURN(tables.notes_attrs, WriteNotesAttrs(sections, names));
  }
  return tables;
}

Expected<uint64_t> SysfsAttrWriter::WriteSectAttrs(std::span<const SysfsSection> sections,
                                                   std::span<const uint64_t> names,
                                                   const SysfsCorruption& corrupt) {
  const AttrTableTypes& t = t_.sect;
  const uint64_t n = sections.size();
  const uint64_t pointers = corrupt.unterminated ? kUnterminatedEntries : n + 1;
  // struct_size(sect_attrs, attrs, n), then (6.13 and before) the bin_attrs
  // array in the same allocation, pointer-aligned.
  const uint64_t table_size = t.container_size + n * t.entry_size;
  const bool bare = t_.bare_bin_attributes();
  const uint64_t gattr_offset = bare ? 0 : AlignUp(table_size, kPointer);
  std::vector<std::byte> table(bare ? table_size : gattr_offset + pointers * kPointer);
  CSD_ASSIGN_OR_RETURN(uint64_t table_pa, Kmalloc(table.size()));
  const uint64_t table_va = layout_.LinearVa(table_pa);

  std::vector<std::byte> separate(bare ? pointers * kPointer : 0);
  uint64_t gattr_va = table_va + gattr_offset;
  uint64_t gattr_pa = 0;
  if (bare) {
    CSD_ASSIGN_OR_RETURN(gattr_pa, Kmalloc(separate.size()));
    gattr_va = layout_.LinearVa(gattr_pa);
  }
  std::span<std::byte> gattr =
      bare ? std::span<std::byte>(separate) : std::span<std::byte>(table).subspan(gattr_offset);

  constexpr std::string_view kWhat = "struct module_sect_attrs";
  if (t.count) {
    CSD_RETURN_IF_ERROR(
        StoreMember(table, *t.count, corrupt.unterminated ? 0xffffffffu : n, kWhat));
  }
  if (t.group_name) {
    CSD_ASSIGN_OR_RETURN(uint64_t group, WriteString("sections"));
    CSD_RETURN_IF_ERROR(StoreMember(table, *t.group_name, group, kWhat));
  }
  if (t.bin_attrs) CSD_RETURN_IF_ERROR(StoreMember(table, *t.bin_attrs, gattr_va, kWhat));
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t entry = t.array.offset + i * t.entry_size;
    const bool wild = corrupt.wild_section == sections[i].name;
    CSD_RETURN_IF_ERROR(WriteEntry(table, entry, t, names[i],
                                   wild ? kWildSectionAddress : sections[i].address, kSectReadSize,
                                   kSectMode, kWhat));
  }
  // gattr[i] = &attrs[i].battr, then NULL (or, unterminated, on and on).
  const uint64_t filled = n == 0 ? 0 : corrupt.unterminated ? pointers : n;
  for (uint64_t i = 0; i < filled; ++i) {
    const uint64_t entry = table_va + t.array.offset + (i % n) * t.entry_size + t.bin_attr_offset;
    StoreUnsigned(gattr.subspan(i * kPointer, kPointer), entry, Endian::kLittle);
  }
  CSD_RETURN_IF_ERROR(image_.Write(table_pa, table));
  if (bare) CSD_RETURN_IF_ERROR(image_.Write(gattr_pa, separate));
  return table_va;
}

Expected<uint64_t> SysfsAttrWriter::WriteNotesAttrs(std::span<const SysfsSection> sections,
                                                    std::span<const uint64_t> names) {
  const AttrTableTypes& t = *t_.notes;
  std::vector<size_t> notes;
  for (size_t i = 0; i < sections.size(); ++i) {
    if (sections[i].note) notes.push_back(i);
  }
  if (notes.empty()) return 0;  // add_notes_attrs() returns before allocating
  const uint64_t n = notes.size();
  std::vector<std::byte> table(t.container_size + n * t.entry_size);
  CSD_ASSIGN_OR_RETURN(uint64_t table_pa, Kmalloc(table.size()));
  const uint64_t table_va = layout_.LinearVa(table_pa);
  constexpr std::string_view kWhat = "struct module_notes_attrs";
  if (t.count) CSD_RETURN_IF_ERROR(StoreMember(table, *t.count, n, kWhat));
  if (t.group_name) {
    CSD_ASSIGN_OR_RETURN(uint64_t group, WriteString("notes"));
    CSD_RETURN_IF_ERROR(StoreMember(table, *t.group_name, group, kWhat));
  }
  std::vector<std::byte> gattr((n + 1) * kPointer);
  for (uint64_t k = 0; k < n; ++k) {
    const SysfsSection& s = sections[notes[k]];
    const uint64_t entry = t.array.offset + k * t.entry_size;
    CSD_RETURN_IF_ERROR(
        WriteEntry(table, entry, t, names[notes[k]], s.address, s.size, kNoteMode, kWhat));
    StoreUnsigned(std::span(gattr).subspan(k * kPointer, kPointer), table_va + entry,
                  Endian::kLittle);
  }
  // 6.14+: the entries are also a group, listed by a kcalloc'd array.
  if (t.bin_attrs && !t.count) {
    CSD_ASSIGN_OR_RETURN(uint64_t gattr_pa, Kmalloc(gattr.size()));
    CSD_RETURN_IF_ERROR(image_.Write(gattr_pa, gattr));
    CSD_RETURN_IF_ERROR(StoreMember(table, *t.bin_attrs, layout_.LinearVa(gattr_pa), kWhat));
  }
  CSD_RETURN_IF_ERROR(image_.Write(table_pa, table));
  return table_va;
}

}  // namespace csd::mkcore
