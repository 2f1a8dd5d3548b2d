// SPDX-License-Identifier: MIT
// The kernel text a trace decoder needs to follow the executed instructions
// (formats.md §1.9). It is taken from the dump, not the vmlinux, because the
// running image has alternatives, jump labels and ftrace sites patched in; the
// vmlinux bytes are only a fallback when the dump does not hold the text.
// Read here, in the coresight layer, because output/ never reads memory.
#pragma once

#include <cstdint>

#include "base/diagnostics.h"
#include "coresight/dump_set.h"
#include "kernel/kernel_target.h"

namespace csd {

struct KernelTextLimits {
  static constexpr uint64_t kDefaultMaxBytes = uint64_t{128} << 20;
  // --max-kernel-text. Real arm64 kernels have 15-40 MiB of text; anything
  // far larger is a corrupt _etext and must not become an unbounded read.
  uint64_t max_bytes = kDefaultMaxBytes;
};

inline constexpr const char* kTextSourceDump = "dump";
inline constexpr const char* kTextSourceVmlinux = "vmlinux";

// Runtime _text.._etext (KASLR applied) read through the translator; when
// that fails, the same range from the vmlinux, with a warning saying why.
// kLookup when the vmlinux has no _text/_etext, kLimit when the range exceeds
// the cap, or the vmlinux error when neither source has the bytes.
Expected<MemoryImage> ReadKernelText(const KernelTarget& target, const KernelTextLimits& limits,
                                     DiagnosticSink& diagnostics);

}  // namespace csd
