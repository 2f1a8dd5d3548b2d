// SPDX-License-Identifier: MIT
// csdump-extract: parse the command line, run one command, map the result to
// an exit code. All work happens in the libraries.
#include <cstdio>
#include <exception>

#include "commands.h"
#include "exit_codes.h"
#include "options.h"

int main(int argc, char** argv) {
  try {
    auto parsed = csd::cli::ParseCommandLine(argc, argv);
    if (!parsed.options) return parsed.exit_code;
    const auto& options = *parsed.options;
    return options.command == csd::cli::Command::kInfo ? csd::cli::RunInfo(options)
                                                       : csd::cli::RunExtract(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "csdump-extract: internal error: %s\n", e.what());
    return csd::cli::kExitInternal;
  }
}
