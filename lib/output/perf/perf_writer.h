// SPDX-License-Identifier: MIT
// OUT/perf.data for `perf script -i OUT/perf.data --vmlinux VMLINUX`,
// generated field by field (formats.md §2.5; never a captured template):
//
//   header     PERFILE2, one attr (CoreSight PMU type, sample_id_all, one id)
//   data       kernel MMAP "[kernel.kallsyms]_text" at the runtime _text
//              (pgoff = runtime _text, which is how perf applies KASLR),
//              AUXTRACE_INFO (cs_etm header version 1, one ETMv4 block per CPU),
//              per sink: PERF_RECORD_AUX + AUXTRACE with the sink bytes,
//              FINISHED_ROUND
//   features   HEADER_BUILD_ID (the vmlinux's, when known), HEADER_ARCH
//              ("aarch64", or "armv7l" for a 32-bit ARM target, from the
//              DumpSet's target arch), HEADER_AUXTRACE (the index of the
//              AUXTRACE records)
//
// Sinks are laid out back to back in one AUX space per CPU, so each AUX
// record matches exactly one AUXTRACE buffer even when sinks share a CPU.
#pragma once

#include <cstdint>

#include "base/error.h"
#include "coresight/dump_set.h"
#include "output/decoder_inputs.h"
#include "output/generated_file.h"

namespace csd {

inline constexpr const char* kPerfDataFile = "perf.data";

struct PerfOptions {
  // Any value works offline as long as the attr and AUXTRACE_INFO agree.
  uint32_t pmu_type = 8;
  uint64_t sample_id = 42;
};

// The sink payloads are borrowed from `inputs` (the DumpSet's buffers), so
// the result must not outlive them; the rest is encoded in pieces around them.
// kInvalidArgument when there is nothing to decode (no sink, no CPU), no
// runtime _text (no memory image) or the target is neither arm64 nor arm;
// kLimit when a record would overflow its
// 16-bit size (thousands of CPUs).
Expected<GeneratedFile> BuildPerfData(const DumpSet& dump_set, const DecoderInputs& inputs,
                                      const PerfOptions& options = {});

}  // namespace csd
