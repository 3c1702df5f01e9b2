#include "consensus_bench.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "trestle/consensus/simulator.hpp"

namespace trestle::bench {

std::vector<Row> run_consensus_bench(const ConsensusBenchOptions& options) {
  std::vector<Row> rows;
  for (const consensus::EngineFactory& factory : {consensus::pbft_factory(), consensus::raft_factory()}) {
    for (std::uint32_t nodes : {4u, 7u, 10u, 16u}) {
      consensus::SimOptions sim;
      sim.node_count = nodes;
      sim.target_blocks = options.blocks;
      const auto started = std::chrono::steady_clock::now();
      auto sweep = consensus::run_sweep(factory, sim, 1, options.seeds);
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!sweep.ok()) throw std::runtime_error(sweep.error().message());
      if (sweep->violations != 0) {
        throw std::runtime_error(factory.name + " n=" + std::to_string(nodes) + ": seed " +
                                 std::to_string(sweep->failing_seeds.front()) + " violates an invariant");
      }
      const double blocks = static_cast<double>(sweep->blocks_committed);
      const std::string name = factory.name + " n=" + std::to_string(nodes);
      rows.push_back(Row{name + " simulated blocks", "blocks/s", seconds > 0 ? blocks / seconds : 0, "-", {}});
      rows.push_back(
          Row{name + " messages", "msgs/block", static_cast<double>(sweep->messages_sent) / blocks, "-", {}});
      rows.push_back(Row{name + " bytes", "bytes/block", static_cast<double>(sweep->bytes_sent) / blocks, "-", {}});
      if (options.progress) {
        std::fprintf(stderr, "consensus: %s: %.0f blocks/s, %.1f messages/block\n", name.c_str(),
                     rows[rows.size() - 3].trestle, rows[rows.size() - 2].trestle);
      }
    }
  }
  return rows;
}

}  // namespace trestle::bench
