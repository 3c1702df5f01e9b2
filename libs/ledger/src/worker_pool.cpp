#include "worker_pool.hpp"

#include <atomic>
#include <memory>

namespace trestle::ledger::detail {

WorkerPool::WorkerPool(std::size_t thread_count) {
  threads_.reserve(thread_count);
  for (std::size_t i = 0; i < thread_count; ++i) threads_.emplace_back([this] { run(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void WorkerPool::parallel_for(std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (threads_.empty() || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  // Each helper claims indexes from a shared counter; the caller claims too, so the loop finishes
  // even when every worker is busy with another caller's loop.
  struct Loop {
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    std::condition_variable done;
    std::size_t helpers_running = 0;
  };
  auto loop = std::make_shared<Loop>();
  auto drain = [loop, count, &fn] {
    for (std::size_t i = loop->next.fetch_add(1); i < count; i = loop->next.fetch_add(1)) fn(i);
  };
  const std::size_t helpers = std::min(threads_.size(), count - 1);
  loop->helpers_running = helpers;
  {
    std::lock_guard lock(mutex_);
    for (std::size_t h = 0; h < helpers; ++h) {
      queue_.emplace_back([loop, drain] {
        drain();
        std::lock_guard loop_lock(loop->mutex);
        if (--loop->helpers_running == 0) loop->done.notify_all();
      });
    }
  }
  work_ready_.notify_all();
  drain();
  // `fn` lives on this stack frame: wait until no helper can still be calling it.
  std::unique_lock lock(loop->mutex);
  loop->done.wait(lock, [&] { return loop->helpers_running == 0; });
}

}  // namespace trestle::ledger::detail
