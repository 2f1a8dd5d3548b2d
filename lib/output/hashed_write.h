// SPDX-License-Identifier: MIT
// Writing an output file and computing the SHA-256 the manifest records for
// it, as one step: every writer needs both, and for a sink buffer of hundreds
// of MiB they are the two largest costs of a run.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/staging.h"
#include "output/output_dir.h"

namespace csd {

// Writes the concatenation of `pieces` to OUT/`relative_path` (OutputDir's
// rules) and returns its lower-case hex SHA-256. Both steps only read the
// pieces, so for a large file the digest runs on a second thread while this
// one writes; small files (and a failure to start the thread) do it in turn.
// The write's error wins over the digest's.
//
// With `known_digest` (the bytes were hashed already, e.g. while they were read
// from the dump) the file is only written and that digest is returned.
//
// With `staged` (the buffer the pieces came from was staged in OUT while it
// was read, output/staged_file.h) and `pieces` being exactly its bytes, the
// staged file becomes this one (OutputDir::WriteStaged): nothing is copied.
Expected<std::string> WriteHashed(OutputDir& out, std::string_view relative_path,
                                  std::span<const std::span<const std::byte>> pieces,
                                  std::optional<std::string_view> known_digest = std::nullopt,
                                  const StagedBuffer* staged = nullptr);

}  // namespace csd
