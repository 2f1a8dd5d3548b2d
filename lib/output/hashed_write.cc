// SPDX-License-Identifier: MIT
#include "output/hashed_write.h"

#include <optional>
#include <utility>

#include "base/sha256.h"
#include "base/worker_threads.h"

namespace csd {

namespace {

// Below this a thread costs more than it saves (tens of microseconds to start
// against ~0.5 ms of hashing per MiB).
constexpr uint64_t kParallelThreshold = uint64_t{4} << 20;

}  // namespace

Expected<std::string> WriteHashed(OutputDir& out, std::string_view relative_path,
                                  std::span<const std::span<const std::byte>> pieces,
                                  std::optional<std::string_view> known_digest,
                                  const StagedBuffer* staged) {
  if (staged != nullptr && pieces.size() == 1 && pieces[0].data() == staged->bytes().data() &&
      pieces[0].size() == staged->bytes().size()) {
    std::string digest;
    if (known_digest) {
      digest = *known_digest;
    } else {
      CSD_ASSIGN_OR_RETURN(digest, Sha256Hex(pieces));
    }
    CSD_RETURN_IF_ERROR(out.WriteStaged(relative_path, *staged));
    return digest;
  }
  if (known_digest) {
    CSD_RETURN_IF_ERROR(out.WriteFile(relative_path, pieces));
    return std::string(*known_digest);
  }
  uint64_t size = 0;
  for (const auto& piece : pieces) size += piece.size();
  if (size >= kParallelThreshold) {
    std::optional<Expected<std::string>> digest;
    WorkerThreads hasher;  // after `digest`: joined before it goes, even if WriteFile throws
    if (hasher.Start([&digest, pieces] { digest.emplace(Sha256Hex(pieces)); })) {
      Status written = out.WriteFile(relative_path, pieces);
      hasher.Join();
      if (!written.ok()) return std::move(written).error();
      return std::move(*digest);
    }
    // No thread available: fall through to the sequential path below.
  }
  CSD_ASSIGN_OR_RETURN(std::string digest, Sha256Hex(pieces));
  CSD_RETURN_IF_ERROR(out.WriteFile(relative_path, pieces));
  return digest;
}

}  // namespace csd
