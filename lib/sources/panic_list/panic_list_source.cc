// SPDX-License-Identifier: MIT
#include "sources/panic_list/panic_list_source.h"

#include "sources/panic_list/panic_list.h"

namespace csd {

Expected<DumpSet> PanicListSource::Read(const TraceSourceContext& context) const {
  return ReadPanicDumpList(context.target, context.symbols, context.limits, context.diagnostics,
                           context.staging);
}

}  // namespace csd
