// SPDX-License-Identifier: MIT
// The per-CPU ETM metadata a PRE_PANIC node holds. In the v2 panic-dump
// series this is one perf cs_etm version-0 ETMv4 block (kernel-abi.md §3.2):
// nine little-endian u64 words, magic first. ETMv3/PTM (6-word version-0,
// kernel-abi.md §3.1) and ETE (version-1 with nr_params, formats.md §2.3)
// blocks are decoded too. Registers are kept raw; anything that does not
// validate is reported and written out untouched.
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
inline constexpr size_t kEtmV3BlockSize = 6 * 8;
// ETE: magic, cpu, nr_params, then 8 params (ETMv4 list + TRCDEVARCH) or 9
// (with TS_SOURCE).
inline constexpr uint64_t kEteMinParams = 8;
inline constexpr uint64_t kEteMaxParams = 9;

// Decodes and validates an ETMv4 block against the node's cpu. kCorrupt with
// a message that says which check failed (size, magic, cpu word).
Expected<EtmV4Registers> ParseEtmV4Metadata(std::span<const std::byte> block, int64_t node_cpu);

// Decodes a 48-byte version-0 ETMv3/PTM block; same checks as ETMv4.
Expected<EtmV3Registers> ParseEtmV3Metadata(std::span<const std::byte> block, int64_t node_cpu);

// Decodes a version-1 ETE block; the size must be exactly what nr_params says.
Expected<EteRegisters> ParseEteMetadata(std::span<const std::byte> block, int64_t node_cpu);

// A short name for the block's magic ("ETMv4", "ETMv3/PTM", "ETE") or "".
std::string EtmMagicName(uint64_t magic);

}  // namespace csd
