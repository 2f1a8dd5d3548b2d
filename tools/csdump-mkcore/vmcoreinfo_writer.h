// SPDX-License-Identifier: MIT
// The VMCOREINFO note text, formatted the way arm64 kernels write it
// (formats.md §3.3): SYMBOL/KERNELOFFSET/BUILD-ID in hex without 0x, OFFSET,
// MAX_PHYSMEM_BITS and VA_BITS in decimal, the arm64 NUMBERs
// kimage_voffset/PHYS_OFFSET/TCR_EL1_T1SZ as 0x hex. Keys come out in the
// kernel's order (generic crash_save_vmcoreinfo_init() lines, then
// arch_crash_save_vmcoreinfo()), then spec "set" additions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

struct VmcoreinfoValues {
  std::string osrelease;
  std::optional<std::string> build_id;  // lowercase hex; line left out when absent
  uint64_t page_size = 4096;
  uint64_t init_uts_ns = 0;      // runtime addresses
  uint64_t uts_name_offset = 0;  // OFFSET(uts_namespace.name)
  uint64_t swapper_pg_dir = 0;
  uint64_t stext = 0;
  unsigned va_bits = 48;
  unsigned max_physmem_bits = 48;  // CONFIG_ARM64_PA_BITS
  uint64_t kimage_voffset = 0;
  uint64_t phys_offset = 0;
  uint64_t kaslr_offset = 0;
  uint64_t crashtime = 1700000000;  // fixed: the core must be reproducible
};

using VmcoreinfoLines = std::vector<std::pair<std::string, std::string>>;

VmcoreinfoLines DefaultVmcoreinfo(const VmcoreinfoValues& values);
// Applies spec edits: "omit" removes a key (kInvalidArgument naming it if it
// is not there, so a typo is caught), "set" replaces a value in place or
// appends a new key.
Expected<VmcoreinfoLines> ApplyVmcoreinfoEdits(VmcoreinfoLines lines, const VmcoreinfoEdits& edits);
std::string RenderVmcoreinfo(const VmcoreinfoLines& lines);

}  // namespace csd::mkcore
