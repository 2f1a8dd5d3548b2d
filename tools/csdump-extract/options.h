// SPDX-License-Identifier: MIT
// Everything the command line can say, as plain data.
#pragma once

#include <optional>
#include <string>

#include "coresight/panic_list.h"
#include "kernel/translation_overrides.h"

namespace csd::cli {

enum class Command { kExtract, kInfo };

struct Options {
  Command command = Command::kExtract;
  std::string vmcore;
  std::optional<std::string> vmlinux;  // required for extract
  std::string output_dir;
  bool force = false;
  bool allow_mismatch = false;
  bool zero_fill_excluded = false;
  bool quiet = false;
  TranslationOverrides overrides;
  ReadLimits limits;
};

// Parses argv. Returns the options, or an exit code after printing help,
// the version or a usage error.
struct ParseResult {
  std::optional<Options> options;
  int exit_code = 0;
};
ParseResult ParseCommandLine(int argc, const char* const* argv);

}  // namespace csd::cli
