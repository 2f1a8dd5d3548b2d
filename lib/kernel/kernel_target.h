// SPDX-License-Identifier: MIT
// The crashed kernel as seen through a dump and its vmlinux: the composition
// root of dump/, xlat/ and debuginfo/, and the only reader of typed kernel data.
#pragma once

#include <memory>
#include <string_view>

#include "base/diagnostics.h"
#include "base/error.h"
#include "debuginfo/debug_info.h"
#include "dump/dump_file.h"
#include "kernel/kernel_limits.h"
#include "kernel/target_summary.h"
#include "kernel/translation_overrides.h"
#include "kernel/vmcoreinfo.h"
#include "memory/kernel_memory.h"
#include "memory/translator.h"

namespace csd {

struct TargetOptions {
  TranslationOverrides overrides;
  // Proceed when the vmlinux does not match the dump (OSRELEASE, BUILD-ID or
  // the in-memory release string differ); the mismatch becomes a warning.
  bool allow_mismatch = false;
  KernelLimits limits;
};

// The translation half of a target: enough for `info VMCORE` without a vmlinux.
struct TranslationSetup {
  std::unique_ptr<Translator> translator;
  uint64_t kaslr_offset = 0;
  uint64_t page_size = 0;
  std::vector<DerivedValue> derived;
};

// The dump's VMCOREINFO note, parsed; a dump without one gives an empty
// Vmcoreinfo and a warning. kLimit when the text is over `limits`.
Expected<Vmcoreinfo> ReadVmcoreinfo(const DumpFile& dump, const KernelLimits& limits,
                                    DiagnosticSink& diagnostics);

// Chooses the architecture's setup from the dump's machine type. `vmlinux` may be null.
Expected<TranslationSetup> SetUpTranslation(const DumpFile& dump, const Vmcoreinfo& vmcoreinfo,
                                            const DebugInfo* vmlinux,
                                            const TranslationOverrides& overrides,
                                            DiagnosticSink& diagnostics);

class KernelTarget {
 public:
  // kMismatch when the vmlinux does not belong to the dump (unless allowed);
  // kUnsupported/kCorrupt when the dump cannot be translated.
  static Expected<KernelTarget> Open(const DumpFile& dump, const DebugInfo& vmlinux,
                                     const TargetOptions& options, DiagnosticSink& diagnostics);

  const KernelMemory& memory() const { return *memory_; }
  const DebugInfo& debuginfo() const { return *vmlinux_; }
  const DumpFile& dump() const { return *dump_; }
  const TargetSummary& summary() const { return summary_; }
  uint64_t kaslr_offset() const { return summary_.kaslr_offset; }
  // The caps every reader of this target's kernel data applies.
  const KernelLimits& limits() const { return limits_; }

  // Runtime address of a vmlinux symbol (link-time address + KASLR offset).
  Expected<SymbolInfo> RuntimeSymbol(std::string_view name) const;

 private:
  KernelTarget() = default;
  Status CheckIdentity(const Vmcoreinfo& vmcoreinfo, const TargetOptions& options,
                       DiagnosticSink& diagnostics);

  const DumpFile* dump_ = nullptr;
  const DebugInfo* vmlinux_ = nullptr;
  std::unique_ptr<Translator> translator_;
  std::unique_ptr<KernelMemory> memory_;
  TargetSummary summary_;
  KernelLimits limits_;
};

// The release string `vmlinux` was built with, from its init_uts_ns.
Expected<std::string> VmlinuxRelease(const DebugInfo& vmlinux);

// True for the kernel releases whose VMCOREINFO BUILD-ID is garbage (formats.md
// §3.3; drgn ignores it there): 6.1.113-118, 6.6.55-62, 6.10.14+, 6.11.3-9, 5.15.168+.
bool BuildIdUnreliable(std::string_view osrelease);

}  // namespace csd
