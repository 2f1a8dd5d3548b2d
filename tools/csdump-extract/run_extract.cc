// SPDX-License-Identifier: MIT
// The main job: one call to the library's Extract(), then the report.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.h"
#include "extract/extract.h"
#include "report.h"

namespace csd::cli {

namespace {

std::string NodeNote(const DumpNode& node) {
  std::string note;
  if (node.etm && node.etm->validated()) {
    const EtmProtocol protocol = node.etm->protocol();
    note = protocol == EtmProtocol::kEtmV4
               ? fmt::format("  trace id {:#x}", node.etm->trace_id())
               : fmt::format("  {} trace id {:#x}", EtmProtocolName(protocol), node.etm->trace_id());
  }
  if (node.starts_with_barrier) note += "  (wrapped: starts with a barrier)";
  if (node.error) note += "  ERROR: " + node.error->Describe();
  return note;
}

void PrintSummary(const ExtractReport& report, const std::string& out_dir) {
  const DumpSet& set = report.set;
  const auto& t = set.target;
  PrintLine(fmt::format("{}: {} {} ({}), kernel {}, KASLR offset {:#x}", t.dump_path,
                        t.dump_format, t.dump_producer.empty() ? "" : t.dump_producer, t.arch,
                        t.osrelease.value_or("?"), t.kaslr_offset));
  std::string where;
  if (set.list.module) {
    where = fmt::format(" in module {} ({}, build-id {}, matched by {})", set.list.module->name,
                        set.list.module->debuginfo, set.list.module->build_id.value_or("unknown"),
                        set.list.module->matched_by);
  }
  PrintLine(fmt::format("{} at {:#x}{}: {} node(s)", set.list.symbol, set.list.address, where,
                        set.nodes.size()));
  for (const auto& node : set.nodes) {
    std::string file = "-";
    for (const auto& record : report.files) {
      if (record.node_index == node.index) file = record.path;
    }
    PrintLine(fmt::format("  [{}] {:<12} cpu{:<3} {:<20} {:>10} bytes -> {}{}", node.index,
                          NodeKindName(node.kind), node.cpu, node.device_name.value_or("?"),
                          node.buf_size, file, NodeNote(node)));
  }
  if (set.walk_error) PrintLine(fmt::format("list walk stopped early: {}", *set.walk_error));
  PrintLine(fmt::format("wrote {} file(s) and manifest.json to {}", report.files.size(), out_dir));
  if (!report.decoder.files.empty()) {
    PrintLine(fmt::format("wrote {} decoder file(s) ({}) to {}", report.decoder.files.size(),
                          fmt::join(report.decoder.formats, ", "), out_dir));
  }
}

}  // namespace

int RunExtract(const Options& options) {
  CollectingDiagnostics diagnostics;
  auto report = Extract(options.request, diagnostics);
  if (!report.ok()) return Fail(report.error().stage, report.error().error, diagnostics);
  const std::string out_dir = options.request.output.directory.string();
  if (!options.quiet) PrintSummary(*report, out_dir);
  PrintWarnings(diagnostics.warnings());
  for (const auto& node : report->set.nodes) {
    if (node.error) {
      PrintError(fmt::format("node {} ({}): {}", node.index, node.device_name.value_or("?"),
                             node.error->Describe()));
    }
  }
  return report->complete() ? kExitOk : kExitPartial;
}

}  // namespace csd::cli
