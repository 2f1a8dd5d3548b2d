// SPDX-License-Identifier: MIT
#include "base/chunk_fanout.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

namespace csd {
namespace {

// Chunk k is filled with byte value k (mod 251) and has size 1 + k % chunk.
std::vector<std::byte> Produce(ChunkFanout& fanout, size_t chunks, size_t chunk_size) {
  std::vector<std::byte> all;
  for (size_t k = 0; k < chunks; ++k) {
    std::span<std::byte> buffer = fanout.Acquire();
    EXPECT_EQ(buffer.size(), chunk_size);
    const size_t n = 1 + k % chunk_size;
    std::memset(buffer.data(), static_cast<int>(k % 251), n);
    all.insert(all.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_TRUE(fanout.Publish(n).ok());
  }
  return all;
}

TEST(ChunkFanoutTest, EveryConsumerSeesEveryChunkInOrder) {
  // The slow consumer makes the producer wait for buffers: if a buffer were
  // reused before both consumers were done with it, their copies would differ
  // from what was produced.
  std::vector<std::byte> fast, slow;
  {
    ChunkFanout fanout(64,
                       {[&](std::span<const std::byte> c) {
                          fast.insert(fast.end(), c.begin(), c.end());
                          return OkStatus();
                        },
                        [&](std::span<const std::byte> c) {
                          std::this_thread::sleep_for(std::chrono::microseconds(200));
                          slow.insert(slow.end(), c.begin(), c.end());
                          return OkStatus();
                        }},
                       2);
    const std::vector<std::byte> produced = Produce(fanout, 100, 64);
    ASSERT_TRUE(fanout.Finish().ok());
    EXPECT_EQ(fast, produced);
    EXPECT_EQ(slow, produced);
  }
}

TEST(ChunkFanoutTest, NoBufferIsHandedOutWhileAConsumerHoldsIt) {
  // Two buffers: the producer may be at most two chunks ahead of the slowest
  // consumer.
  std::atomic<size_t> handled{0};
  std::atomic<size_t> max_ahead{0};
  std::atomic<size_t> published{0};
  ChunkFanout fanout(8, {[&](std::span<const std::byte>) {
                       std::this_thread::sleep_for(std::chrono::microseconds(100));
                       ++handled;
                       return OkStatus();
                     }},
                     2);
  for (int k = 0; k < 50; ++k) {
    (void)fanout.Acquire();
    const size_t ahead = published - handled;
    if (ahead > max_ahead) max_ahead = ahead;
    ASSERT_TRUE(fanout.Publish(8).ok());
    ++published;
  }
  ASSERT_TRUE(fanout.Finish().ok());
  EXPECT_EQ(handled, 50u);
  EXPECT_LE(max_ahead, 1u);  // at Acquire, at most one other chunk is still held
}

TEST(ChunkFanoutTest, AConsumerErrorStopsItAndIsReported) {
  size_t seen_by_failing = 0;
  size_t seen_by_other = 0;
  ChunkFanout fanout(4, {[&](std::span<const std::byte>) {
                           ++seen_by_other;
                           return OkStatus();
                         },
                         [&](std::span<const std::byte>) -> Status {
                           if (++seen_by_failing == 3) return Error(ErrorCode::kIo, "disk full");
                           return OkStatus();
                         }});
  bool stopped = false;
  for (int k = 0; k < 20 && !stopped; ++k) {
    (void)fanout.Acquire();
    stopped = !fanout.Publish(4).ok();
  }
  const Status finished = fanout.Finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().message(), "disk full");
  EXPECT_EQ(seen_by_failing, 3u);  // nothing after its error
  EXPECT_GE(seen_by_other, 3u);
  // Publish reports the error once the consumer has hit it: the producer
  // stops within the two chunks that can be in flight.
  EXPECT_TRUE(stopped);
}

// A consumer that throws on its own thread must neither terminate the
// process nor leave the producer waiting for it: it stops like a failing
// consumer, and Finish() rethrows in the producer's thread.
TEST(ChunkFanoutTest, AConsumerExceptionReachesFinish) {
  size_t seen_by_throwing = 0;
  size_t seen_by_other = 0;
  ChunkFanout fanout(4, {[&](std::span<const std::byte>) -> Status {
                           if (++seen_by_throwing == 2) throw std::runtime_error("out of memory");
                           return OkStatus();
                         },
                         [&](std::span<const std::byte>) {
                           ++seen_by_other;
                           return OkStatus();
                         }});
  for (int k = 0; k < 10; ++k) {
    (void)fanout.Acquire();
    (void)fanout.Publish(4);
  }
  try {
    (void)fanout.Finish();
    ADD_FAILURE() << "Finish() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "out of memory");
  }
  EXPECT_EQ(seen_by_throwing, 2u);  // nothing after it threw
  EXPECT_EQ(seen_by_other, 10u);    // the other consumer is unaffected
}

TEST(ChunkFanoutTest, DestroyingWithoutFinishDropsTheRest) {
  std::atomic<size_t> handled{0};
  {
    ChunkFanout fanout(4, {[&](std::span<const std::byte>) {
                         std::this_thread::sleep_for(std::chrono::milliseconds(5));
                         ++handled;
                         return OkStatus();
                       }});
    for (int k = 0; k < 2; ++k) {
      (void)fanout.Acquire();
      ASSERT_TRUE(fanout.Publish(4).ok());
    }
  }  // must not hang, nor touch the buffers after they are freed
  EXPECT_LE(handled, 2u);
}

TEST(ChunkFanoutTest, NoConsumersAndEmptyChunks) {
  ChunkFanout fanout(16, {});
  for (int k = 0; k < 5; ++k) {
    EXPECT_EQ(fanout.Acquire().size(), 16u);
    EXPECT_TRUE(fanout.Publish(0).ok());
  }
  EXPECT_TRUE(fanout.Finish().ok());
}

}  // namespace
}  // namespace csd
