#pragma once
// The simulator's signer: signature = SipHash-2-4 of the message under two 128-bit keys that
// belong to the signing node. Only the simulator holds the keys; a node's Host signs with its own,
// so inside a simulation no node (Byzantine or not) can produce another node's signature. It is
// not a signature scheme for the real world: verification needs the secret.

#include <array>
#include <cstdint>
#include <vector>

#include "trestle/consensus/types.hpp"

namespace trestle::consensus::sim {

inline constexpr std::size_t kSimSignatureBytes = 16;

std::uint64_t siphash24(std::uint64_t k0, std::uint64_t k1, ByteView message);

class SimKeys {
 public:
  SimKeys(std::uint64_t seed, std::uint32_t node_count);

  Bytes sign(NodeIndex node, ByteView message) const;
  bool verify(NodeIndex node, ByteView message, ByteView signature) const;

 private:
  std::vector<std::array<std::uint64_t, 4>> keys_;
};

}  // namespace trestle::consensus::sim
