#pragma once
// `trestle-bench node`: end-to-end throughput and commit latency of a chain of real nodes
// (LocalChain: each node with its own LMDB store, TCP+TLS links, tx pool and consensus thread)
// in this process. Transactions are signed before the clock starts and submitted straight to the
// nodes' pools (no JSON-RPC; `trestle load` measures through RPC), round-robin over the nodes.
// There is no peer chain in the process to compare with; the throughput row is set against the
// project's goal of 5,000 tx/s for the ecdsa suite on a 2-core machine.

#include <cstdint>
#include <string>
#include <vector>

#include "measure.hpp"

namespace trestle::bench {

struct NodeBenchOptions {
  std::vector<std::string> suites = {"ecdsa", "sm"};
  std::uint32_t nodes = 4;
  std::string engine = "pbft";
  std::size_t txs = 20'000;            // transfers per suite
  std::uint32_t block_tx_max = 2'000;  // ConsensusConfig::block_tx_max
  bool sync = true;                    // durable commits (fsync), as a production node
  bool progress = true;                // progress lines on stderr
};

// Rows per suite: "<engine> n=<n> <suite> e2e" in tx/s (against the goal), then "... commit
// latency p50" and "p99" in ms. Throws std::runtime_error when the chain fails (a node cannot
// start, a transaction is refused, or not everything commits within a minute).
std::vector<Row> run_node_bench(const NodeBenchOptions& options);

}  // namespace trestle::bench
