// SPDX-License-Identifier: MIT
#pragma once

#include "options.h"

namespace csd::cli {

// Each returns the process exit code; output goes to stdout, diagnostics to stderr.
int RunExtract(const Options& options);
int RunInfo(const Options& options);

}  // namespace csd::cli
