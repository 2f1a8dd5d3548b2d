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

Expected<MemberLayout> Member(const StructLayout& layout, std::string_view name) {
  const MemberLayout* m = layout.Find(name);
  if (!m) {
    return Error(
        ErrorCode::kLookup,
        fmt::format("struct {} has no member \"{}\" in the vmlinux DWARF", layout.name, name));
  }
  return *m;
}

}  // namespace

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
  CSD_ASSIGN_OR_RETURN(k.dump_list, SymbolAddress(info, "coresight_dump_list"));
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

  CSD_ASSIGN_OR_RETURN(StructLayout node, info.Struct("coresight_dump_node"));
  k.node.size = node.size;
  CSD_ASSIGN_OR_RETURN(k.node.cpu, Member(node, "cpu"));
  CSD_ASSIGN_OR_RETURN(k.node.type, Member(node, "type"));
  CSD_ASSIGN_OR_RETURN(k.node.csdev, Member(node, "csdev"));
  CSD_ASSIGN_OR_RETURN(k.node.buf, Member(node, "buf"));
  CSD_ASSIGN_OR_RETURN(k.node.buf_size, Member(node, "buf_size"));
  CSD_ASSIGN_OR_RETURN(k.node.list, Member(node, "list"));
  CSD_ASSIGN_OR_RETURN(StructLayout list_head, info.Struct("list_head"));
  CSD_ASSIGN_OR_RETURN(k.list_next, Member(list_head, "next"));
  CSD_ASSIGN_OR_RETURN(k.list_prev, Member(list_head, "prev"));

  CSD_ASSIGN_OR_RETURN(StructLayout csdev, info.Struct("coresight_device"));
  k.csdev_size = csdev.size;
  CSD_ASSIGN_OR_RETURN(k.csdev_kobj_name, info.MemberPath("coresight_device", "dev.kobj.name"));
  CSD_ASSIGN_OR_RETURN(k.csdev_init_name, info.MemberPath("coresight_device", "dev.init_name"));

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
