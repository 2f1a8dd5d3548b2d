// SPDX-License-Identifier: MIT
#include "report.h"

#include <cstdio>

#include "terminal_text.h"

namespace csd::cli {

void PrintError(std::string_view message) {
  std::fprintf(stderr, "csdump-extract: error: %s\n", TerminalSafe(message).c_str());
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) {
    std::fprintf(stderr, "csdump-extract: warning: %s\n", TerminalSafe(warning).c_str());
  }
}

void PrintLine(std::string_view line) {
  const std::string safe = TerminalSafe(line);
  std::fwrite(safe.data(), 1, safe.size(), stdout);
  std::fputc('\n', stdout);
}

int ExitCodeFor(ExtractStage stage, const Error& error) {
  if (error.code() == ErrorCode::kMismatch) return kExitBadVmlinux;
  switch (stage) {
    case ExtractStage::kDump:
      // The dump layer says kInvalidArgument only of what the command line
      // gave it (overlapping --ram images, an image past 2^64).
      return error.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitBadDump;
    case ExtractStage::kVmlinux: return kExitBadVmlinux;
    case ExtractStage::kTarget: return kExitBadDump;
    case ExtractStage::kTrace:
      if (error.code() == ErrorCode::kLookup) return kExitNoPanicList;
      // The vmlinux's node structs are not a layout we read.
      if (error.code() == ErrorCode::kUnsupported) return kExitBadVmlinux;
      return kExitBadDump;
    case ExtractStage::kOutput: return kExitOutput;
  }
  return kExitInternal;
}

int Fail(ExtractStage stage, const Error& error, const CollectingDiagnostics& diagnostics) {
  PrintError(error.Describe());
  PrintWarnings(diagnostics.warnings());
  return ExitCodeFor(stage, error);
}

}  // namespace csd::cli
