// SPDX-License-Identifier: MIT
// SHA-256 of buffers and output files, recorded in the manifest so users can
// verify what they were given. OpenSSL's libcrypto provides it: an audited,
// widely deployed implementation is worth more than a hand-written one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "base/error.h"
#include "base/worker_threads.h"

namespace csd {

// Lower-case hex digest (64 characters). Fails only if libcrypto cannot
// provide SHA-256 at all (e.g. a provider configuration that disables it).
Expected<std::string> Sha256Hex(std::span<const std::byte> bytes);
// The digest of the concatenation of `pieces`, without joining them.
Expected<std::string> Sha256Hex(std::span<const std::span<const std::byte>> pieces);

// Incremental SHA-256: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const std::byte> bytes);
  // The lower-case hex digest of everything given to Update(). Fails when
  // libcrypto cannot provide SHA-256 or an Update() failed.
  Expected<std::string> Finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

// Hashes a buffer on a second thread while it is being filled from the front,
// so that a large buffer's digest costs no time after its last byte arrives
// (a 1 GiB sink takes about as long to hash as to read). The filler calls
// Advance(n) once bytes [0, n) are final; the follower hashes up to there.
// If no thread can be started, Finish() hashes in the calling thread.
// The buffer must outlive the follower and stay unchanged below the
// advanced mark. Destroying an unfinished follower stops its thread.
class Sha256Follower {
 public:
  explicit Sha256Follower(std::span<const std::byte> buffer);
  ~Sha256Follower();
  Sha256Follower(const Sha256Follower&) = delete;
  Sha256Follower& operator=(const Sha256Follower&) = delete;

  void Advance(size_t ready);
  // Waits for the digest of the whole buffer; call after Advance(size()).
  // kInvalidArgument if the buffer was not advanced to its end.
  Expected<std::string> Finish();

 private:
  void Run();

  std::span<const std::byte> buffer_;
  Sha256 hash_;
  std::mutex mutex_;
  std::condition_variable advanced_;
  size_t ready_ = 0;      // guarded by mutex_
  bool stop_ = false;     // guarded by mutex_: Finish() wants the rest hashed
  bool abandon_ = false;  // guarded by mutex_: destroyed unfinished, drop the rest
  size_t hashed_ = 0;     // owned by the thread while it runs
  WorkerThreads thread_;  // last: joined before the rest goes; empty without a thread
};

}  // namespace csd
