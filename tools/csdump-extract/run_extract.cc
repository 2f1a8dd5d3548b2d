// SPDX-License-Identifier: MIT
// The main job: dump -> kernel target -> panic-dump list -> files.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>

#include "commands.h"
#include "coresight/kernel_text.h"
#include "coresight/panic_list.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"
#include "open_input.h"
#include "output/decoder_writer.h"
#include "output/output_dir.h"
#include "output/raw_writer.h"
#include "output/staged_file.h"
#include "report.h"

namespace csd::cli {

namespace {

void PrintSummary(const DumpSet& set, const WriteReport& report, const std::string& out_dir) {
  const auto& t = set.target;
  fmt::print("{}: {} {} ({}), kernel {}, KASLR offset {:#x}\n", t.dump_path, t.dump_format,
             t.dump_producer.empty() ? "" : t.dump_producer, t.arch, t.osrelease.value_or("?"),
             t.kaslr_offset);
  std::string where;
  if (set.list.module) {
    where = fmt::format(" in module {} ({}, build-id {}, matched by {})", set.list.module->name,
                        set.list.module->debuginfo, set.list.module->build_id.value_or("unknown"),
                        set.list.module->matched_by);
  }
  fmt::print("{} at {:#x}{}: {} node(s)\n", set.list.symbol, set.list.address, where,
             set.nodes.size());
  for (const auto& node : set.nodes) {
    std::string file = "-";
    for (const auto& record : report.files) {
      if (record.node_index == node.index) file = record.path;
    }
    std::string note;
    if (node.etm && node.etm->validated()) {
      const EtmProtocol protocol = node.etm->protocol();
      note =
          protocol == EtmProtocol::kEtmV4
              ? fmt::format("  trace id {:#x}", node.etm->trace_id())
              : fmt::format("  {} trace id {:#x}", EtmProtocolName(protocol), node.etm->trace_id());
    }
    if (node.starts_with_barrier) note += "  (wrapped: starts with a barrier)";
    if (node.error) note += "  ERROR: " + node.error->Describe();
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

// The named vmlinux, or the one the dump's BUILD-ID and OSRELEASE lead to.
Expected<DebugInfo> OpenVmlinux(const Options& options, const DumpFile& dump,
                                CollectingDiagnostics& diagnostics) {
  if (options.vmlinux) return DebugInfo::Open(*options.vmlinux);
  CollectingDiagnostics quiet;  // ReadVmcoreinfo's warnings are repeated by the target
  auto vmcoreinfo = ReadVmcoreinfo(dump, options.kernel_limits, quiet);
  if (!vmcoreinfo.ok()) return vmcoreinfo.error();
  const std::string release = vmcoreinfo->OsRelease().value_or("");
  auto build_id = vmcoreinfo->BuildId();
  if (build_id) {
    std::transform(build_id->begin(), build_id->end(), build_id->begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  const DebuginfoSearch search = DebuginfoSearchFrom(options, release);
  ModuleDebuginfoLookup lookup =
      search.FindVmlinux(build_id, !release.empty() && BuildIdUnreliable(release));
  if (!lookup.found) {
    return Error(ErrorCode::kLookup,
                 fmt::format("no VMLINUX given and none found for release \"{}\" build-id {}: "
                             "name it, or point --debuginfo/--sysroot at the debug files; "
                             "looked at: {}",
                             release, build_id.value_or("unknown"), fmt::join(lookup.tried, "; ")));
  }
  diagnostics.Warn(fmt::format("no VMLINUX given: using {} (matched by {})",
                               lookup.found->info.path().string(), lookup.found->matched_by));
  return std::move(lookup.found->info);
}

}  // namespace

int RunExtract(const Options& options) {
  CollectingDiagnostics diagnostics;
  auto finish = [&](int code) {
    PrintWarnings(diagnostics.warnings());
    return code;
  };

  auto dump = OpenInputDump(options, DumpOptionsFrom(options), diagnostics);
  if (!dump.ok()) return Fail(Stage::kDump, dump.error(), diagnostics);
  auto vmlinux = OpenVmlinux(options, **dump, diagnostics);
  if (!vmlinux.ok()) return Fail(Stage::kVmlinux, vmlinux.error(), diagnostics);
  auto target = KernelTarget::Open(**dump, *vmlinux, TargetOptionsFrom(options), diagnostics);
  if (!target.ok()) return Fail(Stage::kTarget, target.error(), diagnostics);
  // Modules are looked for only when the list is not in vmlinux; the
  // standard places are those of the crashed kernel's release.
  const DebuginfoSearch search = DebuginfoSearchFrom(options, TargetRelease(*target, *vmlinux));
  KernelSymbols symbols(*target, search);

  // OUT is opened before the list is read: large sink buffers are streamed
  // into it as they are read (output/staged_file.h) and become their output
  // files without a second copy. A run that fails before writing a file
  // removes the OUT it created, as if it had never been opened.
  const uint64_t default_output_cap = std::max(uint64_t{4} << 30, options.limits.max_buffer_size);
  auto out = OutputDir::Create(
      options.output_dir, options.force,
      OutputDirOptions{.max_file_size = options.max_output_size.value_or(default_output_cap)});
  if (!out.ok()) return Fail(Stage::kOutput, out.error(), diagnostics);
  Expected<DumpSet> set = Error(ErrorCode::kInvalidArgument, "the list was not read");
  // rmdir(2) keeps an OUT that holds anything, so this is safe after writes.
  auto fail_after_out = [&](Stage stage, const Error& error) {
    if (set.ok()) set->nodes.clear();  // drops the staged buffers, emptying OUT of them
    out->RemoveIfUnused();
    return Fail(stage, error, diagnostics);
  };
  // The manifest is written last, after every format, so check it up front:
  // a refused run writes nothing (and reads no sink).
  if (auto writable = out->CheckWritable(kManifestFileName); !writable.ok()) {
    return fail_after_out(Stage::kOutput, writable.error());
  }
  OutputDirStaging staging(*out);
  set = ReadPanicDumpList(*target, symbols, options.limits, diagnostics, &staging);
  if (!set.ok()) return fail_after_out(Stage::kList, set.error());

  if (options.format_opencsd || options.format_perf) {
    // Read before anything is written: the decoder formats need the text,
    // and the output layer never reads memory.
    std::string text_warning;
    auto text = ReadKernelText(*target, options.text_limits, &text_warning);
    if (text.ok()) {
      set->memory_images.push_back(std::move(*text));
      if (!text_warning.empty()) set->warnings.push_back(text_warning);
    } else {
      set->warnings.push_back("no kernel text for the decoders: " + text.error().Describe());
    }
  }
  // The decoder files too are checked before anything is written (perf.data
  // holds every sink, so it is the first to reach --max-output-size).
  auto decoder_plan = PlanDecoderOutputs(
      *set, DecoderFormats{.opencsd = options.format_opencsd, .perf = options.format_perf}, *out);
  if (!decoder_plan.ok()) return fail_after_out(Stage::kOutput, decoder_plan.error());
  Expected<WriteReport> report = WriteReport{};
  if (options.format_raw)
    report = WriteRawOutputs(*set, *out, WriteOptions{.write_manifest = false});
  if (!report.ok()) return fail_after_out(Stage::kOutput, report.error());
  // The snapshot's copies of the sinks reuse the raw files' digests.
  auto decoder = WriteDecoderPlan(std::move(*decoder_plan), *set, *out, &report->files);
  if (!decoder.ok()) return fail_after_out(Stage::kOutput, decoder.error());
  if (auto written = WriteManifest(*set, report->files, *decoder, *out); !written.ok()) {
    return fail_after_out(Stage::kOutput, written.error());
  }
  std::vector<std::string> decoder_notes;
  for (const auto& guess : decoder->guesses) decoder_notes.push_back("guessed: " + guess);
  for (const auto& warning : decoder->warnings) decoder_notes.push_back(warning);
  PrintWarnings(decoder_notes);
  if (!options.quiet) PrintSummary(*set, *report, options.output_dir);
  if (!options.quiet && !decoder->files.empty()) {
    fmt::print("wrote {} decoder file(s) ({}) to {}\n", decoder->files.size(),
               fmt::join(decoder->formats, ", "), options.output_dir);
  }
  std::vector<std::string> node_warnings;
  CollectNodeWarnings(*set, node_warnings);
  PrintWarnings(node_warnings);
  for (const auto& node : set->nodes) {
    if (node.error) {
      PrintError(fmt::format("node {} ({}): {}", node.index, node.device_name.value_or("?"),
                             node.error->Describe()));
    }
  }
  return finish(set->complete() ? kExitOk : kExitPartial);
}

}  // namespace csd::cli
