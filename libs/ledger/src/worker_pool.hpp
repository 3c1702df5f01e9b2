#pragma once
// A fixed set of worker threads for data-parallel loops (the tx pool's signature checks).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace trestle::ledger::detail {

class WorkerPool {
 public:
  // 0 threads: parallel_for runs on the caller's thread.
  explicit WorkerPool(std::size_t thread_count);
  ~WorkerPool();  // finishes queued work, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Calls fn(i) for every i in [0, count), on the workers and the caller's thread, and returns
  // when all calls have returned. Safe to call from several threads at once. `fn` must not throw.
  void parallel_for(std::size_t count, const std::function<void(std::size_t)>& fn);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace trestle::ledger::detail
