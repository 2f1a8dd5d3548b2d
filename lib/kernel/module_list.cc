// SPDX-License-Identifier: MIT
#include "kernel/module_list.h"

#include <fmt/format.h>

#include <cstring>

#include "base/byte_reader.h"
#include "kernel/list_walk.h"
#include "kernel/object_view.h"

namespace csd {

namespace {

constexpr uint32_t kNtGnuBuildId = 3;
constexpr size_t kMaxBuildIdBytes = 64;  // sha1 is 20; allow longer hashes

struct ModuleLayout {
  StructLayout module;
  MemberLayout list, name, state;
  std::optional<MemberLayout> sect_attrs;
  ListHeadLayout list_head;
  // struct module_sect_attrs / module_sect_attr, when the kernel has them.
  uint64_t nsections_offset = 0, nsections_size = 0;
  uint64_t attrs_offset = 0;
  uint64_t attr_size = 0;
  MemberLayout attr_name, attr_address;
};

Expected<MemberLayout> Member(const StructLayout& layout, std::string_view name) {
  const MemberLayout* member = layout.Find(name);
  if (member == nullptr) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("struct {} in this vmlinux has no member '{}'", layout.name, name));
  }
  return *member;
}

Expected<ModuleLayout> ResolveModuleLayout(const DebugInfo& vmlinux) {
  ModuleLayout layout;
  CSD_ASSIGN_OR_RETURN(layout.module, vmlinux.Struct("module"));
  CSD_ASSIGN_OR_RETURN(layout.list, Member(layout.module, "list"));
  CSD_ASSIGN_OR_RETURN(layout.name, Member(layout.module, "name"));
  CSD_ASSIGN_OR_RETURN(layout.state, Member(layout.module, "state"));
  if (layout.name.kind != MemberLayout::Kind::kArray || layout.name.size == 0) {
    return Error(
        ErrorCode::kUnsupported,
        fmt::format("struct module.name is '{}', not a char array", layout.name.type_name));
  }
  CSD_ASSIGN_OR_RETURN(StructLayout list_head, vmlinux.Struct("list_head"));
  CSD_ASSIGN_OR_RETURN(MemberLayout next, Member(list_head, "next"));
  CSD_ASSIGN_OR_RETURN(MemberLayout prev, Member(list_head, "prev"));
  layout.list_head = {next.offset, prev.offset, static_cast<unsigned>(next.size)};

  // Section addresses: absent without CONFIG_SYSFS/KALLSYMS; then modules can
  // be listed but not relocated, and each says why.
  if (const MemberLayout* sect_attrs = layout.module.Find("sect_attrs")) {
    // Both are private to the .c file that builds the sysfs attributes
    // (kernel/module/sysfs.c since 5.19, kernel/module.c before): start there.
    auto attrs = vmlinux.Struct("module_sect_attrs", {"mod_sysfs_setup"});
    auto attr = vmlinux.Struct("module_sect_attr", {"mod_sysfs_setup"});
    if (attrs.ok() && attr.ok()) {
      const MemberLayout* nsections = attrs->Find("nsections");
      const MemberLayout* array = attrs->Find("attrs");
      const MemberLayout* address = attr->Find("address");
      // 5.8+: the name is in the bin_attribute; before, a member of its own.
      auto name = vmlinux.MemberPath("module_sect_attr", "battr.attr.name");
      if (!name.ok()) name = vmlinux.MemberPath("module_sect_attr", "name");
      if (nsections && array && address && name.ok() && attr->size > 0) {
        layout.sect_attrs = *sect_attrs;
        layout.nsections_offset = nsections->offset;
        layout.nsections_size = nsections->size;
        layout.attrs_offset = array->offset;
        layout.attr_size = attr->size;
        layout.attr_name = *name;
        layout.attr_address = *address;
      }
    }
  }
  return layout;
}

std::optional<std::string> ParseBuildIdNote(std::span<const std::byte> note, Endian endian) {
  if (note.size() < 16) return std::nullopt;
  const uint64_t namesz = LoadUnsigned(note.subspan(0, 4), endian);
  const uint64_t descsz = LoadUnsigned(note.subspan(4, 4), endian);
  const uint64_t type = LoadUnsigned(note.subspan(8, 4), endian);
  if (type != kNtGnuBuildId || namesz != 4 || descsz == 0 || descsz > kMaxBuildIdBytes ||
      16 + descsz > note.size() || std::memcmp(note.data() + 12, "GNU", 4) != 0) {
    return std::nullopt;
  }
  return LowerHex(note.subspan(16, descsz));
}

class ModuleReader {
 public:
  ModuleReader(const KernelTarget& target, const ModuleLayout& layout,
               const ModuleListLimits& limits)
      : memory_(target.memory()),
        layout_(layout),
        limits_(limits),
        max_object_size_(target.limits().max_object_size) {}

  LoadedModule Read(size_t index, uint64_t list_entry) const {
    LoadedModule module;
    module.index = index;
    module.address = list_entry - layout_.list.offset;
    auto view = ObjectView::Read(memory_, module.address, layout_.module, max_object_size_);
    if (!view.ok()) {
      module.error = view.error().Describe();
      return module;
    }
    if (auto state = view->Signed(layout_.state); state.ok()) module.state = *state;
    std::vector<std::byte> name(layout_.name.size);
    if (auto status = memory_.Read(module.address + layout_.name.offset, name); !status.ok()) {
      module.error = status.error().Describe();
      return module;
    }
    for (std::byte b : name) {
      const auto c = std::to_integer<unsigned char>(b);
      if (c == 0) break;
      module.name += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
    }
    if (!layout_.sect_attrs) {
      module.error =
          "this kernel keeps no section addresses for modules (no mod->sect_attrs: "
          "CONFIG_SYSFS or CONFIG_KALLSYMS is off)";
      return module;
    }
    ReadSections(*view, module);
    if (auto note = module.SectionAddress(".note.gnu.build-id")) {
      std::array<std::byte, 16 + kMaxBuildIdBytes> bytes{};
      // The note is at most this long; read what the page allows.
      for (size_t length = bytes.size(); length >= 36; length -= 4) {
        if (memory_.Read(*note, std::span(bytes).first(length)).ok()) {
          module.build_id = ParseBuildIdNote(std::span(bytes).first(length), memory_.endian());
          break;
        }
      }
    }
    return module;
  }

 private:
  void ReadSections(const ObjectView& view, LoadedModule& module) const {
    auto attrs = view.Unsigned(*layout_.sect_attrs);
    if (!attrs.ok() || *attrs == 0) {
      module.error = attrs.ok() ? "mod->sect_attrs is NULL: section addresses unknown"
                                : attrs.error().Describe();
      return;
    }
    auto count = memory_.ReadUnsigned(*attrs + layout_.nsections_offset, layout_.nsections_size);
    if (!count.ok()) {
      module.error = fmt::format("sect_attrs at {:#x}: {}", *attrs, count.error().Describe());
      return;
    }
    if (*count > limits_.max_sections) {
      module.error = fmt::format("sect_attrs at {:#x} claims {} sections (cap {})", *attrs, *count,
                                 limits_.max_sections);
      return;
    }
    std::vector<std::byte> table(*count * layout_.attr_size);
    if (auto status = memory_.Read(*attrs + layout_.attrs_offset, table); !status.ok()) {
      module.error = fmt::format("{} section attributes at {:#x}: {}", *count,
                                 *attrs + layout_.attrs_offset, status.error().Describe());
      return;
    }
    const Endian endian = memory_.endian();
    for (uint64_t i = 0; i < *count; ++i) {
      const auto entry =
          std::span<const std::byte>(table).subspan(i * layout_.attr_size, layout_.attr_size);
      if (layout_.attr_name.offset + layout_.attr_name.size > entry.size() ||
          layout_.attr_address.offset + layout_.attr_address.size > entry.size()) {
        module.error = "struct module_sect_attr members lie outside the struct";
        return;
      }
      const uint64_t name_pointer =
          LoadUnsigned(entry.subspan(layout_.attr_name.offset, layout_.attr_name.size), endian);
      const uint64_t address = LoadUnsigned(
          entry.subspan(layout_.attr_address.offset, layout_.attr_address.size), endian);
      auto name = memory_.ReadCString(name_pointer, limits_.max_section_name);
      if (!name.ok()) {
        // One unreadable name loses that section only.
        continue;
      }
      module.sections.emplace_back(std::move(*name), address);
    }
  }

  const KernelMemory& memory_;
  const ModuleLayout& layout_;
  const ModuleListLimits& limits_;
  uint64_t max_object_size_;
};

}  // namespace

std::optional<uint64_t> LoadedModule::SectionAddress(std::string_view section) const {
  for (const auto& entry : sections) {
    if (entry.first == section) return entry.second;
  }
  return std::nullopt;
}

Expected<ModuleList> ReadModuleList(const KernelTarget& target, const ModuleListLimits& limits) {
  auto head = target.RuntimeSymbol("modules");
  if (!head.ok()) {
    return Error(ErrorCode::kLookup,
                 "the vmlinux has no `modules` list (a kernel without module support?): " +
                     head.error().Describe());
  }
  CSD_ASSIGN_OR_RETURN(ModuleLayout layout, ResolveModuleLayout(target.debuginfo()));
  ListWalkResult walk =
      WalkList(target.memory(), head->address, layout.list_head, limits.max_modules);
  if (walk.stop_error && walk.head_unreadable) {
    return std::move(*walk.stop_error).AddContext("walking the module list");
  }
  ModuleList list;
  if (walk.stop_error) list.walk_error = walk.stop_error->Describe();
  ModuleReader reader(target, layout, limits);
  for (size_t i = 0; i < walk.entries.size(); ++i) {
    list.modules.push_back(reader.Read(i, walk.entries[i]));
  }
  return list;
}

}  // namespace csd
