// Seed sweeps: every fault type at once (drop, duplicate, delay/reorder, partitions, crashes with
// lost unsynced writes, clock skew, and Byzantine sealers for PBFT), n = 4 and n = 7, both
// engines, 1,500 seeds each. A failing seed is printed so that `trestle sim --seed S` replays it.

#include <catch2/catch.hpp>

#include "trestle/consensus/simulator.hpp"

using namespace trestle::consensus;

namespace {

void require_clean(const trestle::Result<SweepReport>& sweep, std::uint64_t runs, std::uint64_t blocks_per_run) {
  REQUIRE(sweep.ok());
  for (std::size_t i = 0; i < sweep->failing_seeds.size(); ++i) {
    UNSCOPED_INFO("seed " << sweep->failing_seeds[i] << ": " << violation_kind_name(sweep->first_violations[i].kind)
                          << ": " << sweep->first_violations[i].message);
  }
  CHECK(sweep->runs == runs);
  CHECK(sweep->violations == 0);
  CHECK(sweep->blocks_committed == runs * blocks_per_run);
}

SimOptions every_fault(std::uint32_t n, std::uint32_t byzantine, std::uint32_t crashes) {
  SimOptions options;
  options.node_count = n;
  options.byzantine_count = byzantine;
  options.faults = FaultOptions::all();
  options.faults.crash_count = crashes;
  return options;
}

}  // namespace

TEST_CASE("consensus sweep: pbft n=4 with f=1 Byzantine, every fault, 1000 seeds", "[consensus][sweep][pbft]") {
  require_clean(run_sweep(pbft_factory(), every_fault(4, 1, 1), 1, 1000), 1000, 30);
}

TEST_CASE("consensus sweep: pbft n=7 with f=2 Byzantine and 2 crashing, every fault, 400 seeds",
          "[consensus][sweep][pbft]") {
  require_clean(run_sweep(pbft_factory(), every_fault(7, 2, 2), 10'001, 10'400), 400, 30);
}

TEST_CASE("consensus sweep: pbft n=4 with 3 crashing sealers, every fault, 100 seeds", "[consensus][sweep][pbft]") {
  require_clean(run_sweep(pbft_factory(), every_fault(4, 0, 3), 20'001, 20'100), 100, 30);
}

TEST_CASE("consensus sweep: raft n=4 with a crashing sealer, every fault, 1000 seeds", "[consensus][sweep][raft]") {
  require_clean(run_sweep(raft_factory(), every_fault(4, 0, 1), 1, 1000), 1000, 30);
}

TEST_CASE("consensus sweep: raft n=7 with 3 crashing sealers, every fault, 500 seeds", "[consensus][sweep][raft]") {
  require_clean(run_sweep(raft_factory(), every_fault(7, 0, 3), 10'001, 10'500), 500, 30);
}

TEST_CASE("consensus sweep: raft n=2, 3 and 5 with a crashing sealer, every fault, 200 seeds each",
          "[consensus][sweep][raft]") {
  for (std::uint32_t n : {2u, 3u, 5u}) {
    INFO("n = " << n);
    require_clean(run_sweep(raft_factory(), every_fault(n, 0, 1), 30'001, 30'200), 200, 30);
  }
}

TEST_CASE("consensus sweep: pbft n=5 (f=1) and n=10 (f=3), Byzantine, every fault, 100 seeds each",
          "[consensus][sweep][pbft]") {
  require_clean(run_sweep(pbft_factory(), every_fault(5, 1, 2), 40'001, 40'100), 100, 30);
  SimOptions options = every_fault(10, 3, 3);
  // Three consecutive Byzantine primaries cost 1 + 2 + 4 s of view timeouts at each height they lead.
  options.liveness_bound_ms = 120'000;
  require_clean(run_sweep(pbft_factory(), options, 40'001, 40'100), 100, 30);
}
