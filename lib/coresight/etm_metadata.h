// SPDX-License-Identifier: MIT
// The per-CPU ETM metadata a PRE_PANIC node holds. In the v2 panic-dump
// series this is one perf cs_etm version-0 ETMv4 block (kernel-abi.md §3.2):
// nine little-endian u64 words, magic first. Registers are kept raw; anything
// that does not validate is reported and written out untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "base/error.h"
#include "coresight/dump_set.h"

namespace csd {

inline constexpr uint64_t kEtmV3Magic = 0x3030303030303030;
inline constexpr uint64_t kEtmV4Magic = 0x4040404040404040;
inline constexpr uint64_t kEteMagic = 0x5050505050505050;
inline constexpr size_t kEtmV4BlockSize = 9 * 8;

// Decodes and validates an ETMv4 block against the node's cpu. kCorrupt with
// a message that says which check failed (size, magic, cpu word).
Expected<EtmV4Registers> ParseEtmV4Metadata(std::span<const std::byte> block, int64_t node_cpu);

// A short name for the block's magic ("ETMv4", "ETMv3/PTM", "ETE") or "".
std::string EtmMagicName(uint64_t magic);

}  // namespace csd
