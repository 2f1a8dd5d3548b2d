// SPDX-License-Identifier: MIT
#include "report.h"

namespace csd::cli {

void PrintError(const std::string& message) {
  std::fprintf(stderr, "csdump-extract: error: %s\n", message.c_str());
}

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) {
    std::fprintf(stderr, "csdump-extract: warning: %s\n", warning.c_str());
  }
}

int ExitCodeFor(Stage stage, const Error& error) {
  if (error.code() == ErrorCode::kMismatch) return kExitBadVmlinux;
  switch (stage) {
    case Stage::kDump:
      // The dump layer says kInvalidArgument only of what the command line
      // gave it (overlapping --ram images, an image past 2^64).
      return error.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitBadDump;
    case Stage::kVmlinux: return kExitBadVmlinux;
    case Stage::kTarget: return kExitBadDump;
    case Stage::kList:
      if (error.code() == ErrorCode::kLookup) return kExitNoPanicList;
      // The vmlinux's node structs are not a layout we read.
      if (error.code() == ErrorCode::kUnsupported) return kExitBadVmlinux;
      return kExitBadDump;
    case Stage::kOutput: return kExitOutput;
  }
  return kExitInternal;
}

int Fail(Stage stage, const Error& error, const CollectingDiagnostics& diagnostics) {
  PrintError(error.Describe());
  PrintWarnings(diagnostics.warnings());
  return ExitCodeFor(stage, error);
}

}  // namespace csd::cli
