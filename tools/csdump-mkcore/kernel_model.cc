// SPDX-License-Identifier: MIT
#include "csdump-mkcore/kernel_model.h"

#include <fmt/format.h>

namespace csd::mkcore {
namespace {

Expected<uint64_t> SymbolAddress(const DebugInfo& info, std::string_view name,
                                 uint64_t* size = nullptr) {
  auto sym = info.Symbol(name);
  if (!sym.ok()) return std::move(sym).error().AddContext(fmt::format("vmlinux symbol {}", name));
  if (size) *size = sym->size;
  return sym->address;
}

}  // namespace

Expected<MemberLayout> RequireMember(const StructLayout& layout, std::string_view name) {
  const MemberLayout* m = layout.Find(name);
  if (!m) {
    return Error(ErrorCode::kLookup,
                 fmt::format("struct {} has no member \"{}\" in the DWARF", layout.name, name));
  }
  return *m;
}

Expected<DumpListTypes> LoadDumpListTypes(const DebugInfo& info, std::string_view origin) {
  DumpListTypes t;
  auto load = [&]() -> Status {
    CSD_ASSIGN_OR_RETURN(StructLayout node, info.Struct("coresight_dump_node"));
    t.node.size = node.size;
    CSD_ASSIGN_OR_RETURN(t.node.cpu, RequireMember(node, "cpu"));
    CSD_ASSIGN_OR_RETURN(t.node.type, RequireMember(node, "type"));
    CSD_ASSIGN_OR_RETURN(t.node.csdev, RequireMember(node, "csdev"));
    CSD_ASSIGN_OR_RETURN(t.node.buf, RequireMember(node, "buf"));
    CSD_ASSIGN_OR_RETURN(t.node.buf_size, RequireMember(node, "buf_size"));
    CSD_ASSIGN_OR_RETURN(t.node.list, RequireMember(node, "list"));
    CSD_ASSIGN_OR_RETURN(StructLayout list_head, info.Struct("list_head"));
    CSD_ASSIGN_OR_RETURN(t.list_next, RequireMember(list_head, "next"));
    CSD_ASSIGN_OR_RETURN(t.list_prev, RequireMember(list_head, "prev"));
    CSD_ASSIGN_OR_RETURN(StructLayout csdev, info.Struct("coresight_device"));
    t.csdev_size = csdev.size;
    CSD_ASSIGN_OR_RETURN(t.csdev_kobj_name, info.MemberPath("coresight_device", "dev.kobj.name"));
    CSD_ASSIGN_OR_RETURN(t.csdev_init_name, info.MemberPath("coresight_device", "dev.init_name"));
    return OkStatus();
  };
  auto status = load();
  if (!status.ok()) {
    return std::move(status).error().AddContext(
        fmt::format("the panic-dump list types in the {} DWARF", origin));
  }
  return t;
}

Expected<KernelModel> LoadKernelModel(const DebugInfo& info) {
  // 32-bit ARM kernels ("arch": "arm" specs) have 4-byte pointers.
  const bool arm32 = info.arch() == Arch::kArm && info.pointer_size() == 4;
  if (info.arch() != Arch::kArm64 && !arm32) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("vmlinux {} is {}, csdump-mkcore builds arm64 dumps only",
                             info.path().string(), ArchName(info.arch())));
  }
  if (info.endian() != Endian::kLittle || (info.pointer_size() != 8 && !arm32)) {
    return Error(ErrorCode::kUnsupported, "only little-endian 64-bit arm64 kernels are supported");
  }
  KernelModel k;
  CSD_ASSIGN_OR_RETURN(k.text, SymbolAddress(info, "_text"));
  CSD_ASSIGN_OR_RETURN(k.end, SymbolAddress(info, "_end"));
  CSD_ASSIGN_OR_RETURN(k.stext, SymbolAddress(info, "_stext"));
  CSD_ASSIGN_OR_RETURN(k.swapper_pg_dir,
                       SymbolAddress(info, "swapper_pg_dir", &k.swapper_pg_dir_size));
  CSD_ASSIGN_OR_RETURN(k.init_uts_ns, SymbolAddress(info, "init_uts_ns"));
  if (k.end <= k.text) {
    return Error(ErrorCode::kCorrupt,
                 fmt::format("vmlinux _end {:#x} is not above _text {:#x}", k.end, k.text));
  }
  k.build_id = info.BuildId();

  CSD_ASSIGN_OR_RETURN(MemberLayout uts_name, info.MemberPath("uts_namespace", "name"));
  k.uts_name_offset = uts_name.offset;
  CSD_ASSIGN_OR_RETURN(MemberLayout release, info.MemberPath("uts_namespace", "name.release"));
  CSD_ASSIGN_OR_RETURN(auto release_bytes,
                       info.ReadLinkTime(k.init_uts_ns + release.offset, release.size));
  for (std::byte b : release_bytes) {
    if (b == std::byte{0}) break;
    k.release += static_cast<char>(b);
  }
  if (k.release.empty())
    return Error(ErrorCode::kCorrupt, "init_uts_ns.name.release is empty in the vmlinux");

  // Either may be missing: CoreSight built as a module keeps its list in the
  // module, and a kernel without module support has no `modules`.
  if (auto head = SymbolAddress(info, "coresight_dump_list"); !head.ok()) {
    k.dump_list_error = std::move(head).error();
  } else if (auto types = LoadDumpListTypes(info, "vmlinux"); !types.ok()) {
    k.dump_list_error = std::move(types).error();
  } else {
    k.dump_list = *head;
    k.list_types = std::move(*types);
  }
  if (auto modules = LoadModuleListTypes(info); modules.ok()) {
    k.module_list = std::move(*modules);
  } else {
    k.module_list_error = std::move(modules).error();
  }

  // The kernel image as loaded: every allocated section with file bytes
  // inside [_text, _end). Debug sections have address 0 and are skipped.
  for (const SectionInfo& s : info.sections()) {
    if (!s.has_bits || s.size == 0 || s.address < k.text || s.address + s.size > k.end) continue;
    CSD_ASSIGN_OR_RETURN(auto bytes, info.ReadLinkTime(s.address, s.size));
    k.sections.push_back({s.name, s.address, std::move(bytes)});
  }
  return k;
}

}  // namespace csd::mkcore
