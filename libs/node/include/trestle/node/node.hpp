#pragma once
// Node: the reference composition of Trestle's libraries into a running sealer.
//
//   RPC / peers --> TxPool --> proposals --> consensus Engine <--> network Transport
//                                               |
//                     Application::execute <-- validate / commit --> LmdbStore
//
// One thread (the consensus thread, an Asio io_context) drives the engine: it answers the
// engine's Host calls, arms its timers, builds proposals from the pool, validates peers'
// proposals (decode, link to the tip, signatures through the pool, execution, roots) and commits
// agreed blocks. The transport's thread hands consensus messages to it. Transactions arrive from
// RPC threads (submit_transaction) and from peers (gossip, admitted in batches on an intake
// thread, whose signature checks run on the pool's workers); admitted transactions are gossiped
// to the other sealers in batches.
//
// Catching up: a node that is behind (new, restarted, cut off) learns of it from its peers'
// consensus messages and from status announcements, and its engine fetches the missing blocks
// with their commit certificates; the node checks each certificate (quorum of sealer signatures
// over the block hash and round) and the block itself (roots and execution) before committing it.
//
// The block store holds blocks, receipts and state. The node keeps two more things in a small
// LMDB environment of its own (data_dir/node): the engine's durable state, and the round of each
// block's commit certificate, which the block header has no field for (the votes sign the round,
// so a certificate cannot be checked without it).

#include <cstdint>
#include <memory>
#include <string_view>

#include "trestle/core/result.hpp"
#include "trestle/node/application.hpp"
#include "trestle/node/config.hpp"
#include "trestle/node/node_api.hpp"

namespace trestle::node {

class Node final : public NodeApi {
 public:
  // Loads the key, opens (or creates) the data directory and commits the genesis block if the
  // store is empty. Errors (kInvalidArgument unless said): the key is not one of the genesis
  // sealers or not of the suite's curve; the data directory holds another chain (chain id, suite
  // or genesis block differ); the application does not match genesis.application or refuses its
  // state; kIo / kCorrupt from the store.
  static Result<std::unique_ptr<Node>> create(Genesis genesis, NodeConfig config, std::unique_ptr<Application> app);
  ~Node() override;  // stops
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the transport, the consensus thread and the intake thread. Errors: kIo (the P2P port
  // cannot be bound), kInvalidArgument (started twice).
  Status start();
  // Stops consensus, the transport and the threads; the store stays consistent. Idempotent.
  void stop();

  // The P2P port once started (useful with port 0 in tests).
  std::uint16_t p2p_port() const;

  // NodeApi.
  const crypto::CryptoSuite& suite() const override;
  const ledger::Store& store() const override;
  Result<Hash256> submit_transaction(ByteView encoded) override;
  std::optional<ledger::Transaction> pending_transaction(const Hash256& tx_hash) const override;
  NodeInfo info() const override;
  std::vector<SealerInfo> sealers() const override;
  std::vector<PeerInfo> peers() const override;
  SyncStatus sync_status() const override;
  NodeMetrics metrics() const override;

  class Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The genesis block every node of the chain derives from genesis.json: height 0, no
// transactions, the application's genesis state, no certificate. With its state writes.
struct GenesisBlock {
  ledger::Block block;
  ledger::WriteSet writes;
};
Result<GenesisBlock> make_genesis_block(const Genesis& genesis, const Application& app);

// Sets the level of every Trestle log (spdlog: the node's and the network's loggers, and the
// default logger): "trace", "debug", "info", "warn", "error", "critical" or "off". Error
// (kInvalidArgument): another name. Logs go to the default spdlog logger's sinks (standard
// output unless the program set another default logger).
Status set_log_level(std::string_view level);

// The commitment to the sealer set stored in every header: the suite hash of
// "trestle/sealers/v1" || varint n || each sealer's x || y.
Hash256 sealer_set_hash(const Genesis& genesis);

}  // namespace trestle::node
