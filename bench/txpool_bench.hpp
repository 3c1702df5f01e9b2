#pragma once
// `trestle-bench txpool`: batch signature verification on 2 threads against 1 thread, in one run.
//
//   verify_batch   crypto::sm2::Verifier::verify_batch over batch_size signatures by distinct keys
//                  (no key gets a precomputed table), then by 16 keys in turn (all tables built)
//   submit_batch   TxPool::submit_batch of batch_size signed transactions by distinct senders, on
//                  an sm chain (digests on the pool's workers, then the Verifier) and on an ecdsa
//                  chain (key recovery on the workers); 2 threads is verify_thread_count 1
//   control        a fixed amount of SM3 hashing on 1 thread and split over 2 threads that share
//                  nothing: the scaling the machine offers at that moment (about 2 when idle)
//
// The "trestle" column is 2 threads, the peer column 1 thread, so the ratio is the scaling. The
// two take turns round by round and each figure is the best of its rounds (wall-clock time), so a
// burst of other load on a shared machine hurts both alike. Scaling needs a second idle core.

#include <cstddef>
#include <vector>

#include "measure.hpp"

namespace trestle::bench {

struct TxPoolBenchOptions {
  std::size_t batch_size = 1'024;
  std::size_t rounds = 7;  // timed batches per contestant and row
  bool progress = true;    // one line per row on stderr
};

// Throws std::runtime_error when a batch does not verify as expected.
std::vector<Row> run_txpool_bench(const TxPoolBenchOptions& options);

}  // namespace trestle::bench
