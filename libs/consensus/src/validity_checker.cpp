#include "validity_checker.hpp"

#include <string>

namespace trestle::consensus::sim {

void ValidityChecker::on_commit(NodeIndex node, const Proposal& proposal, const CommitCertificate& certificate,
                                bool valid_on_tip, std::uint64_t time_ms, std::vector<Violation>& violations) const {
  auto fail = [&](const std::string& why) {
    violations.push_back(Violation{
        Violation::Kind::kValidity, time_ms, node, proposal.height,
        "node " + std::to_string(node) + " committed height " + std::to_string(proposal.height) + ": " + why});
  };
  if (proposed_.count(proposal.hash) == 0) return fail("the block was never proposed");
  if (!valid_on_tip) return fail("the block does not extend the node's chain");
  if (certificate.height != proposal.height || certificate.block_hash != proposal.hash) {
    return fail("the certificate is for another block");
  }
  const Bytes message = commit_vote_message(certificate.height, certificate.round, certificate.block_hash);
  std::set<NodeIndex> voters;
  for (const CommitVote& vote : certificate.votes) {
    if (vote.sealer_index >= node_count_) return fail("a certificate vote names no sealer");
    if (!verify_(vote.sealer_index, message, vote.signature)) return fail("a certificate signature is invalid");
    voters.insert(vote.sealer_index);
  }
  if (voters.size() < quorum_) {
    fail("the certificate has " + std::to_string(voters.size()) + " distinct votes, the quorum is " +
         std::to_string(quorum_));
  }
}

}  // namespace trestle::consensus::sim
