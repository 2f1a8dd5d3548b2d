// SPDX-License-Identifier: MIT
// VMCOREINFO text, then every typed accessor the translation setup uses.
#include <string_view>

#include "kernel/vmcoreinfo.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  csd::CollectingDiagnostics diagnostics;
  auto info = csd::Vmcoreinfo::Parse(std::string_view(reinterpret_cast<const char*>(data), size),
                                     diagnostics);
  if (!info.ok()) return 0;
  (void)info->OsRelease();
  (void)info->BuildId();
  (void)info->PageSize();
  (void)info->KernelOffset();
  (void)info->Symbol("swapper_pg_dir");
  (void)info->Offset("uts_namespace.name");
  for (const char* number : {"VA_BITS", "PHYS_OFFSET", "kimage_voffset", "TCR_EL1_T1SZ"}) {
    (void)info->Number(number);
  }
  (void)info->HasConfig("ARM_LPAE");
  return 0;
}
