// SPDX-License-Identifier: MIT
// What an extraction is asked to do, as plain data: the inputs (a dump or raw
// RAM images, the vmlinux and where debug files are looked for), how the
// kernel is read (translation overrides, caps on hostile input) and what is
// written where. A front end (the CLI, a capture-kernel hook, a test) fills
// one in and calls Extract().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/arch.h"
#include "coresight/kernel_text.h"
#include "coresight/read_limits.h"
#include "debuginfo/debuginfo_search.h"
#include "dump/dump_file.h"
#include "dump/raw/raw_image.h"
#include "kernel/kernel_target.h"

namespace csd {

// The crash dump: a vmcore (with the further files of a split dump), or raw
// RAM images whose architecture comes from `arch`, else the vmlinux.
struct DumpInput {
  std::filesystem::path vmcore;                        // empty with `ram`
  std::vector<std::filesystem::path> split_parts;      // after `vmcore`
  std::vector<RawImageSpec> ram;                       // replaces `vmcore`
  std::optional<std::filesystem::path> vmcoreinfo;     // with `ram`: VMCOREINFO saved apart
  std::optional<Arch> arch;                            // with `ram`: when no vmlinux says it
  DumpOpenOptions options;                             // excluded pages, note caps
};

// The kernel's debug information: the vmlinux, or where to find it (and any
// module that holds the trace) by build-id and release.
struct DebuginfoInput {
  std::optional<std::filesystem::path> vmlinux;
  DebuginfoSearchOptions search;  // --debuginfo paths, --sysroot
};

struct OutputFormats {
  bool raw = true;      // sinks/, metadata/
  bool opencsd = true;  // opencsd/ snapshot
  bool perf = true;     // perf.data
};

struct OutputRequest {
  std::filesystem::path directory;
  bool force = false;  // replace files that exist
  // Unset: 4 GiB, or ReadLimits::max_buffer_size if larger, so a buffer the
  // reader accepts is never refused by the writer.
  std::optional<uint64_t> max_file_size;
  OutputFormats formats;
};

struct ExtractRequest {
  DumpInput dump;
  DebuginfoInput debuginfo;
  TargetOptions target;  // translation overrides, --allow-mismatch, kernel caps
  ReadLimits read_limits;
  KernelTextLimits text_limits;
  OutputRequest output;
};

}  // namespace csd
