#pragma once
// Verifies many SM2 signatures on a pool of threads, for the transaction pool. Each item is
// verified independently (no batch equation), so one bad signature fails only its own item.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "../curves.hpp"
#include "trestle/core/bytes.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::crypto::sm2fast {

class KeyTableCache;

struct VerifyItem {
  Point64 public_key{};  // x || y, checked on the curve like every other input
  Hash256 digest;        // e = SM3(Z_A || M)
  sm2::Signature signature;
};

class BatchVerifier {
 public:
  // Uses `threads` threads in all, the caller's included (threads - 1 workers are started
  // here and joined by the destructor; fewer if the system refuses to start them, see
  // threads()); 0 means std::thread::hardware_concurrency().
  explicit BatchVerifier(unsigned threads = 0);
  ~BatchVerifier();
  BatchVerifier(const BatchVerifier&) = delete;
  BatchVerifier& operator=(const BatchVerifier&) = delete;

  unsigned threads() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // results[i] = 1 when items[i] verifies, else 0. Precondition: results.size() ==
  // items.size(). Blocks until all are done. Thread-safe; concurrent calls run one at a time.
  // cache may be null.
  void verify(std::span<const VerifyItem> items, std::span<std::uint8_t> results, KeyTableCache* cache = nullptr);

 private:
  void worker_loop();
  void run_share();

  std::mutex call_mu_;  // one batch at a time
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::uint64_t generation_ = 0;  // bumped for each batch; workers wait for a new value
  unsigned busy_ = 0;             // workers still on the current batch
  bool stop_ = false;
  std::span<const VerifyItem> items_;
  std::span<std::uint8_t> results_;
  KeyTableCache* cache_ = nullptr;
  std::atomic<std::size_t> next_{0};
  std::vector<std::thread> workers_;
};

// Convenience: verifies on a fresh pool of `threads` threads (0: all cores).
std::vector<std::uint8_t> verify_batch(std::span<const VerifyItem> items, unsigned threads = 0,
                                       KeyTableCache* cache = nullptr);

}  // namespace trestle::crypto::sm2fast
