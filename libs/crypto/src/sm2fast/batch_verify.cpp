#include "batch_verify.hpp"

#include <algorithm>
#include <cassert>
#include <exception>

#include "sm2_fast.hpp"

namespace trestle::crypto::sm2fast {
namespace {
// Items claimed per grab: large enough that the shared counter is not contended, small enough
// that threads finish together.
constexpr std::size_t kChunk = 8;
}  // namespace

BatchVerifier::BatchVerifier(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  // A thread that cannot be started (std::system_error, std::bad_alloc) is simply not there:
  // the pool runs with fewer threads, down to the caller's alone.
  try {
    workers_.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
  } catch (const std::exception&) {
  }
}

BatchVerifier::~BatchVerifier() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void BatchVerifier::run_share() {
  for (;;) {
    const std::size_t begin = next_.fetch_add(kChunk, std::memory_order_relaxed);
    if (begin >= items_.size()) return;
    const std::size_t end = std::min(begin + kChunk, items_.size());
    for (std::size_t i = begin; i < end; ++i) {
      const VerifyItem& item = items_[i];
      results_[i] = verify_digest(item.public_key, item.digest, item.signature, cache_) ? 1 : 0;
    }
  }
}

void BatchVerifier::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    run_share();
    std::lock_guard<std::mutex> lock(mu_);
    if (--busy_ == 0) done_.notify_one();
  }
}

void BatchVerifier::verify(std::span<const VerifyItem> items, std::span<std::uint8_t> results, KeyTableCache* cache) {
  assert(results.size() == items.size());
  std::lock_guard<std::mutex> call_lock(call_mu_);
  if (items.size() <= kChunk || workers_.empty()) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      results[i] = verify_digest(items[i].public_key, items[i].digest, items[i].signature, cache) ? 1 : 0;
    }
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    items_ = items;
    results_ = results;
    cache_ = cache;
    next_.store(0, std::memory_order_relaxed);
    busy_ = static_cast<unsigned>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  run_share();
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [&] { return busy_ == 0; });
  items_ = {};
  results_ = {};
  cache_ = nullptr;
}

std::vector<std::uint8_t> verify_batch(std::span<const VerifyItem> items, unsigned threads, KeyTableCache* cache) {
  std::vector<std::uint8_t> results(items.size());
  BatchVerifier verifier(threads);
  verifier.verify(items, results, cache);
  return results;
}

}  // namespace trestle::crypto::sm2fast
