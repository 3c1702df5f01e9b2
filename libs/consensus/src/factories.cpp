// The simulator's descriptions of the built-in engines.

#include "pbft_byzantine.hpp"
#include "trestle/consensus/simulator.hpp"

namespace trestle::consensus {

EngineFactory pbft_factory(const PbftOptions& options) {
  EngineFactory factory;
  factory.name = "pbft";
  factory.make = [options](Host& host, NodeIndex, std::uint64_t) { return make_pbft_engine(options, host); };
  factory.make_byzantine = [options](Host& host, NodeIndex, std::uint64_t seed,
                                     std::function<Proposal(Height)> conflicting) {
    return pbft::make_byzantine_pbft_engine(options, host, seed, std::move(conflicting));
  };
  factory.certificate_quorum = pbft_certificate_quorum;
  factory.byzantine_max = byzantine_faults_max;
  return factory;
}

EngineFactory raft_factory(const RaftOptions& options) {
  EngineFactory factory;
  factory.name = "raft";
  factory.make = [options](Host& host, NodeIndex, std::uint64_t seed) {
    RaftOptions node_options = options;
    node_options.random_seed = seed;
    return make_raft_engine(node_options, host);
  };
  factory.certificate_quorum = raft_certificate_quorum;
  factory.byzantine_max = [](std::uint32_t) { return 0u; };
  return factory;
}

}  // namespace trestle::consensus
