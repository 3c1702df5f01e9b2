#pragma once
// Node::Impl: the state of a running node and its consensus Host. node.cpp builds, starts and
// stops it and answers NodeApi; node_host.cpp implements the Host (proposals, validation,
// commits, timers) on the consensus thread.

#include <spdlog/spdlog.h>
#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "node_meta.hpp"
#include "trestle/consensus/engine.hpp"
#include "trestle/consensus/host.hpp"
#include "trestle/consensus/signer.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/tx_pool.hpp"
#include "trestle/network/tcp_transport.hpp"
#include "trestle/node/node.hpp"

namespace trestle::node {

class Node::Impl final : public consensus::Host {
 public:
  Impl(Genesis genesis, NodeConfig config, std::unique_ptr<Application> app, crypto::PrivateKey key,
       std::uint32_t self_index);
  ~Impl() override;

  // node.cpp
  Status open();  // store, genesis block, metadata, pool, signer, transport, engine
  Status start();
  void stop();
  Result<Hash256> submit(ByteView encoded);
  void snapshot_engine_stats();

  // consensus::Host (node_host.cpp); every call on the consensus thread.
  consensus::NodeIndex self() const override { return self_index_; }
  std::uint32_t sealer_count() const override { return static_cast<std::uint32_t>(genesis_.sealers.size()); }
  void send(consensus::NodeIndex to, Bytes message) override;
  void broadcast(Bytes message) override;
  void set_timer(consensus::TimerId id, std::uint64_t delay_ms) override;
  void cancel_timer(consensus::TimerId id) override;
  std::uint64_t now_ms() const override;
  void request_proposal(consensus::Height height) override;
  void validate_proposal(const consensus::Proposal& proposal) override;
  void commit(const consensus::Proposal& proposal, const consensus::CommitCertificate& certificate) override;
  consensus::Height committed_height() const override;
  std::optional<consensus::CommittedBlock> committed_block(consensus::Height height) const override;
  Bytes sign(ByteView message) override;
  bool verify(consensus::NodeIndex signer, ByteView message, ByteView signature) const override;
  void store_state(ByteView state) override;
  void sync_state() override;
  std::optional<Bytes> load_state() override;

  // A block executed on top of the tip, ready to commit once agreed.
  struct Executed {
    Bytes payload;  // the proposal's bytes: a hash names one body
    ledger::Block block;
    std::vector<ledger::Receipt> receipts;
    ledger::WriteSet writes;
  };

  // node_host.cpp helpers.
  void try_propose();
  Result<Executed> build_block(consensus::Height height);
  // `agreed`: consensus already decided the block (a Raft follower's commit), so local policy
  // (this node's clock) must not refuse it; only the block's own validity counts.
  Result<Executed> check_block(const consensus::Proposal& proposal, bool agreed);
  Result<Execution> execute(const ledger::Block& block);
  Address sender_of(const ledger::Transaction& tx) const;
  void on_peer_message(const network::NodeId& from, network::MessageType type, ByteView payload);
  void queue_gossip(Bytes encoded);
  void flush_gossip();
  void arm_gossip_timer();
  void arm_status_timer();
  void intake_loop();
  void fail(const std::string& what);
  // Whether the engine may still act: not stopping, and not stopped by a failure.
  bool halted() const { return stopped_ || failed_; }
  // Committed heights peers announced; the (f+1)-th highest is one an honest peer vouches for.
  void note_peer_height(std::uint32_t peer, std::uint64_t height);
  std::uint64_t trusted_peer_height() const;

  // Configuration.
  Genesis genesis_;
  NodeConfig config_;
  std::unique_ptr<Application> app_;
  const crypto::CryptoSuite& suite_;
  crypto::PrivateKey key_;
  std::uint32_t self_index_;
  std::vector<network::NodeId> node_ids_;  // by sealer index
  std::map<network::NodeId, std::uint32_t> index_of_;
  Hash256 sealer_set_hash_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();

  // Components.
  std::unique_ptr<ledger::LmdbStore> store_;
  std::unique_ptr<detail::NodeMeta> meta_;
  std::unique_ptr<ledger::TxPool> pool_;
  std::unique_ptr<consensus::Signer> signer_;
  std::unique_ptr<network::TcpTransport> transport_;
  std::unique_ptr<consensus::Engine> engine_;

  // The consensus thread.
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread io_thread_;
  std::mutex lifecycle_mutex_;  // start() and stop()
  bool started_ = false;
  std::atomic<bool> stopped_{false};

  // Consensus-thread state.
  struct Timer {
    std::unique_ptr<asio::steady_timer> timer;
    std::uint64_t generation = 0;
  };
  std::map<consensus::TimerId, Timer> timers_;
  std::map<Hash256, Executed> executed_;  // blocks at tip + 1 validated or built here
  std::optional<Bytes> engine_state_;
  std::optional<consensus::Height> proposal_wanted_;
  std::uint64_t proposal_requested_ms_ = 0;
  std::unique_ptr<asio::steady_timer> proposal_timer_;
  std::unique_ptr<asio::steady_timer> gossip_timer_;
  std::unique_ptr<asio::steady_timer> status_timer_;
  std::uint64_t tip_timestamp_ms_ = 0;
  std::atomic<bool> failed_{false};

  // Gossip of admitted transactions (any thread adds; the consensus thread flushes).
  std::mutex gossip_mutex_;
  std::vector<Bytes> gossip_;
  std::size_t gossip_bytes_ = 0;

  // Transactions from peers waiting for admission (transport thread adds; intake thread admits).
  std::mutex intake_mutex_;
  std::condition_variable intake_cv_;
  std::deque<std::vector<Bytes>> intake_;
  std::size_t intake_bytes_ = 0;
  bool intake_stop_ = false;
  std::thread intake_thread_;

  // Consensus messages posted to the consensus thread and not yet handled: beyond a bound, new
  // ones are dropped (consensus tolerates loss) rather than queued without limit.
  std::atomic<std::size_t> consensus_backlog_{0};
  std::atomic<std::uint64_t> peer_messages_dropped_{0};

  // Counters (any thread).
  mutable std::mutex peer_heights_mutex_;
  std::map<std::uint32_t, std::uint64_t> peer_heights_;
  std::atomic<std::uint64_t> txs_committed_{0};
  std::atomic<std::uint64_t> blocks_committed_{0};
  std::atomic<std::uint64_t> txs_submitted_{0};
  std::atomic<std::uint64_t> txs_rejected_{0};
  mutable std::mutex stats_mutex_;
  consensus::EngineStats engine_stats_;
};

}  // namespace trestle::node
