// SPDX-License-Identifier: MIT
// Writes the decoder-ready formats (OpenCSD snapshot, perf.data) into OUT
// and describes them for the manifest. A format that cannot be derived from
// the DumpSet (nothing to decode, no kernel text address) is skipped with a
// warning; guesses made for missing metadata are listed once for both.
#pragma once

#include <vector>

#include "base/error.h"
#include "coresight/dump_set.h"
#include "output/manifest.h"
#include "output/output_dir.h"

namespace csd {

struct DecoderFormats {
  bool opencsd = false;
  bool perf = false;
};

// Checks every target before writing the first file, like WriteRawOutputs.
// Errors are OutputDir's; everything about the dump is in the record.
// `raw_files`, when given, are WriteRawOutputs' records for the same
// `dump_set`: a decoder file holding exactly a node's buffer reuses its
// digest instead of hashing the buffer again.
Expected<DecoderOutputsRecord> WriteDecoderOutputs(
    const DumpSet& dump_set, const DecoderFormats& formats, OutputDir& out,
    const std::vector<FileRecord>* raw_files = nullptr);

}  // namespace csd
