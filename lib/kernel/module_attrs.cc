// SPDX-License-Identifier: MIT
#include "kernel/module_attrs.h"

#include <fmt/format.h>

#include "base/byte_reader.h"

namespace csd {

namespace {

// No attribute struct comes near this; a larger DWARF size is not one.
constexpr uint64_t kMaxElementSize = 4096;

// Both tables are private to the file that builds them (kernel/module/sysfs.c
// since 5.19, kernel/module.c before): lookups start in its unit.
constexpr std::string_view kAnchor = "mod_sysfs_setup";

Error Unsupported(std::string message) {
  return Error(ErrorCode::kUnsupported, std::move(message));
}

// grp.bin_attrs; 6.13 to 6.16 also call it bin_attrs_new (same union).
std::optional<MemberLayout> GroupBinAttrs(const DebugInfo& vmlinux, std::string_view container) {
  for (std::string_view path : {"grp.bin_attrs", "grp.bin_attrs_new"}) {
    auto member = vmlinux.MemberPath(container, path, {kAnchor});
    if (member.ok() && member->kind == MemberLayout::Kind::kPointer) return *member;
  }
  return std::nullopt;
}

// The entries are struct bin_attribute: the name in attr.name, the address in
// `private` (sections 6.14+, notes always), the note's size in `size`.
Status UseBinAttributeEntries(const DebugInfo& vmlinux, AttrTableLayout& layout) {
  CSD_ASSIGN_OR_RETURN(StructLayout bin, vmlinux.Struct("bin_attribute"));
  const MemberLayout* address = bin.Find("private");
  const MemberLayout* size = bin.Find("size");
  auto name = vmlinux.MemberPath("bin_attribute", "attr.name");
  if (address == nullptr || !name.ok()) {
    return Unsupported(
        fmt::format("struct bin_attribute in this vmlinux has no {}",
                    address == nullptr ? "member 'private'" : "member path 'attr.name'"));
  }
  layout.element_size = bin.size;
  layout.bin_attr_offset = 0;
  layout.name = *name;
  layout.address = *address;
  if (size != nullptr) layout.size = *size;
  return OkStatus();
}

Status CheckLayout(const AttrTableLayout& layout) {
  if (layout.element_size == 0 || layout.element_size > kMaxElementSize) {
    return Unsupported(fmt::format("the entries of struct {} have DWARF size {}", layout.container,
                                   layout.element_size));
  }
  for (const MemberLayout* m : {&layout.name, &layout.address}) {
    if (m->size == 0 || m->size > 8 || m->bit_size != 0 ||
        m->offset + m->size > layout.element_size) {
      return Unsupported(
          fmt::format("member {} of the entries of struct {} is not a word inside "
                      "the entry",
                      m->name, layout.container));
    }
  }
  if (layout.size && (layout.size->size == 0 || layout.size->size > 8 ||
                      layout.size->offset + layout.size->size > layout.element_size)) {
    return Unsupported(
        fmt::format("member size of the entries of struct {} is not a word", layout.container));
  }
  if (!(layout.count && layout.array) && !layout.bin_attrs) {
    return Unsupported(fmt::format("struct {} has neither a count with attrs[] nor grp.bin_attrs",
                                   layout.container));
  }
  return OkStatus();
}

uint64_t Word(std::span<const std::byte> entry, const MemberLayout& m, Endian endian) {
  return LoadUnsigned(entry.subspan(m.offset, m.size), endian);
}

class TableReader {
 public:
  TableReader(const KernelMemory& memory, uint64_t address, const AttrTableLayout& layout,
              const AttrTableLimits& limits)
      : memory_(memory), address_(address), layout_(layout), limits_(limits) {}

  Expected<std::vector<ModuleAttr>> Counted() const {
    const MemberLayout& count_member = *layout_.count;
    auto count = memory_.ReadUnsigned(address_ + count_member.offset, count_member.size);
    if (!count.ok()) return std::move(count).error().AddContext(Where(count_member.name));
    if (*count > limits_.max_entries) {
      return Error(ErrorCode::kCorrupt,
                   fmt::format("{} is {}, over the cap of {} entries", Where(count_member.name),
                               *count, limits_.max_entries));
    }
    std::vector<std::byte> table(*count * layout_.element_size);
    const uint64_t array = address_ + layout_.array->offset;
    if (auto status = memory_.Read(array, table); !status.ok()) {
      return std::move(status).error().AddContext(
          fmt::format("reading the {} entries of {} at {:#x}", *count, layout_.container, array));
    }
    std::vector<ModuleAttr> attrs;
    for (uint64_t i = 0; i < *count; ++i) {
      Decode(
          std::span<const std::byte>(table).subspan(i * layout_.element_size, layout_.element_size),
          attrs);
    }
    return attrs;
  }

  Expected<std::vector<ModuleAttr>> Listed() const {
    const MemberLayout& member = *layout_.bin_attrs;
    auto list = memory_.ReadUnsigned(address_ + member.offset, member.size);
    if (!list.ok()) return std::move(list).error().AddContext(Where(member.name));
    if (*list == 0) return Error(ErrorCode::kCorrupt, Where(member.name) + " is NULL");
    std::vector<ModuleAttr> attrs;
    std::vector<std::byte> entry(layout_.element_size);
    for (uint64_t i = 0;; ++i) {
      const uint64_t slot = *list + i * member.size;
      if (i == limits_.max_entries) {
        return Error(ErrorCode::kCorrupt,
                     fmt::format("{} at {:#x} has no NULL terminator within its first {} entries",
                                 Where(member.name), *list, limits_.max_entries));
      }
      auto pointer = memory_.ReadUnsigned(slot, member.size);
      if (!pointer.ok()) {
        return std::move(pointer).error().AddContext(
            fmt::format("{}[{}] at {:#x}", Where(member.name), i, slot));
      }
      if (*pointer == 0) break;
      const uint64_t element = *pointer - layout_.bin_attr_offset;
      if (auto status = memory_.Read(element, entry); !status.ok()) {
        return std::move(status).error().AddContext(
            fmt::format("{}[{}] points to {:#x}", Where(member.name), i, *pointer));
      }
      Decode(entry, attrs);
    }
    return attrs;
  }

 private:
  std::string Where(std::string_view member) const {
    return fmt::format("{}.{} (struct at {:#x})", layout_.container, member, address_);
  }

  // An entry whose name cannot be read loses that entry only.
  void Decode(std::span<const std::byte> entry, std::vector<ModuleAttr>& attrs) const {
    const Endian endian = memory_.endian();
    auto name = memory_.ReadCString(Word(entry, layout_.name, endian), limits_.max_name);
    if (!name.ok()) return;
    ModuleAttr attr{std::move(*name), Word(entry, layout_.address, endian), 0};
    if (layout_.size) attr.size = Word(entry, *layout_.size, endian);
    attrs.push_back(std::move(attr));
  }

  const KernelMemory& memory_;
  uint64_t address_;
  const AttrTableLayout& layout_;
  const AttrTableLimits& limits_;
};

}  // namespace

Expected<AttrTableLayout> ResolveSectAttrsLayout(const DebugInfo& vmlinux) {
  CSD_ASSIGN_OR_RETURN(StructLayout attrs, vmlinux.Struct("module_sect_attrs", {kAnchor}));
  AttrTableLayout layout;
  layout.container = "module_sect_attrs";
  const MemberLayout* array = attrs.Find("attrs");
  const MemberLayout* count = attrs.Find("nsections");
  if (array == nullptr) return Unsupported("struct module_sect_attrs has no member 'attrs'");
  layout.bin_attrs = GroupBinAttrs(vmlinux, layout.container);
  if (count != nullptr) {
    // Up to 6.13: the entries are struct module_sect_attr, the address a
    // member of its own (the bin_attribute's `private` is left NULL).
    CSD_ASSIGN_OR_RETURN(StructLayout attr, vmlinux.Struct("module_sect_attr", {kAnchor}));
    const MemberLayout* address = attr.Find("address");
    if (address == nullptr) {
      return Unsupported(
          "struct module_sect_attrs has nsections, but struct module_sect_attr has no member "
          "'address'");
    }
    // 5.8+ keep the name in the bin_attribute; older kernels in a member of its own.
    auto name = vmlinux.MemberPath("module_sect_attr", "battr.attr.name", {kAnchor});
    if (!name.ok()) name = vmlinux.MemberPath("module_sect_attr", "name", {kAnchor});
    if (!name.ok()) return std::move(name).error();
    layout.count = *count;
    layout.array = *array;
    layout.element_size = attr.size;
    layout.name = *name;
    layout.address = *address;
    // grp.bin_attrs points at each entry's battr; before 5.8 there is none
    // (grp.attrs pointed at a module_attribute), so only the count is walked.
    if (const MemberLayout* battr = attr.Find("battr")) {
      layout.bin_attr_offset = battr->offset;
    } else {
      layout.bin_attrs.reset();
    }
    layout.shape =
        "as Linux 6.13 and before lay it out: nsections entries of struct module_sect_attr, the "
        "address in .address";
  } else {
    // 6.14+: the entries are bare bin_attributes, listed only by grp.bin_attrs.
    CSD_RETURN_IF_ERROR(UseBinAttributeEntries(vmlinux, layout));
    if (!layout.bin_attrs) {
      return Unsupported(
          "struct module_sect_attrs has neither nsections nor grp.bin_attrs: a layout this "
          "version does not know");
    }
    layout.shape =
        "as Linux 6.14 and later lay it out: grp.bin_attrs lists struct bin_attribute entries, "
        "the address in .private";
  }
  CSD_RETURN_IF_ERROR(CheckLayout(layout));
  return layout;
}

Expected<AttrTableLayout> ResolveNotesAttrsLayout(const DebugInfo& vmlinux) {
  CSD_ASSIGN_OR_RETURN(StructLayout notes, vmlinux.Struct("module_notes_attrs", {kAnchor}));
  AttrTableLayout layout;
  layout.container = "module_notes_attrs";
  const MemberLayout* array = notes.Find("attrs");
  if (array == nullptr) return Unsupported("struct module_notes_attrs has no member 'attrs'");
  CSD_RETURN_IF_ERROR(UseBinAttributeEntries(vmlinux, layout));
  // Up to 6.13 a count (`notes`) and a kobject; 6.14+ an attribute group.
  if (const MemberLayout* count = notes.Find("notes")) {
    layout.count = *count;
    layout.array = *array;
    layout.shape = "as Linux 6.13 and before lay it out: `notes` struct bin_attribute entries";
  } else {
    layout.shape =
        "as Linux 6.14 and later lay it out: grp.bin_attrs lists struct bin_attribute entries";
  }
  layout.bin_attrs = GroupBinAttrs(vmlinux, layout.container);
  CSD_RETURN_IF_ERROR(CheckLayout(layout));
  return layout;
}

Expected<std::vector<ModuleAttr>> ReadAttrTable(const KernelMemory& memory, uint64_t address,
                                                const AttrTableLayout& layout,
                                                const AttrTableLimits& limits) {
  const TableReader reader(memory, address, layout, limits);
  std::optional<Error> counted_error;
  if (layout.count && layout.array) {
    auto attrs = reader.Counted();
    if (attrs.ok() || !layout.bin_attrs) return attrs;
    counted_error = std::move(attrs).error();
  }
  auto attrs = reader.Listed();
  if (attrs.ok() || !counted_error) return attrs;
  return Error(counted_error->code(),
               fmt::format("by its {}: {}; by grp.bin_attrs: {}", layout.count->name,
                           counted_error->Describe(), attrs.error().Describe()));
}

}  // namespace csd
