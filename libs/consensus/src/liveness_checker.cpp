#include "liveness_checker.hpp"

#include <string>

namespace trestle::consensus::sim {

void LivenessChecker::on_end(const std::vector<std::pair<NodeIndex, Height>>& heights, std::uint64_t time_ms,
                             std::vector<Violation>& violations) const {
  for (const auto& [node, height] : heights) {
    if (height >= target_) continue;
    violations.push_back(Violation{Violation::Kind::kLiveness, time_ms, node, height,
                                   "node " + std::to_string(node) + " reached height " + std::to_string(height) +
                                       " of " + std::to_string(target_) + " by the deadline " +
                                       std::to_string(deadline_ms_) + " ms"});
  }
}

}  // namespace trestle::consensus::sim
