// SPDX-License-Identifier: MIT
#include "base/chunk_fanout.h"

#include <algorithm>
#include <utility>

namespace csd {

ChunkFanout::ChunkFanout(size_t chunk_size, std::vector<Consumer> consumers, size_t buffers)
    : chunks_(std::max<size_t>(buffers, 2)) {
  for (Chunk& chunk : chunks_) chunk.bytes.resize(chunk_size);
  lanes_.reserve(consumers.size());
  for (Consumer& consume : consumers)
    lanes_.push_back(Lane{std::move(consume), 0, std::nullopt, nullptr});
  for (size_t lane = 0; lane < lanes_.size(); ++lane) {
    if (threads_.Start([this, lane] { Run(lane); })) continue;
    // Fewer threads than consumers: stop those that started and run every
    // consumer inline instead, so the order of effects stays the same.
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    published_cv_.notify_all();
    threads_.Join();
    stop_ = false;
    break;
  }
}

ChunkFanout::~ChunkFanout() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  published_cv_.notify_all();
  // threads_ joins them as it is destroyed.
}

size_t ChunkFanout::SlowestLocked() const {
  size_t slowest = published_;
  for (const Lane& lane : lanes_) slowest = std::min(slowest, lane.done);
  return slowest;
}

Status ChunkFanout::FirstErrorLocked() const {
  for (const Lane& lane : lanes_) {
    if (lane.error) return *lane.error;
  }
  return OkStatus();
}

std::span<std::byte> ChunkFanout::Acquire() {
  std::unique_lock lock(mutex_);
  // Chunk `published_` reuses the buffer of chunk published_ - chunks_.size().
  done_cv_.wait(lock, [&] { return published_ - SlowestLocked() < chunks_.size(); });
  return chunks_[published_ % chunks_.size()].bytes;
}

Status ChunkFanout::Publish(size_t size) {
  if (threads_.empty()) {
    // Inline: consumers see the chunk now, in order.
    Chunk& chunk = chunks_[published_ % chunks_.size()];
    chunk.size = std::min(size, chunk.bytes.size());
    ++published_;
    for (Lane& lane : lanes_) {
      if (!lane.error) {
        Status status = lane.consume(std::span(chunk.bytes).first(chunk.size));
        if (!status.ok()) lane.error = std::move(status).error();
      }
      lane.done = published_;
    }
    return FirstErrorLocked();
  }
  Status first_error = OkStatus();
  {
    std::lock_guard lock(mutex_);
    Chunk& chunk = chunks_[published_ % chunks_.size()];
    chunk.size = std::min(size, chunk.bytes.size());
    ++published_;
    first_error = FirstErrorLocked();
  }
  published_cv_.notify_all();
  return first_error;
}

void ChunkFanout::Run(size_t index) {
  Lane& lane = lanes_[index];
  std::unique_lock lock(mutex_);
  while (true) {
    published_cv_.wait(lock, [&] { return stop_ || lane.done < published_; });
    if (stop_) return;  // destroyed: whatever is left is dropped
    const Chunk& chunk = chunks_[lane.done % chunks_.size()];
    const bool skip = lane.error.has_value() || lane.thrown;
    lock.unlock();
    Status status = OkStatus();
    std::exception_ptr thrown;
    if (!skip) {
      try {
        status = lane.consume(std::span(chunk.bytes).first(chunk.size));
      } catch (...) {
        // Carried to Finish(): escaping this thread would leave the
        // producer waiting for a lane that never advances.
        thrown = std::current_exception();
      }
    }
    lock.lock();
    if (!status.ok()) lane.error = std::move(status).error();
    if (thrown) lane.thrown = thrown;
    ++lane.done;
    done_cv_.notify_all();
  }
}

Status ChunkFanout::Finish() {
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [&] { return SlowestLocked() == published_; });
  for (const Lane& lane : lanes_) {
    if (lane.thrown) std::rethrow_exception(lane.thrown);
  }
  return FirstErrorLocked();
}

}  // namespace csd
