#pragma once
// Engine: one consensus protocol as a deterministic state machine.
//
// Inputs are the calls below; outputs are Host calls. The same object runs inside a node and
// inside the simulator. An engine is not thread-safe: one thread makes every call. No call throws;
// untrusted bytes (on_message) are decoded strictly, and a malformed, wrongly signed or
// out-of-range message is dropped and counted in stats().

#include <cstdint>
#include <memory>
#include <string_view>

#include "trestle/consensus/host.hpp"
#include "trestle/consensus/types.hpp"

namespace trestle::consensus {

struct EngineStats {
  std::uint64_t messages_received = 0;
  std::uint64_t dropped_malformed = 0;      // failed to decode, or values out of range
  std::uint64_t dropped_bad_signature = 0;  // signature invalid, or sender != transport peer
  std::uint64_t dropped_stale = 0;          // valid but for a past height or round
  std::uint64_t rounds_started = 0;         // view changes (PBFT) or elections (Raft) begun
  std::uint64_t blocks_committed = 0;
  std::uint64_t blocks_synced = 0;  // committed from a peer's certificate (catch-up)
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Called once, before any other input. Loads the durable state (Host::load_state) and arms
  // the first timers.
  virtual void start() = 0;
  // A message from sealer `from` as authenticated by the transport.
  virtual void on_message(NodeIndex from, ByteView message) = 0;
  virtual void on_timer(TimerId id) = 0;
  // The answer to Host::request_proposal. A proposal for a stale height is ignored.
  virtual void on_proposal(Proposal proposal) = 0;
  // The answer to Host::validate_proposal.
  virtual void on_validation(Height height, const Hash256& hash, bool valid) = 0;

  virtual const EngineStats& stats() const = 0;
  // "pbft", "raft", ...
  virtual std::string_view name() const = 0;
};

}  // namespace trestle::consensus
