// SPDX-License-Identifier: MIT
// The bytes a node's buffer holds, from its spec "content". Deterministic in
// (seed, node index) alone, so expected.json can carry their sha256 and two
// runs of the same spec give identical cores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "csdump-mkcore/spec.h"

namespace csd::mkcore {

inline constexpr uint64_t kEtmV4Magic = 0x4040404040404040ull;
inline constexpr size_t kEtmV4BlockSize = 72;         // 9 x u64 (kernel-abi.md §3.2)
inline constexpr uint32_t kBarrierWord = 0x7fffffff;  // kernel-abi.md §6.5
inline constexpr size_t kBarrierSize = 16;

std::vector<std::byte> NodeContentBytes(const NodeSpec& node, size_t node_index, uint64_t seed);

// Whether `bytes` start with the 16-byte barrier packet (4 x LE 0x7fffffff).
bool StartsWithBarrier(const std::vector<std::byte>& bytes);

}  // namespace csd::mkcore
