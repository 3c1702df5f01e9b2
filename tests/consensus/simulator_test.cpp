// The simulator itself: determinism, real signatures, option checks, reports, and proof that
// its invariant checkers fail when an engine is wrong.

#include <catch2/catch.hpp>

#include "trestle/consensus/simulator.hpp"

using namespace trestle;
using namespace trestle::consensus;

namespace {

SimOptions faulty(std::uint32_t n, std::uint32_t byzantine, std::uint64_t seed) {
  SimOptions options;
  options.node_count = n;
  options.byzantine_count = byzantine;
  options.seed = seed;
  options.faults = FaultOptions::all();
  return options;
}

bool same_run(const SimReport& a, const SimReport& b) {
  return a.events == b.events && a.messages_sent == b.messages_sent && a.bytes_sent == b.bytes_sent &&
         a.end_time_ms == b.end_time_ms && a.latency_ms_p50 == b.latency_ms_p50 &&
         a.latency_ms_p99 == b.latency_ms_p99 && a.rounds_started == b.rounds_started &&
         a.transactions_committed == b.transactions_committed && a.crashes == b.crashes;
}

}  // namespace

TEST_CASE("consensus simulator: the same seed replays the same run, event for event", "[consensus][sim]") {
  for (const EngineFactory& factory : {pbft_factory(), raft_factory()}) {
    const std::uint32_t byzantine = factory.name == "pbft" ? 1 : 0;
    auto first = run_simulation(factory, faulty(4, byzantine, 77));
    auto again = run_simulation(factory, faulty(4, byzantine, 77));
    auto other = run_simulation(factory, faulty(4, byzantine, 78));
    REQUIRE(first.ok());
    REQUIRE(again.ok());
    REQUIRE(other.ok());
    CHECK(same_run(*first, *again));
    CHECK_FALSE(same_run(*first, *other));
    CHECK(first->ok());
  }
}

TEST_CASE("consensus simulator: a clean run reports what it did", "[consensus][sim]") {
  SimOptions options;
  options.node_count = 4;
  options.target_blocks = 30;
  auto report = run_simulation(pbft_factory(), options);
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(report->engine == "pbft");
  CHECK(report->blocks_committed == 30);
  CHECK(report->transactions_committed > 0);
  CHECK(report->rounds_started == 0);  // no faults: no view change
  CHECK(report->messages_per_block > 0);
  CHECK(report->bytes_per_block > report->messages_per_block);
  CHECK(report->latency_ms_p50 <= report->latency_ms_p99);
  CHECK(report->blocks_per_s > 0);
  CHECK(report->dropped_malformed == 0);
  CHECK(report->dropped_bad_signature == 0);
  // Three phases among four nodes: roughly 3 + 12 + 12 messages a block.
  CHECK(report->messages_per_block < 40);
}

TEST_CASE("consensus simulator: runs with real SM2 and secp256k1 signatures", "[consensus][sim][crypto]") {
  SimOptions options = faulty(4, 1, 5);
  options.target_blocks = 5;
  options.suite = &crypto::CryptoSuite::ecdsa();
  auto ecdsa = run_simulation(pbft_factory(), options);
  REQUIRE(ecdsa.ok());
  CHECK(ecdsa->ok());
  CHECK(ecdsa->blocks_committed == 5);
  auto again = run_simulation(pbft_factory(), options);
  REQUIRE(again.ok());
  CHECK(same_run(*ecdsa, *again));  // RFC 6979 nonces: the bytes replay too
  options.suite = &crypto::CryptoSuite::sm();
  options.seed = 6;
  auto sm = run_simulation(pbft_factory(), options);
  REQUIRE(sm.ok());
  CHECK(sm->ok());
  CHECK(sm->blocks_committed == 5);
}

TEST_CASE("consensus simulator: options outside what the protocol tolerates are refused", "[consensus][sim]") {
  SimOptions options;
  options.node_count = 4;
  options.byzantine_count = 2;
  auto too_many = run_simulation(pbft_factory(), options);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.error().code() == ErrorCode::kInvalidArgument);
  CHECK(too_many.error().message().find("at most 1") != std::string::npos);
  options.byzantine_count = 1;
  auto raft = run_simulation(raft_factory(), options);
  REQUIRE_FALSE(raft.ok());
  CHECK(raft.error().message().find("no Byzantine model") != std::string::npos);
  options.byzantine_count = 0;
  options.node_count = 0;
  CHECK_FALSE(run_simulation(pbft_factory(), options).ok());
  options.node_count = 4;
  options.latency_ms_min = 10;
  options.latency_ms_max = 10;
  CHECK_FALSE(run_simulation(pbft_factory(), options).ok());
  options.latency_ms_max = 20;
  options.target_blocks = 0;
  CHECK_FALSE(run_simulation(pbft_factory(), options).ok());
  CHECK_FALSE(run_sweep(pbft_factory(), SimOptions{}, 5, 4).ok());
}

TEST_CASE("consensus simulator: PBFT that accepts f+1 votes is caught by the validity checker",
          "[consensus][sim][broken]") {
  PbftOptions broken;
  broken.unsafe_quorum_for_testing = 2;  // f + 1 for n = 4
  auto sweep = run_sweep(pbft_factory(broken), faulty(4, 1, 0), 1, 50);
  REQUIRE(sweep.ok());
  CHECK(sweep->violations == 50);
  CHECK(sweep->first_violations.front().kind == Violation::Kind::kValidity);
  CHECK(sweep->first_violations.front().message.find("quorum is 3") != std::string::npos);
}

TEST_CASE("consensus simulator: PBFT that accepts f+1 votes forks, and the agreement checker sees it",
          "[consensus][sim][broken]") {
  PbftOptions broken;
  broken.unsafe_quorum_for_testing = 2;
  EngineFactory factory = pbft_factory(broken);
  // Let its small certificates pass validity, so only agreement stands between it and a fork.
  factory.certificate_quorum = [](std::uint32_t) { return 2u; };
  auto sweep = run_sweep(factory, faulty(4, 1, 0), 1, 300);
  REQUIRE(sweep.ok());
  std::size_t forks = 0;
  for (const Violation& violation : sweep->first_violations) {
    forks += violation.kind == Violation::Kind::kAgreement ? 1 : 0;
  }
  CHECK(forks > 0);
  // The correct engine on the same seeds stays clean.
  auto correct = run_sweep(pbft_factory(), faulty(4, 1, 0), 1, 300);
  REQUIRE(correct.ok());
  CHECK(correct->violations == 0);
}

TEST_CASE("consensus simulator: an engine that never commits fails the liveness check", "[consensus][sim][broken]") {
  class Idle final : public Engine {
   public:
    void start() override {}
    void on_message(NodeIndex, ByteView) override {}
    void on_timer(TimerId) override {}
    void on_proposal(Proposal) override {}
    void on_validation(Height, const Hash256&, bool) override {}
    const EngineStats& stats() const override { return stats_; }
    std::string_view name() const override { return "idle"; }

   private:
    EngineStats stats_;
  };
  EngineFactory factory;
  factory.name = "idle";
  factory.make = [](Host&, NodeIndex, std::uint64_t) { return std::make_unique<Idle>(); };
  factory.certificate_quorum = byzantine_quorum;
  factory.byzantine_max = [](std::uint32_t) { return 0u; };
  SimOptions options;
  options.liveness_bound_ms = 1'000;
  auto report = run_simulation(factory, options);
  REQUIRE(report.ok());
  REQUIRE(report->violations.size() == 4);
  CHECK(report->violations[0].kind == Violation::Kind::kLiveness);
}

TEST_CASE("consensus simulator: a slow sealer under load neither stalls PBFT nor causes endless view changes",
          "[consensus][sim][regression]") {
  SimOptions options;
  options.node_count = 4;
  options.target_blocks = 10;
  options.tx_rate_per_s = 50'000;
  options.block_tx_count_max = 5'000;
  options.slow_node_count = 1;
  options.slow_host_delay_ms = 1'500;  // node 0 validates slower than the first view timeout
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    options.seed = seed;
    auto report = run_simulation(pbft_factory(), options);
    REQUIRE(report.ok());
    CHECK(report->ok());
    // The slow sealer catches up (at its own pace) ...
    CHECK(report->blocks_committed == options.target_blocks);
    for (NodeIndex node = 1; node < 4; ++node) {
      // ... while the others commit far more in the meantime, changing views only at the heights
      // where the slow sealer is the primary (one in four), once each; the slow sealer's own
      // timeouts move nobody (the f + 1 rule).
      const Height height = report->heights[node];
      CHECK(height > 3 * options.target_blocks);
      CHECK(report->rounds_started_per_node[node] <= height / 4 + 1);
    }
  }
}

TEST_CASE("consensus simulator: PBFT recovers from a long partition once it heals, despite capped timeouts",
          "[consensus][sim][regression]") {
  SimOptions options;
  options.node_count = 4;
  options.target_blocks = 10;
  // Two against two for 50 s: no quorum, so views pile up at height 1.
  options.faults.scheduled_partitions.push_back(FaultOptions::ScheduledPartition{0, 50'000, 0b0011});
  options.liveness_bound_ms = 20'000;  // a couple of capped (8 s) view timeouts after healing
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    options.seed = seed;
    auto report = run_simulation(pbft_factory(), options);
    REQUIRE(report.ok());
    INFO("seed " << seed);
    CHECK(report->ok());
    CHECK(report->blocks_committed == options.target_blocks);
    CHECK(report->end_time_ms > 50'000);
    // Timeouts 1, 2, 4, 8, 8, ... s: about ten views in 50 s, not fifty, and no more than
    // log2 of the cap plus the capped ones; uncapped doubling would leave it waiting 64 s.
    for (std::uint64_t rounds : report->rounds_started_per_node) {
      CHECK(rounds >= 6);
      CHECK(rounds <= 12);
    }
  }
}

TEST_CASE("consensus simulator: Byzantine sealers do attack, and the correct ones count what they drop",
          "[consensus][sim]") {
  std::uint64_t malformed = 0;
  std::uint64_t bad_signature = 0;
  std::uint64_t crashes = 0;
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    auto report = run_simulation(pbft_factory(), faulty(7, 2, seed));
    REQUIRE(report.ok());
    CHECK(report->ok());
    malformed += report->dropped_malformed;
    bad_signature += report->dropped_bad_signature;
    crashes += report->crashes;
  }
  CHECK(malformed > 0);      // garbage, truncations, huge views
  CHECK(bad_signature > 0);  // forged senders, flipped bits
  CHECK(crashes == 50);
}
