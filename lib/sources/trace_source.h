// SPDX-License-Identifier: MIT
// The seam between the kernel view and the trace a kernel kept: each trace
// source (the seed series' panic-dump list; next, mainline panic-trace
// regions and the stock CoreSight drivers' state) looks for its own data in a
// kernel target and, where it finds it, returns the one DumpSet every writer
// and decoder reads, saying in DumpSet::source that it produced it.
//
// A new source is one folder under lib/sources/ with a class implementing
// KernelTraceSource, plus one entry in the table of trace_sources.cc.
#pragma once

#include <string_view>

#include "base/diagnostics.h"
#include "base/error.h"
#include "base/staging.h"
#include "coresight/dump_set.h"
#include "coresight/read_limits.h"
#include "kernel/kernel_symbols.h"
#include "kernel/kernel_target.h"

namespace csd {

// What a source may use while it reads: the kernel view, where to find
// symbols (vmlinux or a loaded module), the caps on hostile input, the sink
// for warnings, and, when the caller streams large buffers to disk, a staging.
struct TraceSourceContext {
  const KernelTarget& target;
  KernelSymbols& symbols;
  const ReadLimits& limits;
  DiagnosticSink& diagnostics;
  BufferStaging* staging = nullptr;
};

class KernelTraceSource {
 public:
  virtual ~KernelTraceSource() = default;
  // Stable and short ("panic-dump-list"): recorded in DumpSet::source.
  virtual std::string_view name() const = 0;
  // The source's DumpSet, possibly partial (DumpSet::complete()). kLookup
  // means "this kernel does not keep this source's data", which is not a
  // failure of the extraction as long as another source applies; any other
  // error means the data is there but cannot be read.
  virtual Expected<DumpSet> Read(const TraceSourceContext& context) const = 0;
};

}  // namespace csd
