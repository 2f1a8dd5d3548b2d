// SPDX-License-Identifier: MIT
// Writes the decoder-ready formats (OpenCSD snapshot, perf.data) into OUT
// and describes them for the manifest. A format that cannot be derived from
// the DumpSet (nothing to decode, no kernel text address) is skipped with a
// warning; guesses made for missing metadata are listed once for both.
#pragma once

#include <vector>

#include "base/error.h"
#include "coresight/dump_set.h"
#include "output/generated_file.h"
#include "output/manifest.h"
#include "output/output_dir.h"

namespace csd {

struct DecoderFormats {
  bool opencsd = false;
  bool perf = false;
};

// The decoder files of a DumpSet, built and checked but not yet written.
// They borrow the DumpSet's buffers, so a plan must not outlive it.
struct DecoderPlan {
  struct Planned {
    const char* format;
    GeneratedFile file;
  };
  std::vector<Planned> files;
  DecoderOutputsRecord record;  // formats, guesses and warnings; `files` comes with the writing
};

// Builds the files and checks each against OUT's per-file size cap and
// overwrite policy, writing nothing: a caller that plans before writing its
// other outputs refuses a run as a whole rather than leave half of it behind.
// Errors are OutputDir's (kLimit naming --max-output-size); everything about
// the dump is in the record.
Expected<DecoderPlan> PlanDecoderOutputs(const DumpSet& dump_set, const DecoderFormats& formats,
                                         const OutputDir& out);

// Writes a plan of the same `dump_set`. `raw_files`, when given, are
// WriteRawOutputs' records for it: a decoder file holding exactly a node's
// buffer reuses its digest instead of hashing the buffer again.
Expected<DecoderOutputsRecord> WriteDecoderPlan(DecoderPlan plan, const DumpSet& dump_set,
                                                OutputDir& out,
                                                const std::vector<FileRecord>* raw_files = nullptr);

// PlanDecoderOutputs then WriteDecoderPlan: every target is checked before
// the first file is written, like WriteRawOutputs.
Expected<DecoderOutputsRecord> WriteDecoderOutputs(
    const DumpSet& dump_set, const DecoderFormats& formats, OutputDir& out,
    const std::vector<FileRecord>* raw_files = nullptr);

}  // namespace csd
