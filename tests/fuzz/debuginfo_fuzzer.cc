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
  // Anchored lookups read .symtab's file runs, .debug_aranges, and a unit's
  // header and abbreviations by hand, and open a one-unit view of it: first,
  // as extraction does, then the full scan behind them.
  (void)info->UnitOf("coresight_dump_list");
  (void)info->Struct("coresight_dump_node", {"coresight_dump_list"});
  (void)info->MemberPath("coresight_device", "dev.kobj.name", {"coresight_dump_list"});
  (void)info->Struct("coresight_dump_node");
  (void)info->Struct("list_head");
  (void)info->Struct("module_sect_attrs", {"mod_sysfs_setup", "coresight_dump_add", "_text"});
  (void)info->MemberPath("coresight_device", "dev.init_name");
  (void)info->MemberPath("uts_namespace", "name.release");
  (void)info->VariableType("coresight_dump_list");
  return 0;
}
