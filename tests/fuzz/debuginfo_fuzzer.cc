// SPDX-License-Identifier: MIT
// The DWARF layout reader over hostile ELF files: every lookup extraction does.
#include "debuginfo/debug_info.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  csd::fuzz::MemFile file(csd::fuzz::Bytes(data, size));
  if (!file.ok()) return 0;
  auto info = csd::DebugInfo::Open(file.path());
  if (!info.ok()) return 0;
  (void)info->BuildId();
  for (const char* symbol : {"coresight_dump_list", "_text", "_stext", "init_uts_ns"}) {
    auto s = info->Symbol(symbol);
    if (s.ok()) (void)info->ReadLinkTime(s->address, 256);
  }
  (void)info->Struct("coresight_dump_node");
  (void)info->Struct("list_head");
  // Anchored lookups read .debug_aranges by hand.
  (void)info->Struct("module_sect_attrs", {"mod_sysfs_setup", "coresight_dump_add", "_text"});
  (void)info->MemberPath("coresight_device", "dev.kobj.name");
  (void)info->MemberPath("uts_namespace", "name.release");
  (void)info->VariableType("coresight_dump_list");
  return 0;
}
