#pragma once
// The deterministic simulator: N engines in one thread on virtual time.
//
// A run is a pure function of (engine factory, SimOptions): the same seed replays the same run
// event for event. Each node gets a Host backed by the simulation: a network with chosen faults,
// virtual timers (optionally skewed), a tx pool fed at a fixed rate, a ledger that survives
// crashes, and a durable-state slot that loses an unsynced write on a crash when asked to.
//
// Signatures: by default a keyed-hash signer (SipHash-2-4 with a per-node secret that only the
// simulator holds): a node, Byzantine or not, can sign only as itself, and thousands of seeds run
// in seconds. With `suite` set, real signatures of that suite, keys derived from the seed.
//
// Invariants (checked as each block is committed, and at the end):
//   agreement  no two correct nodes commit different blocks at one height
//   validity   every committed block was proposed by some node's host and carries a certificate
//              of at least the engine's quorum of valid, distinct votes for its height and hash
//   liveness   every correct node reaches target_blocks by the end of the fault window plus
//              liveness_bound_ms of virtual time
// Byzantine nodes are not checked; crashed nodes are correct once restarted.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "trestle/consensus/engine.hpp"
#include "trestle/consensus/pbft.hpp"
#include "trestle/consensus/raft.hpp"
#include "trestle/consensus/rng.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::consensus {

// Faults, all drawn from the run's seed. Network faults and crashes happen only during
// [0, window_ms); after it the network is synchronous (latency within
// [SimOptions::latency_ms_min, latency_ms_max)), partitions are healed and every crashed node
// has restarted.
struct FaultOptions {
  std::uint64_t window_ms = 4'000;

  bool drop = false;
  std::uint32_t drop_per_million = 50'000;  // each delivery lost with this probability
  bool duplicate = false;
  std::uint32_t duplicate_per_million = 50'000;
  // Extra delay on some messages, so they arrive after later ones (reordering).
  bool delay = false;
  std::uint32_t delay_per_million = 200'000;
  std::uint32_t delay_ms_max = 500;
  // Partitions: the nodes split in two random sides, then heal.
  bool partition = false;
  std::uint32_t partition_count = 2;
  std::uint32_t partition_ms_max = 1'500;
  // Crashes: `crash_count` correct nodes each crash once and restart from their stored state.
  bool crash = false;
  std::uint32_t crash_count = 1;
  std::uint32_t crash_downtime_ms_max = 1'500;
  bool lose_unsynced_write = true;  // a crash loses a stored but unsynced state (half the time)
  // Each node's timers run at a rate in [1 - skew, 1 + skew], skew = clock_skew_per_mille / 1000.
  bool clock_skew = false;
  std::uint32_t clock_skew_per_mille = 200;

  // Partitions at fixed times, in addition to the random ones: nodes whose bit is set in
  // `side_mask` are cut off from the others during [start_ms, end_ms). Not bound by window_ms.
  struct ScheduledPartition {
    std::uint64_t start_ms = 0;
    std::uint64_t end_ms = 0;
    std::uint64_t side_mask = 0;
  };
  std::vector<ScheduledPartition> scheduled_partitions;

  // Every fault above on, with the default parameters.
  static FaultOptions all();
  bool any() const { return drop || duplicate || delay || partition || crash || clock_skew; }
};

struct SimOptions {
  std::uint64_t seed = 1;
  std::uint32_t node_count = 4;
  // The last `byzantine_count` nodes run the engine's Byzantine variant. At most f for PBFT;
  // zero for engines without one (Raft).
  std::uint32_t byzantine_count = 0;
  Height target_blocks = 30;
  // One-way latency of a delivered message, uniform in [min, max).
  std::uint32_t latency_ms_min = 2;
  std::uint32_t latency_ms_max = 10;
  // Time the host takes to answer request_proposal and validate_proposal.
  std::uint32_t host_delay_ms = 1;
  // The first `slow_node_count` correct nodes answer after slow_host_delay_ms instead: a slow or
  // overloaded sealer.
  std::uint32_t slow_node_count = 0;
  std::uint32_t slow_host_delay_ms = 0;
  // The simulated clients submit transactions at this rate; a block takes at most
  // block_tx_count_max of the pending ones.
  std::uint32_t tx_rate_per_s = 5'000;
  std::uint32_t block_tx_count_max = 1'000;
  // The liveness bound, counted from the end of the fault window (or of the last scheduled
  // partition, when later).
  std::uint64_t liveness_bound_ms = 60'000;
  FaultOptions faults;
  // Real signatures of this suite instead of the keyed-hash signer (slower).
  const crypto::CryptoSuite* suite = nullptr;
};

// Everything the simulator needs to know about a protocol.
struct EngineFactory {
  std::string name;
  // Builds node `node`'s engine on `host`; `seed` is a per-node value derived from the run seed
  // (for engines that randomize, such as Raft's election timeouts).
  std::function<std::unique_ptr<Engine>(Host& host, NodeIndex node, std::uint64_t seed)> make;
  // Builds a Byzantine node's engine; empty when the protocol does not tolerate Byzantine nodes.
  // `conflicting` returns another valid block for a height, for equivocation.
  std::function<std::unique_ptr<Engine>(Host& host, NodeIndex node, std::uint64_t seed,
                                        std::function<Proposal(Height)> conflicting)>
      make_byzantine;
  // Votes a valid commit certificate holds for n sealers.
  std::function<std::uint32_t(std::uint32_t n)> certificate_quorum;
  // The most Byzantine nodes the protocol is meant to tolerate for n sealers.
  std::function<std::uint32_t(std::uint32_t n)> byzantine_max;
};

EngineFactory pbft_factory(const PbftOptions& options = {});
EngineFactory raft_factory(const RaftOptions& options = {});

struct Violation {
  enum class Kind { kAgreement, kValidity, kLiveness };
  Kind kind = Kind::kAgreement;
  std::uint64_t time_ms = 0;
  NodeIndex node = 0;
  Height height = 0;
  std::string message;
};

std::string_view violation_kind_name(Violation::Kind kind);  // "agreement", "validity", "liveness"

struct SimReport {
  std::string engine;
  std::uint64_t seed = 0;
  std::uint32_t node_count = 0;
  std::uint32_t byzantine_count = 0;
  Height blocks_committed = 0;  // the height every correct node reached
  std::vector<Height> heights;  // each node's committed height at the end
  std::uint64_t transactions_committed = 0;
  std::uint64_t end_time_ms = 0;     // virtual time when the run stopped
  std::uint64_t last_commit_ms = 0;  // when the last correct node reached blocks_committed
  double blocks_per_s = 0;           // virtual time
  double transactions_per_s = 0;
  // Submission of a transaction to its first commit by a correct node, in virtual ms.
  std::uint64_t latency_ms_p50 = 0;
  std::uint64_t latency_ms_p99 = 0;
  std::uint64_t messages_sent = 0;  // by every node, counted once per destination
  std::uint64_t bytes_sent = 0;
  double messages_per_block = 0;
  double bytes_per_block = 0;
  std::uint64_t rounds_started = 0;                    // view changes or elections, summed over correct nodes
  std::vector<std::uint64_t> rounds_started_per_node;  // Byzantine nodes count 0
  std::uint64_t dropped_malformed = 0;
  std::uint64_t dropped_bad_signature = 0;
  std::uint64_t crashes = 0;
  std::uint64_t events = 0;
  std::vector<Violation> violations;

  bool ok() const { return violations.empty(); }
};

// Runs one simulation. Errors (kInvalidArgument): node_count outside [1, kSealerCountMax], more
// Byzantine nodes than the factory allows, crash_count + byzantine_count > node_count,
// latency_ms_min >= latency_ms_max, target_blocks == 0 or over 1,000,000.
Result<SimReport> run_simulation(const EngineFactory& factory, const SimOptions& options);

// Many seeds: [seed_first, seed_last], each with `options` but its own seed.
struct SweepReport {
  std::uint64_t runs = 0;
  std::uint64_t violations = 0;  // runs with at least one violation
  std::vector<std::uint64_t> failing_seeds;
  std::vector<Violation> first_violations;  // the first violation of each failing seed, same order
  std::uint64_t blocks_committed = 0;
  std::uint64_t transactions_committed = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t rounds_started = 0;
  std::uint64_t virtual_time_ms = 0;
  std::uint64_t latency_ms_p50 = 0;  // median over runs of each run's p50
  std::uint64_t latency_ms_p99 = 0;  // the 99th percentile over runs of each run's p99
};

// `progress(done, total)` is called after each seed when given. Errors as run_simulation.
Result<SweepReport> run_sweep(const EngineFactory& factory, const SimOptions& options, std::uint64_t seed_first,
                              std::uint64_t seed_last,
                              const std::function<void(std::uint64_t done, std::uint64_t total)>& progress = {});

}  // namespace trestle::consensus
