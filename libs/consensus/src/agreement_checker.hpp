#pragma once
// Agreement: no two correct nodes commit different blocks at one height.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "trestle/consensus/simulator.hpp"

namespace trestle::consensus::sim {

class AgreementChecker {
 public:
  // Records a correct node's commit; appends a violation when another correct node committed a
  // different block at that height. Returns true the first time a height is committed by anyone.
  bool on_commit(NodeIndex node, Height height, const Hash256& hash, std::uint64_t time_ms,
                 std::vector<Violation>& violations);

 private:
  struct First {
    NodeIndex node;
    Hash256 hash;
  };
  std::unordered_map<Height, First> first_;
};

}  // namespace trestle::consensus::sim
