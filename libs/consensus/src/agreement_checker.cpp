#include "agreement_checker.hpp"

#include <string>

#include "trestle/core/hex.hpp"

namespace trestle::consensus::sim {

bool AgreementChecker::on_commit(NodeIndex node, Height height, const Hash256& hash, std::uint64_t time_ms,
                                 std::vector<Violation>& violations) {
  auto [it, inserted] = first_.emplace(height, First{node, hash});
  if (!inserted && it->second.hash != hash) {
    violations.push_back(Violation{Violation::Kind::kAgreement, time_ms, node, height,
                                   "node " + std::to_string(node) + " committed block " + to_hex(hash).substr(0, 16) +
                                       " at height " + std::to_string(height) + " but node " +
                                       std::to_string(it->second.node) + " committed " +
                                       to_hex(it->second.hash).substr(0, 16)});
  }
  return inserted;
}

}  // namespace trestle::consensus::sim
