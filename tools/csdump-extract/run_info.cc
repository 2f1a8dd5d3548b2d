// SPDX-License-Identifier: MIT
// `info`: what the dump is and how we would translate it, in a stable text
// form that tests compare against.
#include <fmt/format.h>

#include "commands.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "extract/inputs.h"
#include "kernel/kernel_target.h"
#include "kernel/module_list.h"
#include "report.h"

namespace csd::cli {

namespace {

void PrintDump(const DumpFile& dump) {
  PrintLine(fmt::format("dump: {}", dump.path().string()));
  PrintLine(fmt::format("format: {}", dump.FormatName()));
  PrintLine(fmt::format("producer: {}", dump.Producer().empty() ? "unknown" : dump.Producer()));
  PrintLine(fmt::format("arch: {}", ArchName(dump.arch())));
  PrintLine(fmt::format("endian: {}", dump.endian() == Endian::kLittle ? "little" : "big"));
  PrintLine(fmt::format("segments: {}", dump.segments().size()));
  for (size_t i = 0; i < dump.segments().size(); ++i) {
    const auto& s = dump.segments()[i];
    PrintLine(fmt::format("  [{}] paddr {:#x} vaddr {:#x} file_offset {:#x} file_size {:#x} mem_size {:#x}",
               i, s.paddr, s.vaddr, s.file_offset, s.file_size, s.mem_size));
  }
  size_t prstatus = 0;
  for (const auto& note : dump.notes()) {
    if (note.name == "CORE" && note.type == 1) ++prstatus;
  }
  PrintLine(fmt::format("notes: {} ({} NT_PRSTATUS)", dump.notes().size(), prstatus));
  const auto facts = dump.Describe();
  if (!facts.empty()) {
    PrintLine(fmt::format("container:"));
    for (const auto& [key, value] : facts) PrintLine(fmt::format("  {}: {}", key, value));
  }
}

void PrintVmcoreinfo(const Vmcoreinfo& vmcoreinfo) {
  PrintLine(fmt::format("vmcoreinfo: {} lines", vmcoreinfo.lines().size()));
  for (const auto& [key, value] : vmcoreinfo.lines()) PrintLine(fmt::format("  {}={}", key, value));
}

void PrintParameters(const std::vector<DerivedValue>& derived) {
  PrintLine(fmt::format("translation:"));
  for (const auto& value : derived) {
    PrintLine(fmt::format("  {} = {}  [{}]", value.name, value.value, value.source));
  }
}

// The loaded modules and the debug file each would be read from: what a user
// checks when the panic-dump list is in a module. Kernels without a module
// list print nothing here.
void PrintModules(const KernelTarget& target, const DebuginfoInput& input,
                  const DebugInfo& vmlinux) {
  auto modules = ReadModuleList(target, ModuleListLimits{});
  if (!modules.ok()) return;
  const DebuginfoSearch search = DebuginfoSearchFor(input, TargetRelease(target, vmlinux));
  PrintLine(fmt::format("modules: {}", modules->modules.size()));
  for (const LoadedModule& module : modules->modules) {
    std::string debuginfo = "-";
    if (!module.name.empty()) {
      auto lookup = search.FindModule(module.name, module.build_id);
      if (lookup.found) {
        debuginfo =
            fmt::format("{} (by {})", lookup.found->info.path().string(), lookup.found->matched_by);
      }
    }
    PrintLine(fmt::format("  {} at {:#x} state {} build-id {} sections {} debuginfo {}{}",
               module.name.empty() ? "?" : module.name, module.address, module.state,
               module.build_id.value_or("unknown"), module.sections.size(), debuginfo,
               module.error ? "  error: " + *module.error : ""));
  }
  if (modules->walk_error) PrintLine(fmt::format("  module list walk stopped: {}", *modules->walk_error));
}

}  // namespace

int RunInfo(const Options& options) {
  CollectingDiagnostics diagnostics;
  auto finish = [&](int code) {
    PrintWarnings(diagnostics.warnings());
    return code;
  };
  const ExtractRequest& request = options.request;
  auto dump = OpenInputDump(request.dump, request.debuginfo, request.target.limits, diagnostics);
  if (!dump.ok()) return Fail(ExtractStage::kDump, dump.error(), diagnostics);
  PrintDump(**dump);
  auto vmcoreinfo = ReadVmcoreinfo(**dump, request.target.limits, diagnostics);
  if (!vmcoreinfo.ok()) return Fail(ExtractStage::kDump, vmcoreinfo.error(), diagnostics);
  PrintVmcoreinfo(*vmcoreinfo);

  if (!request.debuginfo.vmlinux) {
    auto setup =
        SetUpTranslation(**dump, *vmcoreinfo, nullptr, request.target.overrides, diagnostics);
    if (!setup.ok()) return Fail(ExtractStage::kTarget, setup.error(), diagnostics);
    PrintParameters(setup->derived);
    return finish(kExitOk);
  }

  auto vmlinux = DebugInfo::Open(*request.debuginfo.vmlinux);
  if (!vmlinux.ok()) return Fail(ExtractStage::kVmlinux, vmlinux.error(), diagnostics);
  PrintLine(fmt::format("vmlinux: {}", vmlinux->path().string()));
  PrintLine(fmt::format("vmlinux build-id: {}", vmlinux->BuildId().value_or("none")));
  auto target = KernelTarget::Open(**dump, *vmlinux, request.target, diagnostics);
  if (!target.ok()) return Fail(ExtractStage::kTarget, target.error(), diagnostics);
  PrintParameters(target->summary().parameters);
  PrintLine(fmt::format("checks:"));
  for (const auto& check : target->summary().checks) PrintLine(fmt::format("  {}", check));
  PrintModules(*target, request.debuginfo, *vmlinux);
  return finish(kExitOk);
}

}  // namespace csd::cli
