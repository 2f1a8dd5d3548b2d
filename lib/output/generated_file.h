// SPDX-License-Identifier: MIT
// A file a decoder-format writer produced in memory, before OutputDir writes
// it: writers stay pure (golden-testable), the caller owns the disk policy.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace csd {

struct GeneratedFile {
  std::string path;  // relative to OUT, '/'-separated
  std::vector<std::byte> bytes;
};

}  // namespace csd
