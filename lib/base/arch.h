// SPDX-License-Identifier: MIT
// The target architecture is runtime data (from the dump and the vmlinux),
// never the host's: every architecture's code is always built.
#pragma once

#include <string_view>

namespace csd {

enum class Arch { kUnknown, kArm64, kArm };

constexpr std::string_view ArchName(Arch arch) {
  switch (arch) {
    case Arch::kArm64: return "arm64";
    case Arch::kArm: return "arm";
    case Arch::kUnknown: break;
  }
  return "unknown";
}

}  // namespace csd
