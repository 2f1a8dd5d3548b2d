// SPDX-License-Identifier: MIT
// `info`: what the dump is and how we would translate it, in a stable text
// form that tests compare against.
#include <fmt/format.h>

#include "commands.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "kernel/kernel_target.h"
#include "kernel/module_list.h"
#include "open_input.h"
#include "report.h"

namespace csd::cli {

namespace {

void PrintDump(const DumpFile& dump) {
  fmt::print("dump: {}\n", dump.path().string());
  fmt::print("format: {}\n", dump.FormatName());
  fmt::print("producer: {}\n", dump.Producer().empty() ? "unknown" : dump.Producer());
  fmt::print("arch: {}\n", ArchName(dump.arch()));
  fmt::print("endian: {}\n", dump.endian() == Endian::kLittle ? "little" : "big");
  fmt::print("segments: {}\n", dump.segments().size());
  for (size_t i = 0; i < dump.segments().size(); ++i) {
    const auto& s = dump.segments()[i];
    fmt::print("  [{}] paddr {:#x} vaddr {:#x} file_offset {:#x} file_size {:#x} mem_size {:#x}\n",
               i, s.paddr, s.vaddr, s.file_offset, s.file_size, s.mem_size);
  }
  size_t prstatus = 0;
  for (const auto& note : dump.notes()) {
    if (note.name == "CORE" && note.type == 1) ++prstatus;
  }
  fmt::print("notes: {} ({} NT_PRSTATUS)\n", dump.notes().size(), prstatus);
  const auto facts = dump.Describe();
  if (!facts.empty()) {
    fmt::print("container:\n");
    for (const auto& [key, value] : facts) fmt::print("  {}: {}\n", key, value);
  }
}

void PrintVmcoreinfo(const Vmcoreinfo& vmcoreinfo) {
  fmt::print("vmcoreinfo: {} lines\n", vmcoreinfo.lines().size());
  for (const auto& [key, value] : vmcoreinfo.lines()) fmt::print("  {}={}\n", key, value);
}

void PrintParameters(const std::vector<DerivedValue>& derived) {
  fmt::print("translation:\n");
  for (const auto& value : derived) {
    fmt::print("  {} = {}  [{}]\n", value.name, value.value, value.source);
  }
}

// The loaded modules and the debug file each would be read from: what a user
// checks when the panic-dump list is in a module. Kernels without a module
// list print nothing here.
void PrintModules(const KernelTarget& target, const Options& options, const DebugInfo& vmlinux) {
  auto modules = ReadModuleList(target, ModuleListLimits{});
  if (!modules.ok()) return;
  const DebuginfoSearch search = DebuginfoSearchFrom(options, TargetRelease(target, vmlinux));
  fmt::print("modules: {}\n", modules->modules.size());
  for (const LoadedModule& module : modules->modules) {
    std::string debuginfo = "-";
    if (!module.name.empty()) {
      auto lookup = search.FindModule(module.name, module.build_id);
      if (lookup.found) {
        debuginfo =
            fmt::format("{} (by {})", lookup.found->info.path().string(), lookup.found->matched_by);
      }
    }
    fmt::print("  {} at {:#x} state {} build-id {} sections {} debuginfo {}{}\n",
               module.name.empty() ? "?" : module.name, module.address, module.state,
               module.build_id.value_or("unknown"), module.sections.size(), debuginfo,
               module.error ? "  error: " + *module.error : "");
  }
  if (modules->walk_error) fmt::print("  module list walk stopped: {}\n", *modules->walk_error);
}

}  // namespace

int RunInfo(const Options& options) {
  CollectingDiagnostics diagnostics;
  auto finish = [&](int code) {
    PrintWarnings(diagnostics.warnings());
    return code;
  };
  auto dump = OpenInputDump(options, DumpOptionsFrom(options), diagnostics);
  if (!dump.ok()) return Fail(Stage::kDump, dump.error(), diagnostics);
  PrintDump(**dump);
  auto vmcoreinfo = ReadVmcoreinfo(**dump, options.kernel_limits, diagnostics);
  if (!vmcoreinfo.ok()) return Fail(Stage::kDump, vmcoreinfo.error(), diagnostics);
  PrintVmcoreinfo(*vmcoreinfo);

  if (!options.vmlinux) {
    auto setup = SetUpTranslation(**dump, *vmcoreinfo, nullptr, options.overrides, diagnostics);
    if (!setup.ok()) return Fail(Stage::kTarget, setup.error(), diagnostics);
    PrintParameters(setup->derived);
    return finish(kExitOk);
  }

  auto vmlinux = DebugInfo::Open(*options.vmlinux);
  if (!vmlinux.ok()) return Fail(Stage::kVmlinux, vmlinux.error(), diagnostics);
  fmt::print("vmlinux: {}\n", vmlinux->path().string());
  fmt::print("vmlinux build-id: {}\n", vmlinux->BuildId().value_or("none"));
  auto target = KernelTarget::Open(**dump, *vmlinux, TargetOptionsFrom(options), diagnostics);
  if (!target.ok()) return Fail(Stage::kTarget, target.error(), diagnostics);
  PrintParameters(target->summary().parameters);
  fmt::print("checks:\n");
  for (const auto& check : target->summary().checks) fmt::print("  {}\n", check);
  PrintModules(*target, options, *vmlinux);
  return finish(kExitOk);
}

}  // namespace csd::cli
