// SPDX-License-Identifier: MIT
// The seed series' panic-dump list (`coresight_dump_list`, kernel-abi.md
// §2.3) as a trace source: the list head in vmlinux or a loaded module, its
// nodes' ETM metadata and sink buffers.
#pragma once

#include "sources/trace_source.h"

namespace csd {

class PanicListSource final : public KernelTraceSource {
 public:
  static constexpr std::string_view kName = "panic-dump-list";
  std::string_view name() const override { return kName; }
  Expected<DumpSet> Read(const TraceSourceContext& context) const override;
};

}  // namespace csd
