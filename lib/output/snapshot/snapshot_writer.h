// SPDX-License-Identifier: MIT
// The OpenCSD snapshot directory (formats.md §1), generated from a DumpSet so
// that `trc_pkt_lister -ss_dir OUT/opencsd -decode` reads it as it is:
//
//   opencsd/snapshot.ini        [snapshot] version, [device_list], [trace]
//   opencsd/trace.ini           one [bufferN] per sink, [source_buffers], [core_trace_sources]
//   opencsd/ETM_<cpu>.ini       one trace source per CPU (ETM4, ETE, ETM3 or PTM1), registers
//                               from the metadata
//   opencsd/cpu_<cpu>.ini       one core per CPU, with a [dumpN] per memory image
//   opencsd/<sink>.bin          each sink's bytes (whole 16-byte frames)
//   opencsd/kernel_text.bin     each memory image (kernel_text-1.bin, ... for more)
//
// A snapshot source can feed only one buffer (OpenCSD keeps the last
// [source_buffers] entry per source), so opencsd/ ties every source to the
// first sink, and each further sink gets its own directory
// opencsd-<sink>/ with the same ini files, its buffer, and [dumpN] entries
// pointing at ../opencsd/kernel_text.bin: every sink decodes as it is.
#pragma once

#include <string>
#include <vector>

#include "coresight/dump_set.h"
#include "output/decoder_inputs.h"
#include "output/generated_file.h"

namespace csd {

inline constexpr const char* kSnapshotDir = "opencsd";

// The ini text, exposed for golden tests; paths are relative to OUT. Data
// files borrow their bytes from `dump_set` and `inputs`, which must outlive
// the result.
std::vector<GeneratedFile> BuildSnapshot(const DumpSet& dump_set, const DecoderInputs& inputs);

}  // namespace csd
