// Runs the sequencer engine (sequencer_engine.cpp) in Trestle's deterministic simulator over a
// range of seeds with message loss, delay, duplication and partitions, and prints what the
// invariant checkers found. Usage: custom_engine_sim [SEEDS]   (default 200)

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sequencer_engine.hpp"
#include "trestle/consensus/simulator.hpp"

int main(int argc, char** argv) {
  using namespace trestle::consensus;
  const std::uint64_t seeds = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200;

  EngineFactory factory;
  factory.name = "sequencer";
  factory.make = [](Host& host, NodeIndex, std::uint64_t) { return sequencer::make_sequencer_engine(host); };
  factory.certificate_quorum = majority_quorum;
  factory.byzantine_max = [](std::uint32_t) { return 0u; };

  SimOptions options;
  options.node_count = 5;
  options.faults.drop = options.faults.delay = options.faults.duplicate = options.faults.partition = true;
  auto sweep = run_sweep(factory, options, 1, seeds == 0 ? 1 : seeds);
  if (!sweep.ok()) {
    std::fprintf(stderr, "%s\n", sweep.error().message().c_str());
    return 2;
  }
  std::printf("%llu runs, %llu with violations, %llu blocks, %.1f messages per block\n",
              static_cast<unsigned long long>(sweep->runs), static_cast<unsigned long long>(sweep->violations),
              static_cast<unsigned long long>(sweep->blocks_committed),
              static_cast<double>(sweep->messages_sent) / static_cast<double>(sweep->blocks_committed));
  for (std::size_t i = 0; i < sweep->failing_seeds.size(); ++i) {
    std::printf("seed %llu: %s\n", static_cast<unsigned long long>(sweep->failing_seeds[i]),
                sweep->first_violations[i].message.c_str());
  }
  return sweep->violations == 0 ? 0 : 1;
}
