#pragma once
// Validity: every block a correct node commits was proposed (built by some node's host), extends
// that node's chain, and carries a certificate of at least `quorum` distinct valid votes for its
// height and hash.

#include <cstdint>
#include <functional>
#include <set>
#include <vector>

#include "sim_app.hpp"
#include "trestle/consensus/simulator.hpp"

namespace trestle::consensus::sim {

class ValidityChecker {
 public:
  using Verify = std::function<bool(NodeIndex, ByteView, ByteView)>;

  ValidityChecker(std::uint32_t node_count, std::uint32_t quorum, Verify verify)
      : node_count_(node_count), quorum_(quorum), verify_(std::move(verify)) {}

  void on_proposed(const Hash256& hash) { proposed_.insert(hash); }
  // `valid_on_tip` says whether the block validated against the node's chain when committed.
  void on_commit(NodeIndex node, const Proposal& proposal, const CommitCertificate& certificate, bool valid_on_tip,
                 std::uint64_t time_ms, std::vector<Violation>& violations) const;

 private:
  std::uint32_t node_count_;
  std::uint32_t quorum_;
  Verify verify_;
  std::set<Hash256> proposed_;
};

}  // namespace trestle::consensus::sim
