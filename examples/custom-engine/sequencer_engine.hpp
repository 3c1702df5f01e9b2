#pragma once
// A minimal custom consensus engine: a fixed sequencer.
//
// Node 0 proposes every block and commits it once a majority (itself included) acknowledged it;
// each acknowledgement is a signed commit vote, so the majority forms the commit certificate.
// Followers commit on the sequencer's Decide message after checking the certificate. A follower
// that fell behind says so in its acknowledgements and periodic status messages, and the
// sequencer re-sends what it missed from the committed chain.
//
// It tolerates loss, delay, duplication and partitions, and crashes of followers; it does not
// survive the sequencer's crash (no leader change) and trusts the sequencer to propose one block
// per height. That is the point: about two hundred lines give an engine the simulator can test.

#include <memory>

#include "trestle/consensus/engine.hpp"

namespace sequencer {

std::unique_ptr<trestle::consensus::Engine> make_sequencer_engine(trestle::consensus::Host& host);

}  // namespace sequencer
