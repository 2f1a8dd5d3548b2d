// SPDX-License-Identifier: MIT
// Reads the CoreSight panic-dump list (`coresight_dump_list` of the v2 series,
// kernel-abi.md §2.3) from a kernel target into a DumpSet, in one pass. Every
// layout comes from the vmlinux DWARF. One unreadable node is reported in the
// DumpSet and never stops the others.
#pragma once

#include <cstdint>
#include <optional>

#include "base/diagnostics.h"
#include "base/error.h"
#include "base/staging.h"
#include "coresight/dump_set.h"
#include "coresight/read_limits.h"
#include "debuginfo/debug_info.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"
#include "kernel/list_walk.h"

namespace csd {

// Member layouts the reader needs, resolved once from DWARF.
struct DumpNodeLayout {
  StructLayout node;
  MemberLayout cpu, type, csdev, buf, buf_size, list;
  ListHeadLayout list_head;
  std::optional<MemberLayout> kobj_name;  // coresight_device.dev.kobj.name
  std::optional<MemberLayout> init_name;  // coresight_device.dev.init_name
};

// kUnsupported naming the member when the node struct lacks one we need (a
// different series), kLookup when the struct is missing. Types are taken from
// `types` (the DWARF of the object that defines the list: vmlinux or a
// module), and from `fallback` (vmlinux) for those `types` only declares.
Expected<DumpNodeLayout> ResolveDumpNodeLayout(const DebugInfo& types,
                                               const DebugInfo* fallback = nullptr);

// kLookup when neither the kernel nor any loaded module with debuginfo has
// the panic-dump list; otherwise a DumpSet, which may be partial (see
// DumpSet::complete()). With `staging`, sink buffers of 4 MiB or more are
// streamed into it rather than kept in memory (they are hashed on the way,
// DumpNode::data_sha256); a buffer it cannot take is read into memory.
Expected<DumpSet> ReadPanicDumpList(const KernelTarget& target, KernelSymbols& symbols,
                                    const ReadLimits& limits, DiagnosticSink& diagnostics,
                                    BufferStaging* staging = nullptr);

}  // namespace csd
