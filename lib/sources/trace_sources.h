// SPDX-License-Identifier: MIT
// Every trace source csdump knows, asked in a fixed order.
#pragma once

#include <memory>
#include <vector>

#include "sources/trace_source.h"

namespace csd {

// The sources in the order they are asked: the most specific first.
std::vector<std::unique_ptr<KernelTraceSource>> AllTraceSources();

// Asks each source in turn and returns the DumpSet of the first that finds
// its data, with DumpSet::source naming it. When none does, the error is the
// first source's kLookup (which says what was looked for, and where); an
// error other than kLookup stops the search, since the data was found but is
// unreadable and no other source would be right to stand in for it.
Expected<DumpSet> ReadTrace(const std::vector<std::unique_ptr<KernelTraceSource>>& sources,
                            const TraceSourceContext& context);

}  // namespace csd
