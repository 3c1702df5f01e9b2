#pragma once
// A Byzantine PBFT sealer for the simulator: an honest engine whose outgoing messages are
// tampered with. Which attacks a node mounts is drawn from its seed:
//   equivocate    as primary, a different valid block to half of the peers
//   double vote   prepares and commits for two different blocks in one view
//   bad header    as primary, a block hash that does not match the payload
//   huge view     view-changes announcing views near 2^62, and malformed ones past it
//   forged sender messages that claim another sealer as their sender
//   garbage       random bytes, truncations and bit flips
//   silence       drops a share of its messages
// It can sign only as itself: it has no other node's key.

#include <functional>
#include <memory>

#include "trestle/consensus/engine.hpp"
#include "trestle/consensus/pbft.hpp"

namespace trestle::consensus::pbft {

std::unique_ptr<Engine> make_byzantine_pbft_engine(const PbftOptions& options, Host& host, std::uint64_t seed,
                                                   std::function<Proposal(Height)> conflicting);

}  // namespace trestle::consensus::pbft
