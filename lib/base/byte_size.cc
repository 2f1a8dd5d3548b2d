// SPDX-License-Identifier: MIT
#include "base/byte_size.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace csd {

std::string FormatByteSize(uint64_t bytes) {
  static constexpr std::array<std::pair<int, const char*>, 6> kUnits{
      {{60, "EiB"}, {50, "PiB"}, {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}}};
  for (const auto& [shift, unit] : kUnits) {
    const uint64_t size = uint64_t{1} << shift;
    if (bytes >= size && bytes % size == 0) return fmt::format("{} {}", bytes >> shift, unit);
  }
  return fmt::format("{} bytes", bytes);
}

}  // namespace csd
