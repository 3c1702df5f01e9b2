// The custom-engine example (examples/custom-engine) passes the simulator's checks under network
// faults, and its certificates are checked by the validity checker.

#include <catch2/catch.hpp>

#include "sequencer_engine.hpp"
#include "trestle/consensus/simulator.hpp"

using namespace trestle::consensus;

namespace {

EngineFactory sequencer_factory() {
  EngineFactory factory;
  factory.name = "sequencer";
  factory.make = [](Host& host, NodeIndex, std::uint64_t) { return sequencer::make_sequencer_engine(host); };
  factory.certificate_quorum = majority_quorum;
  factory.byzantine_max = [](std::uint32_t) { return 0u; };
  return factory;
}

}  // namespace

TEST_CASE("consensus example: the sequencer engine survives loss, delay, duplication and partitions",
          "[consensus][example]") {
  SimOptions options;
  options.node_count = 5;
  options.faults.drop = options.faults.delay = options.faults.duplicate = options.faults.partition = true;
  auto sweep = run_sweep(sequencer_factory(), options, 1, 200);
  REQUIRE(sweep.ok());
  CHECK(sweep->violations == 0);
  CHECK(sweep->blocks_committed == 200 * options.target_blocks);
}

TEST_CASE("consensus example: the sequencer engine survives crashes and restarts of every node",
          "[consensus][example]") {
  SimOptions options;
  options.node_count = 3;
  options.faults.crash = true;
  options.faults.crash_count = 3;  // every node crashes once, the sequencer included
  options.faults.lose_unsynced_write = true;
  auto sweep = run_sweep(sequencer_factory(), options, 1, 100);
  REQUIRE(sweep.ok());
  // It keeps no durable state: a restarted sequencer forgets its open proposal and proposes anew
  // on its committed chain, which is safe because only it commits first.
  CHECK(sweep->violations == 0);
  CHECK(sweep->blocks_committed == 100 * options.target_blocks);
}
