#pragma once
// Raft for crash-fault-tolerant chains (Ongaro and Ousterhout, USENIX ATC '14).
//
// Log index = block height. Followers that hear nothing from a leader for a randomized election
// timeout become candidates; a candidate with votes from a majority whose logs are not more
// up to date than its own becomes leader for its term. The leader asks the host for a block,
// appends it and replicates it with AppendEntries; an entry of the current term stored by a
// majority is committed. A new leader re-stamps its uncommitted entries with its own term (same
// heights, same payloads), which commits them with its first majority, as Raft's no-op entry
// would. Lagging followers are served from the host's committed blocks. Term, vote and the
// uncommitted log are persisted and synced before the engine answers a vote or an append.
//
// Raft trusts its peers: it tolerates crashes, loss, delay and partitions, not Byzantine sealers.
// Its commit certificate holds one vote: the leader's signature.

#include <cstdint>
#include <memory>

#include "trestle/consensus/engine.hpp"

namespace trestle::consensus {

struct RaftOptions {
  // Election timeouts are drawn uniformly from [election_timeout_ms, election_timeout_ms_max).
  std::uint32_t election_timeout_ms = 300;
  std::uint32_t election_timeout_ms_max = 600;
  // The leader sends AppendEntries (a heartbeat when it has nothing new) this often.
  std::uint32_t heartbeat_ms = 100;
  // Entries (blocks) per AppendEntries message.
  std::uint32_t append_batch_max = 16;
  // Seed of the engine's own generator for election timeouts; give each node a different one.
  std::uint64_t random_seed = 1;
};

// Precondition: host.sealer_count() >= 1. The host must outlive the engine.
std::unique_ptr<Engine> make_raft_engine(const RaftOptions& options, Host& host);

// Votes in a Raft commit certificate: 1 (the leader's).
std::uint32_t raft_certificate_quorum(std::uint32_t sealer_count);

}  // namespace trestle::consensus
