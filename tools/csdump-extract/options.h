// SPDX-License-Identifier: MIT
// Everything the command line can say, as plain data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coresight/kernel_text.h"
#include "coresight/panic_list.h"
#include "dump/dump_file.h"
#include "dump/raw/raw_image.h"
#include "kernel/kernel_limits.h"
#include "kernel/translation_overrides.h"

namespace csd::cli {

enum class Command { kExtract, kInfo };

struct Options {
  Command command = Command::kExtract;
  std::string vmcore;
  std::vector<std::string> split_parts;  // --split-part: further files of a split dump
  std::optional<std::string> vmlinux;    // required for extract
  std::string output_dir;
  bool force = false;
  bool allow_mismatch = false;
  bool zero_fill_excluded = false;
  bool quiet = false;
  TranslationOverrides overrides;
  // Caps on hostile input, one struct per layer that applies them (man page,
  // LIMITS): --max-nodes, --max-buffer-size, --max-name-length;
  ReadLimits limits;
  NoteLimits note_limits;        // --max-notes, --max-note-size
  KernelLimits kernel_limits;    // --max-object-size, --max-vmcoreinfo-size
  KernelTextLimits text_limits;  // --max-kernel-text
  // --format: which outputs to write; all three by default.
  bool format_raw = true;
  bool format_opencsd = true;
  bool format_perf = true;
  // Raw RAM images (--ram FILE@ADDR, repeatable) replace VMCORE.
  std::vector<RawImageSpec> ram;
  std::optional<std::string> vmcoreinfo_file;  // --vmcoreinfo FILE, with --ram
  std::optional<Arch> arch;                    // --arch, for `info --ram` without a vmlinux
  // Module debuginfo: --debuginfo FILE|DIR (repeatable), searched before the
  // standard places under --sysroot.
  std::vector<std::string> debuginfo_paths;
  std::string sysroot = "/";
  // --max-output-size; unset: 4 GiB, or --max-buffer-size if that is larger,
  // so that a buffer the reader accepts is never refused by the writer.
  std::optional<uint64_t> max_output_size;
};

// Parses argv. Returns the options, or an exit code after printing help,
// the version or a usage error.
struct ParseResult {
  std::optional<Options> options;
  int exit_code = 0;
};
ParseResult ParseCommandLine(int argc, const char* const* argv);

}  // namespace csd::cli
