// SPDX-License-Identifier: MIT
// The whole extraction as one call, for every front end (the CLI, the triage
// view, a capture-kernel hook, tests): open the dump and the vmlinux, build
// the kernel target, ask the trace sources, and write the requested outputs
// into OUT, the manifest last. Warnings of every layer, the decoder writers'
// guesses and each node's warnings all reach the caller through the one
// DiagnosticSink; nothing is printed here.
#pragma once

#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "coresight/dump_set.h"
#include "extract/extract_request.h"
#include "output/manifest.h"

namespace csd {

// Where an extraction failed; with the error's code it decides what a front
// end tells the user (the CLI's exit codes).
enum class ExtractStage {
  kDump,     // the dump cannot be opened or is not a dump
  kVmlinux,  // the vmlinux is missing, unreadable or has no DWARF
  kTarget,   // the dump cannot be translated, or the vmlinux is not its kernel
  kTrace,    // no trace source applies, or its data cannot be read
  kOutput,   // OUT cannot be written
};

struct ExtractError {
  ExtractStage stage;
  Error error;
};

struct ExtractReport {
  // The trace that was found, its buffers released once written: each node
  // keeps its description, warnings and error.
  DumpSet set;
  std::vector<FileRecord> files;  // the raw outputs, list order
  DecoderOutputsRecord decoder;   // the OpenCSD snapshot and perf.data
  bool complete() const { return set.complete(); }
};

// A run refused before anything was written leaves OUT as it was (and
// removes an OUT it created). A report may be partial (complete() false):
// the nodes that could be read were written and the others say why.
Expected<ExtractReport, ExtractError> Extract(const ExtractRequest& request,
                                              DiagnosticSink& diagnostics);

}  // namespace csd
