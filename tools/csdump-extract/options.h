// SPDX-License-Identifier: MIT
// Everything the command line can say, as plain data: the library's request
// plus what only the CLI decides (which command, how much to print).
#pragma once

#include <optional>

#include "extract/extract_request.h"

namespace csd::cli {

enum class Command { kExtract, kInfo };

struct Options {
  Command command = Command::kExtract;
  // The inputs, caps and outputs; `info` uses the inputs and caps only.
  ExtractRequest request;
  bool quiet = false;
};

// Parses argv. Returns the options, or an exit code after printing help,
// the version or a usage error.
struct ParseResult {
  std::optional<Options> options;
  int exit_code = 0;
};
ParseResult ParseCommandLine(int argc, const char* const* argv);

}  // namespace csd::cli
