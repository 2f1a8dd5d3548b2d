// SPDX-License-Identifier: MIT
// What both decoder formats (OpenCSD snapshot, perf.data) need from a
// DumpSet, derived once so the two agree: one register set per CPU (ETMv4,
// ETE, ETMv3 or PTM as the metadata says, or ETMv4 values guessed when it is
// missing or did not validate, with every guess named) and the sink buffers
// as a decoder will read them. Pure data work, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "coresight/dump_set.h"

namespace csd {

// Defaults for a CPU whose metadata is missing. TRCIDR1 and TRCIDR8 are
// OpenCSD's own defaults (formats.md §1.6); TRCIDR0/TRCIDR2 have none there,
// so these are the common Cortex-A53/A57 values (ETMv4.0, 32-bit context ID,
// 64-bit address, no cycle counting). TRCCONFIGR 0 = no timestamps, no
// context IDs, no return stack: the configuration the v2 driver dumped.
inline constexpr uint64_t kDefaultTrcConfigr = 0x0;
inline constexpr uint64_t kDefaultTrcIdr0 = 0x28000ea1;
inline constexpr uint64_t kDefaultTrcIdr1 = 0x4100f403;
inline constexpr uint64_t kDefaultTrcIdr2 = 0x00000488;
inline constexpr uint64_t kDefaultTrcIdr8 = 0x0;
inline constexpr uint64_t kDefaultTrcAuthStatus = 0xcc;

// Linux <= 6.2's static rule (coresight_get_trace_id()): 0x10 + 2 * cpu.
constexpr uint64_t LegacyTraceId(int64_t cpu) {
  return 0x10 + 2 * static_cast<uint64_t>(cpu);
}

struct TraceSource {
  int64_t cpu = 0;
  // The CPU's validated metadata, or ETMv4 registers guessed (see `guessed`).
  EtmConfig config = EtmV4Registers{};
  std::vector<std::string> guessed;  // register names ("TRCTRACEIDR") that are not from the dump
  EtmProtocol protocol() const { return config.protocol(); }
  uint8_t trace_id() const { return config.trace_id(); }
};

struct DecoderSink {
  size_t node_index = 0;
  std::string name;                 // unique, [A-Za-z0-9._-]: buffer name and file stem
  std::span<const std::byte> data;  // whole 16-byte frames only
  size_t dropped_tail = 0;          // bytes cut so the length is a multiple of 16
  bool barrier = false;
};

struct DecoderInputs {
  std::vector<TraceSource> sources;  // ascending cpu
  std::vector<DecoderSink> sinks;    // list order; sinks without data are left out
  // One line per guessed value and per dropped tail, for stderr and the manifest.
  std::vector<std::string> guesses;
  std::vector<std::string> warnings;
};

// CPUs are those of every ETM metadata node plus those of the sinks; a CPU
// whose metadata did not validate gets the defaults above and the legacy
// trace ID, unless the block is ETE or ETMv3/PTM (then the CPU is left out
// with a warning: ETMv4 guesses would mis-decode it). A DumpSet with sinks
// but no CPU at all gets CPU 0. Trace IDs that collide are reported in
// `warnings` (perf refuses duplicates).
DecoderInputs PlanDecoderInputs(const DumpSet& dump_set);

}  // namespace csd
