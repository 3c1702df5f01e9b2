#pragma once
// PBFT for n = 3f + 1 sealers (Castro and Liskov, OSDI '99), one block per sequence number.
//
// Each height runs views 0, 1, ...; the primary of (height, view) is (height + view) mod n.
//   pre-prepare  primary -> all: (height, view, block hash, payload)
//   prepare      all -> all once the host validated the payload
//   commit       all -> all once 2f + 1 prepares match; the commit signature is the certificate vote
//   commit       2f + 1 matching commits: the block and its certificate go to Host::commit
// A view that makes no progress for its timeout ends with a view-change carrying the sender's
// highest prepared certificate; 2f + 1 of them let the next primary send a new-view, which
// re-proposes the highest prepared block (or a fresh one). Every message is signed by its sender.
// The committed chain is the stable checkpoint: the engine keeps only the current height's
// messages (bounded per sender), and a lagging sealer catches up from its peers' committed blocks
// and certificates.

#include <cstdint>
#include <memory>

#include "trestle/consensus/engine.hpp"

namespace trestle::consensus {

struct PbftOptions {
  // Timeout of view 0 at each height; doubled for each further view...
  std::uint32_t view_timeout_ms = 1'000;
  // ...but never beyond this (unbounded doubling once stalled a production chain for minutes).
  std::uint32_t view_timeout_ms_max = 8'000;
  // View-change messages for views further ahead than this are dropped as out of range, so a
  // Byzantine sealer announcing a huge view costs nothing.
  std::uint64_t view_window = 1'000;
  // At most this many committed blocks are sent to a lagging peer per request.
  std::uint32_t sync_batch_max = 16;
  // Minimum time between two catch-up requests, and between two catch-up answers to one peer.
  std::uint32_t sync_interval_ms = 200;

  // Testing only: use this quorum (for prepared certificates, new views, commits and checking
  // peers' certificates) instead of 2f + 1; 0 means 2f + 1. A value <= 2f makes the engine unsafe:
  // it exists so that tests can prove the simulator's invariant checkers catch an unsafe engine.
  std::uint32_t unsafe_quorum_for_testing = 0;
};

// Precondition: host.sealer_count() >= 1 (n < 4 tolerates no Byzantine fault). The host must
// outlive the engine.
std::unique_ptr<Engine> make_pbft_engine(const PbftOptions& options, Host& host);

// Votes needed in a PBFT commit certificate for n sealers: 2f + 1 (byzantine_quorum).
std::uint32_t pbft_certificate_quorum(std::uint32_t sealer_count);

}  // namespace trestle::consensus
