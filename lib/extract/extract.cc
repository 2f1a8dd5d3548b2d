// SPDX-License-Identifier: MIT
#include "extract/extract.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "coresight/kernel_text.h"
#include "extract/inputs.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"
#include "output/decoder_writer.h"
#include "output/output_dir.h"
#include "output/raw_writer.h"
#include "output/staged_file.h"
#include "sources/trace_sources.h"

namespace csd {

namespace {

ExtractError Failed(ExtractStage stage, Error error) {
  return ExtractError{stage, std::move(error)};
}

// The warnings the manifest records with the trace, told to the caller too:
// what the decoder writers guessed or skipped, then the set's and each
// node's own.
void ForwardRecordedWarnings(const DumpSet& set, const DecoderOutputsRecord& decoder,
                             DiagnosticSink& diagnostics) {
  for (const auto& guess : decoder.guesses) diagnostics.Warn("guessed: " + guess);
  for (const auto& warning : decoder.warnings) diagnostics.Warn(warning);
  for (const auto& warning : set.warnings) diagnostics.Warn(warning);
  for (const auto& node : set.nodes) {
    const std::string who = fmt::format("node {} ({})", node.index, node.device_name.value_or("?"));
    for (const auto& warning : node.warnings) diagnostics.Warn(who + ": " + warning);
  }
}

// Runtime kernel text for the decoder formats, read before anything is
// written (the output layer never reads memory). Without it the decoders
// still get the trace, and the manifest says why the text is missing.
void AddKernelText(const KernelTarget& target, const KernelTextLimits& limits, DumpSet& set) {
  CollectingDiagnostics text_notes;
  auto text = ReadKernelText(target, limits, text_notes);
  if (!text.ok()) {
    set.warnings.push_back("no kernel text for the decoders: " + text.error().Describe());
    return;
  }
  set.memory_images.push_back(std::move(*text));
  for (const auto& note : text_notes.warnings()) set.warnings.push_back(note);
}

}  // namespace

Expected<ExtractReport, ExtractError> Extract(const ExtractRequest& request,
                                              DiagnosticSink& diagnostics) {
  const KernelLimits& kernel_limits = request.target.limits;
  auto dump = OpenInputDump(request.dump, request.debuginfo, kernel_limits, diagnostics);
  if (!dump.ok()) return Failed(ExtractStage::kDump, std::move(dump).error());
  auto vmlinux = OpenVmlinux(request.debuginfo, **dump, kernel_limits, diagnostics);
  if (!vmlinux.ok()) return Failed(ExtractStage::kVmlinux, std::move(vmlinux).error());
  auto target = KernelTarget::Open(**dump, *vmlinux, request.target, diagnostics);
  if (!target.ok()) return Failed(ExtractStage::kTarget, std::move(target).error());
  // Modules are looked for only when the trace is not in vmlinux; the
  // standard places are those of the crashed kernel's release.
  const DebuginfoSearch search = DebuginfoSearchFor(request.debuginfo, TargetRelease(*target, *vmlinux));
  KernelSymbols symbols(*target, search);

  // OUT is opened before the trace is read: large sink buffers are streamed
  // into it as they are read (output/staged_file.h) and become their output
  // files without a second copy. A run that fails before writing a file
  // removes the OUT it created, as if it had never been opened.
  const OutputRequest& output = request.output;
  const uint64_t default_cap = std::max(uint64_t{4} << 30, request.read_limits.max_buffer_size);
  auto out = OutputDir::Create(output.directory, output.force,
                               OutputDirOptions{.max_file_size = output.max_file_size.value_or(default_cap)});
  if (!out.ok()) return Failed(ExtractStage::kOutput, std::move(out).error());
  ExtractReport report;
  // rmdir(2) keeps an OUT that holds anything, so this is safe after writes.
  auto fail_after_out = [&](ExtractStage stage, Error error) {
    report.set.nodes.clear();  // drops the staged buffers, emptying OUT of them
    out->RemoveIfUnused();
    return Failed(stage, std::move(error));
  };
  // The manifest is written last, after every format, so check it up front:
  // a refused run writes nothing (and reads no sink).
  if (auto writable = out->CheckWritable(kManifestFileName); !writable.ok()) {
    return fail_after_out(ExtractStage::kOutput, std::move(writable).error());
  }
  OutputDirStaging staging(*out);
  const auto sources = AllTraceSources();
  auto set = ReadTrace(sources, TraceSourceContext{.target = *target,
                                                   .symbols = symbols,
                                                   .limits = request.read_limits,
                                                   .diagnostics = diagnostics,
                                                   .staging = &staging});
  if (!set.ok()) return fail_after_out(ExtractStage::kTrace, std::move(set).error());
  report.set = std::move(*set);

  if (output.formats.opencsd || output.formats.perf) {
    AddKernelText(*target, request.text_limits, report.set);
  }
  // The decoder files too are checked before anything is written (perf.data
  // holds every sink, so it is the first to reach the output cap).
  auto decoder_plan = PlanDecoderOutputs(
      report.set, DecoderFormats{.opencsd = output.formats.opencsd, .perf = output.formats.perf},
      *out);
  if (!decoder_plan.ok()) return fail_after_out(ExtractStage::kOutput, std::move(decoder_plan).error());
  if (output.formats.raw) {
    auto raw = WriteRawOutputs(report.set, *out, WriteOptions{.write_manifest = false});
    if (!raw.ok()) return fail_after_out(ExtractStage::kOutput, std::move(raw).error());
    report.files = std::move(raw->files);
  }
  // The snapshot's copies of the sinks reuse the raw files' digests.
  auto decoder = WriteDecoderPlan(std::move(*decoder_plan), report.set, *out, &report.files);
  if (!decoder.ok()) return fail_after_out(ExtractStage::kOutput, std::move(decoder).error());
  report.decoder = std::move(*decoder);
  if (auto written = WriteManifest(report.set, report.files, report.decoder, *out); !written.ok()) {
    return fail_after_out(ExtractStage::kOutput, std::move(written).error());
  }
  ForwardRecordedWarnings(report.set, report.decoder, diagnostics);
  // Everything is on disk: the report keeps the description, not the bytes.
  for (auto& node : report.set.nodes) node.data.reset();
  report.set.memory_images.clear();
  return report;
}

}  // namespace csd
