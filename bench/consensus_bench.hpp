#pragma once
// `trestle-bench consensus`: the deterministic simulator's speed and the engines' costs, for
// PBFT and Raft on 4, 7, 10 and 16 sealers without faults. There is no peer implementation to
// compare with; the rows are Trestle's alone.

#include <vector>

#include "measure.hpp"

namespace trestle::bench {

struct ConsensusBenchOptions {
  unsigned seeds = 20;   // runs per (engine, node count)
  unsigned blocks = 30;  // blocks per run
  bool progress = true;  // one line per measurement on stderr
};

// Rows per (engine, n): "<engine> n=<n> simulated blocks" in blocks/s of wall time (how fast the
// simulator runs), "<engine> n=<n> messages" in messages/block and "<engine> n=<n> bytes" in
// bytes/block (the protocol's cost). Throws std::runtime_error when a run violates an invariant.
std::vector<Row> run_consensus_bench(const ConsensusBenchOptions& options);

}  // namespace trestle::bench
