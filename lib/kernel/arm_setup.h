// SPDX-License-Identifier: MIT
// Derives 32-bit ARM translation parameters. ARM VMCOREINFO carries no
// PHYS_OFFSET, PAGE_OFFSET or KERNELOFFSET (real-kernel-dumps.md), so
// PHYS_OFFSET comes from the dump's lowest p_paddr, PAGE_OFFSET is chosen
// among the four CONFIG_PAGE_OFFSET values, and every (PAGE_OFFSET,
// PHYS_OFFSET) pair is validated by reading init_uts_ns through it
// (formats.md §4.3, §4.4). Each value is recorded with its source.
#pragma once

#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "dump/dump_file.h"
#include "kernel/target_summary.h"
#include "kernel/translation_overrides.h"
#include "kernel/vmcoreinfo.h"
#include "xlat/arm/arm_translator.h"

namespace csd {

struct ArmSetup {
  ArmParams params;
  std::vector<DerivedValue> derived;  // every parameter with its source, for `info`
};

// `vmlinux` may be null (`info` without a vmlinux): validation then uses
// VMCOREINFO SYMBOL(init_uts_ns) + OFFSET(uts_namespace.name). kUnsupported
// when no candidate reads back OSRELEASE, naming every pair tried.
Expected<ArmSetup> DeriveArmSetup(const Vmcoreinfo& vmcoreinfo, const DumpFile& dump,
                                  const DebugInfo* vmlinux, const TranslationOverrides& overrides,
                                  DiagnosticSink& diagnostics);

}  // namespace csd
