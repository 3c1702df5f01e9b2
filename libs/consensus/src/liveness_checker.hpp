#pragma once
// Liveness after healing: once faults stop (the end of the fault window), every correct node
// reaches the target height within the bound.

#include <cstdint>
#include <vector>

#include "trestle/consensus/simulator.hpp"

namespace trestle::consensus::sim {

class LivenessChecker {
 public:
  LivenessChecker(Height target, std::uint64_t deadline_ms) : target_(target), deadline_ms_(deadline_ms) {}

  std::uint64_t deadline_ms() const { return deadline_ms_; }
  // Called when the run stops, with each correct node's committed height.
  void on_end(const std::vector<std::pair<NodeIndex, Height>>& heights, std::uint64_t time_ms,
              std::vector<Violation>& violations) const;

 private:
  Height target_;
  std::uint64_t deadline_ms_;
};

}  // namespace trestle::consensus::sim
