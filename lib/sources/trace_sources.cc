// SPDX-License-Identifier: MIT
#include "sources/trace_sources.h"

#include <string>

#include "sources/panic_list/panic_list_source.h"

namespace csd {

std::vector<std::unique_ptr<KernelTraceSource>> AllTraceSources() {
  std::vector<std::unique_ptr<KernelTraceSource>> sources;
  sources.push_back(std::make_unique<PanicListSource>());
  return sources;
}

Expected<DumpSet> ReadTrace(const std::vector<std::unique_ptr<KernelTraceSource>>& sources,
                            const TraceSourceContext& context) {
  std::optional<Error> first_absent;
  for (const auto& source : sources) {
    auto set = source->Read(context);
    if (set.ok()) {
      set->source = std::string(source->name());
      return set;
    }
    if (set.error().code() != ErrorCode::kLookup) return std::move(set).error();
    if (!first_absent) first_absent = std::move(set).error();
  }
  if (first_absent) return *std::move(first_absent);
  return Error(ErrorCode::kLookup, "no trace source is configured");
}

}  // namespace csd
