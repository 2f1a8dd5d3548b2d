// SPDX-License-Identifier: MIT
// Writing an output file and computing the SHA-256 the manifest records for
// it, as one step: every writer needs both, and for a sink buffer of hundreds
// of MiB they are the two largest costs of a run.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "output/output_dir.h"

namespace csd {

// Writes the concatenation of `pieces` to OUT/`relative_path` (OutputDir's
// rules) and returns its lower-case hex SHA-256. Both steps only read the
// pieces, so for a large file the digest runs on a second thread while this
// one writes; small files (and a failure to start the thread) do it in turn.
// The write's error wins over the digest's.
Expected<std::string> WriteHashed(OutputDir& out, std::string_view relative_path,
                                  std::span<const std::span<const std::byte>> pieces);

}  // namespace csd
