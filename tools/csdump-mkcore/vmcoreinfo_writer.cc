// SPDX-License-Identifier: MIT
#include "csdump-mkcore/vmcoreinfo_writer.h"

#include <fmt/format.h>

#include <algorithm>

namespace csd::mkcore {

VmcoreinfoLines DefaultVmcoreinfo(const VmcoreinfoValues& v) {
  VmcoreinfoLines lines;
  lines.emplace_back("OSRELEASE", v.osrelease);
  if (v.build_id) lines.emplace_back("BUILD-ID", *v.build_id);
  lines.emplace_back("PAGESIZE", fmt::format("{}", v.page_size));
  lines.emplace_back("SYMBOL(init_uts_ns)", fmt::format("{:x}", v.init_uts_ns));
  lines.emplace_back("OFFSET(uts_namespace.name)", fmt::format("{}", v.uts_name_offset));
  lines.emplace_back("SYMBOL(swapper_pg_dir)", fmt::format("{:x}", v.swapper_pg_dir));
  lines.emplace_back("SYMBOL(_stext)", fmt::format("{:x}", v.stext));
  // kernel/crash_core.c under CONFIG_SPARSEMEM (always on arm64), after the
  // mem_section lines; 4.14 kernels do not print it.
  lines.emplace_back("NUMBER(MAX_PHYSMEM_BITS)", fmt::format("{}", v.max_physmem_bits));
  // arch_crash_save_vmcoreinfo() (arch/arm64/kernel/crash_core.c)
  lines.emplace_back("NUMBER(VA_BITS)", fmt::format("{}", v.va_bits));
  lines.emplace_back("NUMBER(kimage_voffset)", fmt::format("{:#x}", v.kimage_voffset));
  lines.emplace_back("NUMBER(PHYS_OFFSET)", fmt::format("{:#x}", v.phys_offset));
  lines.emplace_back("KERNELOFFSET", fmt::format("{:x}", v.kaslr_offset));
  // The runtime T1SZ, printed "0x%llx" (bbdbc11804ff, v5.9): 0xc on an LPA2
  // or FEAT_LPA machine running 52-bit VAs.
  lines.emplace_back("NUMBER(TCR_EL1_T1SZ)", fmt::format("{:#x}", 64 - v.va_bits));
  // Appended at crash time by crash_save_vmcoreinfo().
  lines.emplace_back("CRASHTIME", fmt::format("{}", v.crashtime));
  return lines;
}

Expected<VmcoreinfoLines> ApplyVmcoreinfoEdits(VmcoreinfoLines lines,
                                               const VmcoreinfoEdits& edits) {
  for (const std::string& key : edits.omit) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const auto& line) { return line.first == key; });
    if (it == lines.end()) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("spec.vmcoreinfo.omit: key \"{}\" is not in the note (nothing to omit)",
                      key));
    }
    lines.erase(it);
  }
  for (const auto& [key, value] : edits.set) {
    auto it = std::find_if(lines.begin(), lines.end(),
                           [&](const auto& line) { return line.first == key; });
    if (it != lines.end()) {
      it->second = value;
    } else {
      lines.emplace_back(key, value);
    }
  }
  return lines;
}

std::string RenderVmcoreinfo(const VmcoreinfoLines& lines) {
  std::string text;
  for (const auto& [key, value] : lines) text += fmt::format("{}={}\n", key, value);
  return text;
}

}  // namespace csd::mkcore
