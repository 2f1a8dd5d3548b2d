// SPDX-License-Identifier: MIT
// Facts about a sink buffer that a decoder user needs to know.
#pragma once

#include <cstddef>
#include <span>

namespace csd {

// True when the buffer starts with the CoreSight barrier packet (four LE u32
// 0x7fffffff, kernel `coresight_barrier_pkt`): the driver writes it over the
// oldest data when the TMC RAM wrapped, so trace before it was lost.
bool StartsWithBarrier(std::span<const std::byte> buffer);

}  // namespace csd
