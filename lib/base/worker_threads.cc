// SPDX-License-Identifier: MIT
#include "base/worker_threads.h"

#include <new>
#include <system_error>
#include <utility>

namespace csd {

WorkerThreads::~WorkerThreads() {
  (void)JoinAll();
}

bool WorkerThreads::Start(std::function<void()> task) noexcept {
  try {
    Worker& worker = workers_.emplace_back();
    try {
      worker.thread = std::thread([&worker, task = std::move(task)] {
        try {
          task();
        } catch (...) {
          worker.thrown = std::current_exception();
        }
      });
    } catch (...) {
      workers_.pop_back();
      throw;
    }
  } catch (const std::system_error&) {
    return false;  // the system has no thread for us
  } catch (const std::bad_alloc&) {
    return false;  // nor the memory to start one
  }
  return true;
}

std::exception_ptr WorkerThreads::JoinAll() noexcept {
  std::exception_ptr first;
  for (Worker& worker : workers_) {
    if (worker.thread.joinable()) worker.thread.join();
    if (!first) first = worker.thrown;
  }
  workers_.clear();
  return first;
}

void WorkerThreads::Join() {
  if (std::exception_ptr thrown = JoinAll()) std::rethrow_exception(thrown);
}

void RunOnThreads(size_t threads, const std::function<void()>& work) {
  WorkerThreads others;
  for (size_t extra = 1; extra < threads; ++extra) {
    if (!others.Start([&work] { work(); })) break;  // no more threads: the rest share the work
  }
  work();  // if this throws, `others` still joins before the exception leaves
  others.Join();
}

}  // namespace csd
