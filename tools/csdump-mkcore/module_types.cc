// SPDX-License-Identifier: MIT
#include "csdump-mkcore/module_types.h"

#include <fmt/format.h>

#include "csdump-mkcore/kernel_model.h"

namespace csd::mkcore {
namespace {

std::optional<MemberLayout> Optional(const DebugInfo& info, std::string_view type,
                                     std::string_view path) {
  auto m = info.MemberPath(type, path);
  return m.ok() ? std::optional<MemberLayout>(*m) : std::nullopt;
}

// Entries that are a bare struct bin_attribute (notes always, sections 6.14+).
Status BinAttributeEntries(const DebugInfo& info, AttrTableTypes& t) {
  CSD_ASSIGN_OR_RETURN(StructLayout bin, info.Struct("bin_attribute"));
  t.entry_size = bin.size;
  t.bin_attr_offset = 0;
  CSD_ASSIGN_OR_RETURN(t.name, info.MemberPath("bin_attribute", "attr.name"));
  CSD_ASSIGN_OR_RETURN(t.address, RequireMember(bin, "private"));
  t.size = Optional(info, "bin_attribute", "size");
  t.mode = Optional(info, "bin_attribute", "attr.mode");
  return OkStatus();
}

Expected<AttrTableTypes> LoadSectAttrs(const DebugInfo& info) {
  AttrTableTypes t;
  CSD_ASSIGN_OR_RETURN(StructLayout attrs, info.Struct("module_sect_attrs"));
  t.container_size = attrs.size;
  CSD_ASSIGN_OR_RETURN(t.array, RequireMember(attrs, "attrs"));
  t.bin_attrs = Optional(info, "module_sect_attrs", "grp.bin_attrs");
  t.group_name = Optional(info, "module_sect_attrs", "grp.name");
  if (const MemberLayout* count = attrs.Find("nsections")) {
    t.count = *count;
    CSD_ASSIGN_OR_RETURN(StructLayout attr, info.Struct("module_sect_attr"));
    t.entry_size = attr.size;
    // 5.8+ keep the section name in the bin_attribute; older kernels in a member of its own.
    auto name = info.MemberPath("module_sect_attr", "battr.attr.name");
    if (!name.ok()) name = info.MemberPath("module_sect_attr", "name");
    if (!name.ok()) return std::move(name).error();
    t.name = *name;
    CSD_ASSIGN_OR_RETURN(t.address, RequireMember(attr, "address"));
    if (const MemberLayout* battr = attr.Find("battr")) t.bin_attr_offset = battr->offset;
    t.size = Optional(info, "module_sect_attr", "battr.size");
    t.mode = Optional(info, "module_sect_attr", "battr.attr.mode");
    return t;
  }
  CSD_RETURN_IF_ERROR(BinAttributeEntries(info, t));
  if (!t.bin_attrs) {
    return Error(ErrorCode::kLookup,
                 "struct module_sect_attrs has neither nsections nor grp.bin_attrs in the DWARF");
  }
  return t;
}

Expected<AttrTableTypes> LoadNotesAttrs(const DebugInfo& info) {
  AttrTableTypes t;
  CSD_ASSIGN_OR_RETURN(StructLayout notes, info.Struct("module_notes_attrs"));
  t.container_size = notes.size;
  CSD_ASSIGN_OR_RETURN(t.array, RequireMember(notes, "attrs"));
  if (const MemberLayout* count = notes.Find("notes")) t.count = *count;
  t.bin_attrs = Optional(info, "module_notes_attrs", "grp.bin_attrs");
  t.group_name = Optional(info, "module_notes_attrs", "grp.name");
  CSD_RETURN_IF_ERROR(BinAttributeEntries(info, t));
  if (!t.count && !t.bin_attrs) {
    return Error(ErrorCode::kLookup,
                 "struct module_notes_attrs has neither notes nor grp.bin_attrs in the DWARF");
  }
  return t;
}

}  // namespace

Expected<ModuleListTypes> LoadModuleListTypes(const DebugInfo& info) {
  ModuleListTypes m;
  auto modules = info.Symbol("modules");
  if (!modules.ok()) return std::move(modules).error().AddContext("vmlinux symbol modules");
  m.modules = modules->address;
  CSD_ASSIGN_OR_RETURN(StructLayout list_head, info.Struct("list_head"));
  CSD_ASSIGN_OR_RETURN(m.list_next, RequireMember(list_head, "next"));
  CSD_ASSIGN_OR_RETURN(m.list_prev, RequireMember(list_head, "prev"));
  CSD_ASSIGN_OR_RETURN(StructLayout module, info.Struct("module"));
  m.module_size = module.size;
  CSD_ASSIGN_OR_RETURN(m.state, RequireMember(module, "state"));
  CSD_ASSIGN_OR_RETURN(m.list, RequireMember(module, "list"));
  CSD_ASSIGN_OR_RETURN(m.name, RequireMember(module, "name"));
  CSD_ASSIGN_OR_RETURN(m.sect_attrs, RequireMember(module, "sect_attrs"));
  if (m.name.kind != MemberLayout::Kind::kArray || m.name.size == 0) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("struct module.name is '{}', not a char array", m.name.type_name));
  }
  CSD_ASSIGN_OR_RETURN(m.sect, LoadSectAttrs(info));
  // The notes and the regions are optional: a fake kernel without them gets
  // modules without them, as an older kernel would have.
  if (const MemberLayout* notes = module.Find("notes_attrs");
      notes && notes->kind == MemberLayout::Kind::kPointer && !notes->target_struct.empty()) {
    m.notes_attrs = *notes;
    CSD_ASSIGN_OR_RETURN(m.notes, LoadNotesAttrs(info));
  }
  if (const MemberLayout* mem = module.Find("mem")) {
    CSD_ASSIGN_OR_RETURN(StructLayout entry, info.Struct("module_memory"));
    m.mem = *mem;
    m.mem_entry_size = entry.size;
    CSD_ASSIGN_OR_RETURN(m.mem_base, RequireMember(entry, "base"));
    CSD_ASSIGN_OR_RETURN(m.mem_size, RequireMember(entry, "size"));
  } else {
    m.core_base = Optional(info, "module", "core_layout.base");
    m.core_size = Optional(info, "module", "core_layout.size");
  }
  return m;
}

}  // namespace csd::mkcore
