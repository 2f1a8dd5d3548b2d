// SPDX-License-Identifier: MIT
#include "base/worker_threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace csd {
namespace {

TEST(WorkerThreadsTest, RunsEveryTaskOnItsOwnThread) {
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::vector<int> ran(4, 0);
  WorkerThreads workers;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(workers.Start([&, i] {
      std::lock_guard lock(mutex);
      ids.insert(std::this_thread::get_id());
      ++ran[static_cast<size_t>(i)];
    }));
  }
  EXPECT_EQ(workers.size(), 4u);
  workers.Join();
  EXPECT_TRUE(workers.empty());
  EXPECT_EQ(ran, std::vector<int>(4, 1));
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  workers.Join();  // nothing left: a no-op
}

TEST(WorkerThreadsTest, JoinRethrowsTheFirstExceptionInStartOrder) {
  // The second task throws first in time; the first task's exception still wins.
  std::atomic<bool> second_threw{false};
  WorkerThreads workers;
  ASSERT_TRUE(workers.Start([&] {
    while (!second_threw) std::this_thread::yield();
    throw std::runtime_error("first");
  }));
  ASSERT_TRUE(workers.Start([&] {
    second_threw = true;
    throw std::logic_error("second");
  }));
  try {
    workers.Join();
    ADD_FAILURE() << "Join() did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "first");
  }
  EXPECT_TRUE(workers.empty());  // every thread was joined, not only the first
}

TEST(WorkerThreadsTest, DestructorJoinsAndDropsExceptions) {
  std::atomic<bool> finished{false};
  {
    WorkerThreads workers;
    ASSERT_TRUE(workers.Start([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      finished = true;
    }));
    ASSERT_TRUE(workers.Start([] { throw std::runtime_error("nobody joins me"); }));
  }  // must neither terminate (joinable std::thread, escaped exception) nor return early
  EXPECT_TRUE(finished);
}

TEST(WorkerThreadsTest, AnExceptionInTheOwnerStillJoins) {
  std::atomic<bool> finished{false};
  std::mutex mutex;
  std::condition_variable cv;
  bool release = false;
  try {
    WorkerThreads workers;
    ASSERT_TRUE(workers.Start([&] {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return release; });
      finished = true;
    }));
    {
      std::lock_guard lock(mutex);
      release = true;  // signalled before the join, as the owner must
    }
    cv.notify_all();
    throw std::runtime_error("owner failed");
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "owner failed");
  }
  EXPECT_TRUE(finished);
}

// The runs share a pool through an atomic counter, the way the kdump page
// decoders do: every item is handled exactly once, by up to `threads` threads.
TEST(RunOnThreadsTest, RunsShareThePoolAndAllFinish) {
  for (size_t threads : {0u, 1u, 2u, 5u}) {
    SCOPED_TRACE(threads);
    constexpr size_t kItems = 1000;
    std::vector<std::atomic<int>> handled(kItems);
    std::atomic<size_t> next{0};
    std::atomic<size_t> runs{0};
    std::mutex mutex;
    std::set<std::thread::id> ids;
    RunOnThreads(threads, [&] {
      ++runs;
      {
        std::lock_guard lock(mutex);
        ids.insert(std::this_thread::get_id());
      }
      for (size_t i; (i = next.fetch_add(3)) < kItems;) {
        for (size_t k = i; k < std::min(kItems, i + 3); ++k) ++handled[k];
      }
    });
    for (size_t k = 0; k < kItems; ++k) ASSERT_EQ(handled[k].load(), 1) << k;
    EXPECT_EQ(runs.load(), std::max<size_t>(threads, 1));
    EXPECT_EQ(ids.size(), runs.load());
    EXPECT_EQ(ids.count(std::this_thread::get_id()), 1u);  // the caller ran too
  }
}

TEST(RunOnThreadsTest, RethrowsAfterEveryRunHasReturned) {
  const auto caller = std::this_thread::get_id();
  // The first worker to start throws at once; the caller's run and the other
  // worker's have both returned by the time RunOnThreads rethrows.
  std::atomic<size_t> workers_started{0};
  std::atomic<size_t> returned{0};
  EXPECT_THROW(RunOnThreads(3,
                            [&] {
                              if (std::this_thread::get_id() != caller && workers_started++ == 0)
                                throw std::runtime_error("worker");
                              std::this_thread::sleep_for(std::chrono::milliseconds(5));
                              ++returned;
                            }),
               std::runtime_error);
  EXPECT_EQ(workers_started.load(), 2u);
  EXPECT_EQ(returned.load(), 2u);
  // The caller's own run throws: the workers are joined before it propagates.
  std::atomic<size_t> workers_done{0};
  try {
    RunOnThreads(3, [&] {
      if (std::this_thread::get_id() == caller) throw std::runtime_error("caller");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ++workers_done;
    });
    ADD_FAILURE() << "RunOnThreads did not rethrow";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "caller");
  }
  EXPECT_EQ(workers_done.load(), 2u);
}

}  // namespace
}  // namespace csd
