// SPDX-License-Identifier: MIT
// Raw RAM images: what a bootloader or JTAG probe saves after a watchdog reset
// when the kernel hung and never ran kdump (kernel-abi.md §2.1). Each file is
// the bytes of one physical range starting at a base address the user gives;
// there is no header, so nothing tells us the architecture (the vmlinux's
// arch is the hint) or the translation parameters.
//
// VMCOREINFO comes, in order of preference, from a file the user saved (the
// text as the kernel prints it, or the "PA SIZE" line of /sys/kernel/vmcoreinfo,
// which points at the note in RAM), from a bounded scan of the images for the
// text of the kernel's vmcoreinfo_data page, or not at all: then every
// translation parameter must come from command-line overrides.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/arch.h"
#include "base/byte_reader.h"
#include "base/diagnostics.h"
#include "base/error.h"
#include "dump/dump_file.h"

namespace csd {

struct RawImageSpec {
  std::filesystem::path path;
  uint64_t base = 0;  // physical address of the file's first byte
};

struct RawDumpOptions {
  Endian endian = Endian::kLittle;
  // Scan the images for VMCOREINFO text when no file is given. The scan reads
  // at most `max_scan_bytes` over all images (a RAM image can be tens of GiB;
  // the vmcoreinfo page is usually low in RAM) and keeps at most
  // `max_candidates` matches.
  bool scan_for_vmcoreinfo = true;
  uint64_t max_scan_bytes = 4ull << 30;
  size_t max_candidates = 64;
  // --max-vmcoreinfo-size: the largest --vmcoreinfo FILE, and the largest
  // VMCOREINFO note its "PA SIZE" form may name. The kernel layer caps the
  // parsed text with the same flag (KernelLimits).
  uint64_t max_vmcoreinfo_size = uint64_t{1} << 20;
};

// "FILE@ADDR" (ADDR 0x-hex or decimal) -> spec; kInvalidArgument otherwise.
// The last '@' splits, so file names may contain '@'.
Expected<RawImageSpec> ParseRawImageArgument(std::string_view text);

// Maps every image. kInvalidArgument when images overlap or one wraps past
// 2^64, kIo when a file cannot be mapped, kCorrupt when an image is empty or
// the VMCOREINFO file is unusable. Which VMCOREINFO source was used (and, for
// a scan, at which PA) is reported as a warning. `diagnostics` must outlive
// the result.
Expected<std::unique_ptr<DumpFile>> OpenRawDump(std::vector<RawImageSpec> images,
                                                std::optional<std::filesystem::path> vmcoreinfo,
                                                Arch arch_hint, const RawDumpOptions& options,
                                                DiagnosticSink& diagnostics);

// One VMCOREINFO text found by the scanner.
struct VmcoreinfoCandidate {
  uint64_t offset = 0;  // in the scanned bytes
  std::string text;
  bool truncated = false;  // ran into the end of the data or the length cap
  bool complete = false;   // has SYMBOL(swapper_pg_dir) and PAGESIZE
};

// Finds blocks of printable KEY=VALUE text around each "OSRELEASE=" in
// `bytes`, looking at no more than `max_bytes` of it and keeping at most
// `max_candidates`. Exposed for tests.
std::vector<VmcoreinfoCandidate> ScanForVmcoreinfo(std::span<const std::byte> bytes,
                                                   uint64_t max_bytes, size_t max_candidates);

}  // namespace csd
