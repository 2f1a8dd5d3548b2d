// SPDX-License-Identifier: MIT
// Streams a large buffer through fixed-size chunks: a producer fills one
// chunk while consumers on threads of their own (hash it, write it to a
// file) handle the chunks before it. A 1 GiB sink then needs a few chunk
// buffers that stay hot in the cache instead of a GiB of fresh memory, which
// the kernel must zero before it is first written (a quarter of the time of
// extracting from a compressed dump, bench/run.py's zstd case), and the
// three steps overlap instead of running one after the other.
//
// Every consumer sees every chunk, in order, each in its own thread. A
// chunk's buffer is reused only after all of them are done with it. If no
// thread can be started, Publish() runs the consumers in the caller's thread.
// A consumer that throws is stopped as one that fails is, and Finish()
// rethrows the exception in the producer's thread (inline, Publish() does).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/byte_buffer.h"
#include "base/error.h"
#include "base/worker_threads.h"

namespace csd {

class ChunkFanout {
 public:
  // Handles one chunk; an error stops this consumer (later chunks are
  // skipped) and is reported by Publish() and Finish().
  using Consumer = std::function<Status(std::span<const std::byte>)>;

  // `buffers` (at least 2) chunk buffers of `chunk_size` bytes each.
  ChunkFanout(size_t chunk_size, std::vector<Consumer> consumers, size_t buffers = 2);
  // Stops the consumers; chunks not yet handled are dropped.
  ~ChunkFanout();
  ChunkFanout(const ChunkFanout&) = delete;
  ChunkFanout& operator=(const ChunkFanout&) = delete;

  // The buffer for the next chunk (chunk_size bytes), once every consumer is
  // done with what it held before. Call Publish() before the next Acquire().
  std::span<std::byte> Acquire();
  // Hands the first `size` bytes of the acquired buffer to every consumer.
  // Returns the first consumer error so far, so the producer can stop early.
  Status Publish(size_t size);
  // Waits until every consumer has handled every published chunk; the first
  // error of any consumer (in consumer order), else OK. Rethrows the first
  // exception a consumer threw (in consumer order) instead. Call once.
  Status Finish();

 private:
  struct Chunk {
    ByteBuffer bytes;
    size_t size = 0;
  };
  struct Lane {
    Consumer consume;
    size_t done = 0;             // chunks handled (or skipped after an error); guarded by mutex_
    std::optional<Error> error;  // guarded by mutex_
    std::exception_ptr thrown;   // guarded by mutex_: consume() threw; stopped as on an error
  };

  void Run(size_t lane);
  size_t SlowestLocked() const;
  Status FirstErrorLocked() const;

  std::vector<Chunk> chunks_;
  std::vector<Lane> lanes_;
  std::mutex mutex_;
  std::condition_variable published_cv_;  // producer -> consumers
  std::condition_variable done_cv_;       // consumers -> producer
  size_t published_ = 0;                  // guarded by mutex_
  bool stop_ = false;                     // guarded by mutex_: destroyed, drop the rest
  // Declared last: destroyed first, so it joins the consumers (which ~ChunkFanout
  // has told to stop) while what they use is still alive. Empty: consumers run inline.
  WorkerThreads threads_;
};

}  // namespace csd
