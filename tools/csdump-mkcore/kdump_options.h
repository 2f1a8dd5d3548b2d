// SPDX-License-Identifier: MIT
// Spec fields for "format": "kdump-compressed" (man/csdump-mkcore.1,
// testdata/specs/README.md). Kept apart from spec.h so the kdump writer's
// knobs grow here without touching the shared spec structures.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace csd::mkcore {

enum class KdumpCompression { kZlib, kLzo, kSnappy, kZstd, kNone, kMixed };
enum class KdumpCorruption { kNone, kBlockSize, kBitmapBlocks, kSubHdrSize, kDescriptor };

struct KdumpOptions {
  bool enabled = false;  // "format": "kdump-compressed"
  KdumpCompression compression = KdumpCompression::kZlib;
  int header_version = 6;
  int dump_level = 0;  // bit 0x1: zero pages left out of the 2nd bitmap
  bool flattened = false;
  unsigned split = 0;  // >1: DIR/vmcore.1..N
  bool incomplete = false;
  bool qemu = false;  // "kdump_producer": "qemu"
  std::optional<size_t> exclude_node_buffer;
  bool exclude_kernel_text = false;  // the page at _text leaves the 2nd bitmap
  KdumpCorruption corrupt = KdumpCorruption::kNone;
};

}  // namespace csd::mkcore
