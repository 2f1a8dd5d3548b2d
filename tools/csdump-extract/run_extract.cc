// SPDX-License-Identifier: MIT
// The main job: dump -> kernel target -> panic-dump list -> files.
#include <fmt/format.h>

#include "commands.h"
#include "coresight/panic_list.h"
#include "debuginfo/debug_info.h"
#include "dump/dump_file.h"
#include "kernel/kernel_target.h"
#include "output/output_dir.h"
#include "output/raw_writer.h"
#include "report.h"

namespace csd::cli {

namespace {

void PrintSummary(const DumpSet& set, const WriteReport& report, const std::string& out_dir) {
  const auto& t = set.target;
  fmt::print("{}: {} {} ({}), kernel {}, KASLR offset {:#x}\n", t.dump_path, t.dump_format,
             t.dump_producer.empty() ? "" : t.dump_producer, t.arch, t.osrelease.value_or("?"),
             t.kaslr_offset);
  fmt::print("{} at {:#x}: {} node(s)\n", set.list.symbol, set.list.address, set.nodes.size());
  for (const auto& node : set.nodes) {
    std::string file = "-";
    for (const auto& record : report.files) {
      if (record.node_index == node.index) file = record.path;
    }
    std::string note;
    if (node.etm) note = fmt::format("  trace id {:#x}", node.etm->trace_id());
    if (node.starts_with_barrier) note += "  (wrapped: starts with a barrier)";
    if (node.error) note += "  ERROR: " + *node.error;
    fmt::print("  [{}] {:<12} cpu{:<3} {:<20} {:>10} bytes -> {}{}\n", node.index,
               NodeKindName(node.kind), node.cpu, node.device_name.value_or("?"), node.buf_size,
               file, note);
  }
  if (set.walk_error) fmt::print("list walk stopped early: {}\n", *set.walk_error);
  fmt::print("wrote {} file(s) and manifest.json to {}\n", report.files.size(), out_dir);
}

void CollectNodeWarnings(const DumpSet& set, std::vector<std::string>& out) {
  for (const auto& warning : set.warnings) out.push_back(warning);
  for (const auto& node : set.nodes) {
    const std::string who = fmt::format("node {} ({})", node.index, node.device_name.value_or("?"));
    for (const auto& warning : node.warnings) out.push_back(who + ": " + warning);
  }
}

}  // namespace

int RunExtract(const Options& options) {
  CollectingDiagnostics diagnostics;
  auto finish = [&](int code) {
    PrintWarnings(diagnostics.warnings());
    return code;
  };

  DumpOpenOptions dump_options;
  dump_options.zero_fill_excluded = options.zero_fill_excluded;
  auto dump = OpenDump(options.vmcore, dump_options, diagnostics);
  if (!dump.ok()) {
    PrintError(dump.error().Describe());
    return finish(ExitCodeFor(Stage::kDump, dump.error()));
  }
  auto vmlinux = DebugInfo::Open(*options.vmlinux);
  if (!vmlinux.ok()) {
    PrintError(vmlinux.error().Describe());
    return finish(ExitCodeFor(Stage::kVmlinux, vmlinux.error()));
  }
  TargetOptions target_options;
  target_options.overrides = options.overrides;
  target_options.allow_mismatch = options.allow_mismatch;
  auto target = KernelTarget::Open(**dump, *vmlinux, target_options, diagnostics);
  if (!target.ok()) {
    PrintError(target.error().Describe());
    return finish(ExitCodeFor(Stage::kTarget, target.error()));
  }
  auto set = ReadPanicDumpList(*target, options.limits, diagnostics);
  if (!set.ok()) {
    PrintError(set.error().Describe());
    return finish(ExitCodeFor(Stage::kList, set.error()));
  }

  auto out = OutputDir::Create(options.output_dir, options.force);
  if (!out.ok()) {
    PrintError(out.error().Describe());
    return finish(ExitCodeFor(Stage::kOutput, out.error()));
  }
  auto report = WriteRawOutputs(*set, *out, WriteOptions{});
  if (!report.ok()) {
    PrintError(report.error().Describe());
    return finish(ExitCodeFor(Stage::kOutput, report.error()));
  }
  if (!options.quiet) PrintSummary(*set, *report, options.output_dir);
  std::vector<std::string> node_warnings;
  CollectNodeWarnings(*set, node_warnings);
  PrintWarnings(node_warnings);
  for (const auto& node : set->nodes) {
    if (node.error) {
      PrintError(fmt::format("node {} ({}): {}", node.index, node.device_name.value_or("?"),
                             *node.error));
    }
  }
  return finish(set->complete() ? kExitOk : kExitPartial);
}

}  // namespace csd::cli
