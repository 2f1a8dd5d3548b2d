// SPDX-License-Identifier: MIT
// Threads that run work beside their owner and are always joined. The kdump
// page decoders, ChunkFanout's consumers, Sha256Follower and WriteHashed's
// hasher each need the same three things that std::thread leaves to them:
//  - a thread that cannot be started is reported (Start() returns false)
//    rather than thrown, so the owner can do the work itself instead;
//  - no thread is ever destroyed while joinable (std::terminate): the
//    destructor joins, so an early return or an exception in the owner is safe;
//  - an exception that escapes a task is caught on its thread and rethrown
//    by Join() in the owner's thread, instead of terminating the process.
// Whatever a task waits for (a stop flag, a condition variable) is the
// owner's to signal before the join. An owner whose tasks use its other
// members declares its WorkerThreads last, so it is destroyed (joined) first.
#pragma once

#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <thread>

namespace csd {

class WorkerThreads {
 public:
  WorkerThreads() = default;
  // Joins every thread; an exception a task threw is dropped.
  ~WorkerThreads();
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Runs `task` on a new thread. False, and nothing runs, if no thread can
  // be started (std::thread's std::system_error, or std::bad_alloc). Never
  // throws, so an owner whose started threads wait for a signal is never left
  // joining them during unwinding before it could send it.
  [[nodiscard]] bool Start(std::function<void()> task) noexcept;
  // Threads started and not yet joined.
  size_t size() const { return workers_.size(); }
  bool empty() const { return workers_.empty(); }
  // Waits for every thread started so far, then rethrows the first
  // exception (in start order) that escaped a task. Afterwards empty().
  void Join();

 private:
  struct Worker {
    std::thread thread;
    std::exception_ptr thrown;  // written by `thread`, read after joining it
  };
  std::exception_ptr JoinAll() noexcept;

  std::deque<Worker> workers_;  // a deque: a running thread's Worker never moves
};

// Runs `work` on the calling thread and, at the same time, on up to
// `threads - 1` more, and returns once every run has returned. The runs are
// meant to share one pool of work (each claims items from an atomic counter,
// say), so when fewer threads can be started the work still all gets done,
// only more slowly. The first exception of any run is rethrown, the calling
// thread's first; the other runs are joined before it leaves.
void RunOnThreads(size_t threads, const std::function<void()>& work);

}  // namespace csd
