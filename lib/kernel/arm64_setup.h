// SPDX-License-Identifier: MIT
// Derives arm64 translation parameters from (in order of preference) command
// line overrides, VMCOREINFO, the vmlinux and the dump's program headers,
// recording where each value came from. Gates on what the kernel exports, not
// on its version number.
#pragma once

#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "dump/dump_file.h"
#include "kernel/target_summary.h"
#include "kernel/translation_overrides.h"
#include "kernel/vmcoreinfo.h"
#include "xlat/arm64_translator.h"

namespace csd {

struct Arm64Setup {
  Arm64Params params;
  uint64_t kaslr_offset = 0;
  std::vector<DerivedValue> derived;  // every parameter with its source, for `info`
};

// `vmlinux` may be null (`info` without a vmlinux): the kernel image is then
// reached through the page tables, and the KASLR offset comes from VMCOREINFO.
Expected<Arm64Setup> DeriveArm64Setup(const Vmcoreinfo& vmcoreinfo, const DumpFile& dump,
                                      const DebugInfo* vmlinux,
                                      const TranslationOverrides& overrides,
                                      DiagnosticSink& diagnostics);

}  // namespace csd
