// SPDX-License-Identifier: MIT
// Writes the decoder-ready formats (OpenCSD snapshot, perf.data) into OUT
// and describes them for the manifest. A format that cannot be derived from
// the DumpSet (nothing to decode, no kernel text address) is skipped with a
// warning; guesses made for missing metadata are listed once for both.
#pragma once

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
Expected<DecoderOutputsRecord> WriteDecoderOutputs(const DumpSet& dump_set,
                                                   const DecoderFormats& formats, OutputDir& out);

}  // namespace csd
