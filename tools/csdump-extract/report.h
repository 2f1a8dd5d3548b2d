// SPDX-License-Identifier: MIT
// Maps library errors to exit codes and prints diagnostics the same way for
// every command. Everything printed passes through TerminalSafe: messages
// carry strings from the dump.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "exit_codes.h"
#include "extract/extract.h"

namespace csd::cli {

void PrintError(std::string_view message);
void PrintWarnings(const std::vector<std::string>& warnings);
// One line on stdout, made terminal-safe.
void PrintLine(std::string_view line);

// Which stage failed decides the exit code; the error code refines it.
int ExitCodeFor(ExtractStage stage, const Error& error);

// Prints `error` and the warnings collected so far; returns the stage's exit code.
int Fail(ExtractStage stage, const Error& error, const CollectingDiagnostics& diagnostics);

}  // namespace csd::cli
