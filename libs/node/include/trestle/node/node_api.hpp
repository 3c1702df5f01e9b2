#pragma once
// NodeApi: what the JSON-RPC server (rpc_server.hpp) and an embedding program may ask of a
// running node. Node implements it; tests implement it over a plain store.
//
// Every method is thread-safe: the RPC server calls them from its own threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/network/transport.hpp"

namespace trestle::node {

struct SealerInfo {
  std::uint32_t index = 0;
  Bytes public_key;  // x || y
  Address address;   // suite address of the key
  Hash256 node_id;   // network::node_id_of the key
};

struct PeerInfo {
  std::uint32_t index = 0;  // sealer index
  network::PeerStats stats;
};

struct SyncStatus {
  bool syncing = false;      // more than one block behind highest_height
  std::uint64_t height = 0;  // committed height
  // The (f+1)-th highest height the sealers announced (at least one honest sealer reached it),
  // or the own height if higher.
  std::uint64_t highest_height = 0;
  std::uint64_t blocks_synced = 0;  // blocks committed from peers' certificates (catch-up)
};

struct NodeInfo {
  std::string version;  // Trestle's version
  std::string chain_id;
  std::string group_id;
  std::string suite;        // "sm", "ecdsa"
  std::string consensus;    // "pbft", "raft"
  std::string application;  // "asset", "kv"
  std::uint32_t node_index = 0;
  Hash256 node_id;
  std::uint32_t sealer_count = 0;
  std::uint64_t uptime_ms = 0;
  // The node stopped taking part in consensus after a failure it cannot recover from alone (a
  // commit the disk refused, unreadable consensus state); its log says why. It still answers
  // queries. Restart it once the cause is fixed.
  bool consensus_failed = false;
};

// Counters for /metrics (Prometheus text format; rpc_server.hpp names the series).
struct NodeMetrics {
  std::uint64_t height = 0;
  std::uint64_t txs_committed = 0;     // since the node started
  std::uint64_t blocks_committed = 0;  // since the node started
  std::uint64_t pool_size = 0;
  std::uint64_t txs_submitted = 0;      // accepted by sendTransaction or gossip since start
  std::uint64_t txs_rejected = 0;       // refused by the pool since start
  std::uint64_t view_changes = 0;       // consensus rounds started beyond the first
  std::uint64_t consensus_dropped = 0;  // malformed, badly signed or stale consensus messages
  std::uint64_t blocks_synced = 0;
  // Peer messages (consensus, gossip) dropped because too many waited to be processed.
  std::uint64_t peer_messages_dropped = 0;
  bool consensus_failed = false;
  std::vector<PeerInfo> peers;
};

class NodeApi {
 public:
  virtual ~NodeApi() = default;

  virtual const crypto::CryptoSuite& suite() const = 0;
  // The node's ledger, for reads (blocks, transactions, receipts, proofs, state).
  virtual const ledger::Store& store() const = 0;

  // Admits a signed, encoded transaction into the pool and gossips it to peers; returns its
  // hash. Errors: as ledger::TxPool::submit (their messages say what is wrong).
  virtual Result<Hash256> submit_transaction(ByteView encoded) = 0;
  // The transaction if it waits in this node's pool (accepted, not yet committed).
  virtual std::optional<ledger::Transaction> pending_transaction(const Hash256& tx_hash) const = 0;

  virtual NodeInfo info() const = 0;
  virtual std::vector<SealerInfo> sealers() const = 0;
  virtual std::vector<PeerInfo> peers() const = 0;
  virtual SyncStatus sync_status() const = 0;
  virtual NodeMetrics metrics() const = 0;
};

}  // namespace trestle::node
