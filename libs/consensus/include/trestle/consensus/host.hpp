#pragma once
// Host: everything an engine may do to the world.
//
// An engine is a deterministic state machine. It never opens a socket, starts a thread, reads a
// clock or touches a disk: it acts only through the Host it was built with. A node implements Host
// over its network, timers, tx pool, ledger and key; the simulator implements it over virtual time.
//
// Contract for implementers: a Host call never calls back into the engine. Answers to requests
// (request_proposal, validate_proposal) and timer expiries arrive later as Engine input calls.
// All calls come from the one thread that drives the engine.

#include <cstdint>
#include <optional>

#include "trestle/consensus/types.hpp"

namespace trestle::consensus {

class Host {
 public:
  virtual ~Host() = default;

  // This node's index and the number of sealers n. Fixed for the engine's lifetime.
  virtual NodeIndex self() const = 0;
  virtual std::uint32_t sealer_count() const = 0;

  // Best-effort delivery to one sealer, or to every sealer but self. Messages may be lost,
  // duplicated, delayed or reordered; the engine copes.
  virtual void send(NodeIndex to, Bytes message) = 0;
  virtual void broadcast(Bytes message) = 0;

  // Arms timer `id` to fire `delay_ms` from now (Engine::on_timer), replacing a pending one of the
  // same id. Cancelling an unarmed timer is a no-op.
  virtual void set_timer(TimerId id, std::uint64_t delay_ms) = 0;
  virtual void cancel_timer(TimerId id) = 0;
  // Monotonic milliseconds of this node's clock (for reports and timestamps; engines use timers
  // for timeouts).
  virtual std::uint64_t now_ms() const = 0;

  // Asks for a block at `height` on top of the last committed block (a batch from the tx pool).
  // Answered by Engine::on_proposal, possibly much later. Precondition: height ==
  // committed_height() + 1.
  virtual void request_proposal(Height height) = 0;
  // Asks whether `proposal` is a valid next block: the payload decodes, its hash is
  // proposal.hash, it extends the committed chain at proposal.height. Answered by
  // Engine::on_validation. A proposal for another height than committed_height() + 1 is invalid.
  virtual void validate_proposal(const Proposal& proposal) = 0;
  // Commits a block the engine agreed on. Precondition: proposal.height == committed_height() + 1
  // and the proposal was validated by this host (a crash-fault engine such as Raft may instead
  // trust its leader's host). On return the block is durable and committed_height() is
  // proposal.height.
  virtual void commit(const Proposal& proposal, const CommitCertificate& certificate) = 0;
  virtual Height committed_height() const = 0;
  // A committed block and its certificate, to help a lagging peer; nullopt if not (or no
  // longer) stored.
  virtual std::optional<CommittedBlock> committed_block(Height height) const = 0;

  // Sign as this node; verify any sealer (Signer).
  virtual Bytes sign(ByteView message) = 0;
  virtual bool verify(NodeIndex signer, ByteView message, ByteView signature) const = 0;

  // The engine's durable state, one opaque blob. store_state replaces the blob in a write buffer;
  // sync_state makes the last stored blob durable. After a crash load_state returns the last
  // synced blob (a stored but unsynced one may or may not survive). An engine must sync before it
  // sends a vote that depends on the state, so a restarted node never votes against itself.
  virtual void store_state(ByteView state) = 0;
  virtual void sync_state() = 0;
  virtual std::optional<Bytes> load_state() = 0;
};

}  // namespace trestle::consensus
