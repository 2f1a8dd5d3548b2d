// SPDX-License-Identifier: MIT
// Opening what an extraction reads: the dump (vmcore or raw RAM images), the
// vmlinux (named, or found by the dump's BUILD-ID and release) and the
// debuginfo search for modules. Shared by Extract() and the `info` view.
#pragma once

#include <memory>
#include <string>

#include "base/diagnostics.h"
#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "extract/extract_request.h"
#include "kernel/kernel_target.h"

namespace csd {

// The vmcore (and split parts), or the raw RAM images. A raw image has no
// header, so its architecture is `input.arch`, else the vmlinux's ELF
// machine, else arm64 with a warning. `diagnostics` must outlive the dump.
Expected<std::unique_ptr<DumpFile>> OpenInputDump(const DumpInput& input,
                                                  const DebuginfoInput& debuginfo,
                                                  const KernelLimits& limits,
                                                  DiagnosticSink& diagnostics);

// The named vmlinux, or the one the dump's BUILD-ID and OSRELEASE lead to
// (a warning says which was used). kLookup naming every place tried.
Expected<DebugInfo> OpenVmlinux(const DebuginfoInput& debuginfo, const DumpFile& dump,
                                const KernelLimits& limits, DiagnosticSink& diagnostics);

// Where module and vmlinux debug files are looked for: the named paths
// first, then the standard places under the sysroot for `release`.
DebuginfoSearch DebuginfoSearchFor(const DebuginfoInput& debuginfo, std::string release);

// The crashed kernel's release: VMCOREINFO's, else the vmlinux's own.
std::string TargetRelease(const KernelTarget& target, const DebugInfo& vmlinux);

}  // namespace csd
