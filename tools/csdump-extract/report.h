// SPDX-License-Identifier: MIT
// Maps library errors to exit codes and prints diagnostics the same way for
// every command.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "base/diagnostics.h"
#include "base/error.h"
#include "exit_codes.h"

namespace csd::cli {

void PrintError(const std::string& message);
void PrintWarnings(const std::vector<std::string>& warnings);

// Which stage failed decides the exit code; the error code refines it.
enum class Stage { kDump, kVmlinux, kTarget, kList, kOutput };
int ExitCodeFor(Stage stage, const Error& error);

// Prints `error` and the warnings collected so far; returns the stage's exit code.
int Fail(Stage stage, const Error& error, const CollectingDiagnostics& diagnostics);

}  // namespace csd::cli
