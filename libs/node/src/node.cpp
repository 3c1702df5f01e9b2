// Node: building, starting and stopping the composition, transaction intake and gossip, and the
// NodeApi queries. The consensus Host is in node_host.cpp.

#include "trestle/node/node.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include "node_impl.hpp"
#include "node_messages.hpp"
#include "trestle/consensus/pbft.hpp"
#include "trestle/consensus/raft.hpp"
#include "trestle/core/hex.hpp"

namespace trestle::node {
namespace {

constexpr std::chrono::milliseconds kGossipInterval{10};
constexpr std::chrono::milliseconds kStatusInterval{1'000};
// Bounds on what peers can make this node hold before it is processed; beyond them, new input is
// dropped and counted (gossip and consensus messages are best-effort, and the peers retry).
constexpr std::size_t kIntakeBytesMax = 256u << 20;
constexpr std::size_t kConsensusBacklogMax = 20'000;

std::shared_ptr<spdlog::logger> node_logger() {
  if (auto logger = spdlog::get("trestle.node")) return logger;
  return spdlog::default_logger()->clone("trestle.node");
}

Result<crypto::PrivateKey> read_key(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot read the node key " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  auto key = crypto::private_key_from_pem(text.str());
  if (!key.ok()) return Error(key.error().code(), path.string() + ": " + key.error().message());
  return key;
}

}  // namespace

Node::Impl::Impl(Genesis genesis, NodeConfig config, std::unique_ptr<Application> app, crypto::PrivateKey key,
                 std::uint32_t self_index)
    : genesis_(std::move(genesis)),
      config_(std::move(config)),
      app_(std::move(app)),
      suite_(genesis_suite(genesis_)),
      key_(std::move(key)),
      self_index_(self_index),
      sealer_set_hash_(sealer_set_hash(genesis_)),
      log_(node_logger()) {
  for (std::uint32_t i = 0; i < genesis_.sealers.size(); ++i) {
    node_ids_.push_back(network::node_id_of(suite_, genesis_.sealers[i]));
    index_of_.emplace(node_ids_.back(), i);
  }
}

Node::Impl::~Impl() { stop(); }

Status Node::Impl::open() {
  ledger::LmdbOptions store_options;
  store_options.suite = &suite_;
  store_options.chain_id = genesis_.chain_id;
  store_options.sync = config_.sync;
  // Consensus checked the roots by executing the block before voting for it (check_block).
  store_options.verify_roots = false;
  TRESTLE_TRY(store_, ledger::LmdbStore::open(config_.data_dir / "ledger", store_options));
  // Always fsync'd, even with sync = false: blocks lost in a crash can be fetched again from
  // peers, but a lost record of this node's votes could make it contradict them.
  TRESTLE_TRY(meta_, detail::NodeMeta::open(config_.data_dir / "node", true));
  // Unreadable consensus state must stop the node here, not start an engine without its votes.
  TRESTLE_TRY_STATUS(meta_->engine_state());

  TRESTLE_TRY(GenesisBlock genesis_block, make_genesis_block(genesis_, *app_));
  const Hash256 genesis_hash = genesis_block.block.hash(suite_);
  if (!store_->tip()) {
    TRESTLE_TRY_STATUS(store_->commit(genesis_block.block, {}, genesis_block.writes));
    log_->info("created the chain {} at {} (genesis {})", genesis_.chain_id, config_.data_dir.string(),
               to_hex(genesis_hash));
  } else {
    TRESTLE_TRY(ledger::BlockHeader stored, store_->header_at(0));
    if (stored.hash(suite_) != genesis_hash) {
      return Error(ErrorCode::kInvalidArgument, config_.data_dir.string() +
                                                    " holds a chain with another genesis block (was genesis.json "
                                                    "changed, or is this another chain's data directory?)");
    }
  }
  const ledger::ChainTip tip = *store_->tip();
  TRESTLE_TRY(ledger::BlockHeader tip_header, store_->header_at(tip.height));
  tip_timestamp_ms_ = tip_header.timestamp_ms;

  // The pool remembers committed nonces for block_limit_window blocks: replay them.
  ledger::TxPoolOptions pool_options;
  pool_options.chain_id = genesis_.chain_id;
  pool_options.group_id = genesis_.group_id;
  pool_options.limits = store_->limits();
  pool_options.capacity_tx_count = config_.pool_capacity;
  pool_options.verify_thread_count =
      config_.verify_threads != 0 ? config_.verify_threads : std::max(1u, std::thread::hardware_concurrency());
  const ledger::Height window = pool_options.block_limit_window;
  const ledger::Height replay_from = tip.height > window ? tip.height - window : 0;
  pool_ = std::make_unique<ledger::TxPool>(
      suite_, pool_options, replay_from, [this](const ledger::Transaction& tx, const Address& sender) -> Status {
        auto state = store_->state_view();
        if (!state.ok()) return state.error();
        return app_->check_tx(VerifiedTransaction{&tx, tx.hash(suite_), sender}, *state.value());
      });
  for (ledger::Height height = replay_from + 1; height <= tip.height; ++height) {
    TRESTLE_TRY(auto txs, store_->transactions_at(height));
    pool_->on_block_committed(height, txs);
  }

  TRESTLE_TRY(auto signer_key, crypto::PrivateKey::from_bytes(key_.type(), key_.secret()));
  TRESTLE_TRY(signer_, consensus::make_suite_signer(suite_, std::move(signer_key), self_index_, genesis_.sealers));

  std::vector<network::TcpPeer> peers;
  for (std::uint32_t i = 0; i < genesis_.sealers.size(); ++i) {
    if (i == self_index_) continue;
    network::TcpPeer peer{genesis_.sealers[i], std::nullopt};
    for (const PeerConfig& configured : config_.peers) {
      if (configured.index == i)
        peer.address = network::PeerAddress{configured.endpoint.host, configured.endpoint.port};
    }
    peers.push_back(std::move(peer));
  }
  network::TcpTransportOptions transport_options;
  transport_options.listen_host = config_.p2p.host;
  transport_options.listen_port = config_.p2p.port;
  transport_options.network_id = genesis_.chain_id;
  TRESTLE_TRY(auto transport_key, crypto::PrivateKey::from_bytes(key_.type(), key_.secret()));
  TRESTLE_TRY(transport_,
              network::TcpTransport::create(suite_, std::move(transport_key), std::move(peers), transport_options));

  const ConsensusConfig& params = genesis_.consensus;
  if (params.engine == "raft") {
    consensus::RaftOptions options;
    options.election_timeout_ms = params.election_timeout_ms;
    options.election_timeout_ms_max = params.election_timeout_ms_max;
    options.heartbeat_ms = params.heartbeat_ms;
    options.random_seed = 0x74726573746c65ull ^ (self_index_ + 1);
    engine_ = consensus::make_raft_engine(options, *this);
  } else {
    consensus::PbftOptions options;
    options.view_timeout_ms = params.view_timeout_ms;
    options.view_timeout_ms_max = params.view_timeout_ms_max;
    engine_ = consensus::make_pbft_engine(options, *this);
  }
  proposal_timer_ = std::make_unique<asio::steady_timer>(io_);
  gossip_timer_ = std::make_unique<asio::steady_timer>(io_);
  status_timer_ = std::make_unique<asio::steady_timer>(io_);
  return {};
}

Status Node::Impl::start() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (started_ || stopped_) return Error(ErrorCode::kInvalidArgument, "node already started");
  network::TransportHandlers handlers;
  handlers.on_message = [this](const network::NodeId& from, network::MessageType type, ByteView payload) {
    on_peer_message(from, type, payload);
  };
  handlers.on_peer = [this](const network::NodeId& peer, bool connected) {
    auto it = index_of_.find(peer);
    if (it != index_of_.end()) log_->info("peer {} {}", it->second, connected ? "connected" : "disconnected");
    if (connected) {
      // Tell the newcomer where we are, so a lagging node learns at once that it must catch up.
      (void)transport_->send(peer, detail::kStatusMessage, detail::encode_status(committed_height()));
    }
  };
  // The engine starts first: it is queued before any peer message can be, and the consensus
  // thread runs only once the transport is up, so the engine's first messages can go out.
  work_.emplace(asio::make_work_guard(io_));
  asio::post(io_, [this] {
    engine_->start();
    arm_gossip_timer();
    arm_status_timer();
  });
  if (auto started = transport_->start(std::move(handlers)); !started.ok()) {
    work_.reset();
    return started;
  }
  io_thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      fail(std::string("consensus thread stopped: ") + e.what());
    }
  });
  intake_thread_ = std::thread([this] { intake_loop(); });
  started_ = true;
  log_->info("node {} of {} started: chain {}, suite {}, {} consensus, p2p port {}", self_index_,
             genesis_.sealers.size(), genesis_.chain_id, genesis_.suite, genesis_.consensus.engine,
             transport_->listen_port());
  return {};
}

void Node::Impl::stop() {
  std::lock_guard lifecycle(lifecycle_mutex_);
  if (!started_ || stopped_) return;
  // The transport's handlers post into the io_context and the intake queue: stop it first.
  transport_->stop();
  stopped_ = true;
  work_.reset();
  io_.stop();
  if (io_thread_.joinable()) io_thread_.join();
  {
    std::lock_guard lock(intake_mutex_);
    intake_stop_ = true;
  }
  intake_cv_.notify_all();
  if (intake_thread_.joinable()) intake_thread_.join();
  log_->info("node {} stopped at height {}", self_index_, committed_height());
}

void Node::Impl::on_peer_message(const network::NodeId& from, network::MessageType type, ByteView payload) {
  auto sender = index_of_.find(from);
  if (sender == index_of_.end()) return;
  const std::uint32_t index = sender->second;
  switch (type) {
    case detail::kConsensusMessage:
      if (consensus_backlog_.load() >= kConsensusBacklogMax) {
        ++peer_messages_dropped_;
        return;
      }
      ++consensus_backlog_;
      asio::post(io_, [this, index, message = to_bytes(payload)] {
        --consensus_backlog_;
        if (!halted()) engine_->on_message(index, message);
      });
      return;
    case detail::kTxBatchMessage: {
      auto txs = detail::decode_tx_batch(payload, store_->limits().tx_size_max_bytes);
      if (!txs.ok()) {
        log_->warn("malformed tx batch from node {}: {}", index, txs.error().message());
        return;
      }
      {
        std::lock_guard lock(intake_mutex_);
        if (intake_bytes_ + payload.size() > kIntakeBytesMax) {
          ++peer_messages_dropped_;
          return;
        }
        intake_bytes_ += payload.size();
        intake_.push_back(std::move(txs).value());
      }
      intake_cv_.notify_one();
      return;
    }
    case detail::kStatusMessage: {
      auto height = detail::decode_status(payload);
      if (height.ok()) note_peer_height(index, height.value());
      return;
    }
    default:
      log_->debug("unknown message type {} from node {}", type, index);
  }
}

void Node::Impl::intake_loop() {
  for (;;) {
    std::vector<Bytes> batch;
    {
      std::unique_lock lock(intake_mutex_);
      intake_cv_.wait(lock, [this] { return intake_stop_ || !intake_.empty(); });
      if (intake_stop_) return;
      batch = std::move(intake_.front());
      intake_.pop_front();
      std::size_t bytes = 0;
      for (const Bytes& tx : batch) bytes += tx.size();
      intake_bytes_ -= std::min(intake_bytes_, bytes);
    }
    // Peers forward what they admitted; a transaction committed meanwhile is refused as a replay.
    for (const auto& result : pool_->submit_batch(batch)) {
      if (!result.ok()) log_->trace("gossiped transaction refused: {}", result.error().message());
    }
  }
}

Result<Hash256> Node::Impl::submit(ByteView encoded) {
  auto hash = pool_->submit(encoded);
  if (!hash.ok()) {
    ++txs_rejected_;
    return hash;
  }
  ++txs_submitted_;
  queue_gossip(to_bytes(encoded));
  return hash;
}

void Node::Impl::queue_gossip(Bytes encoded) {
  bool flush_now = false;
  {
    std::lock_guard lock(gossip_mutex_);
    gossip_bytes_ += encoded.size();
    gossip_.push_back(std::move(encoded));
    flush_now = gossip_bytes_ >= detail::kTxBatchFlushBytes || gossip_.size() >= detail::kTxBatchCountMax;
  }
  if (flush_now) asio::post(io_, [this] { flush_gossip(); });
}

void Node::Impl::flush_gossip() {
  std::vector<Bytes> txs;
  {
    std::lock_guard lock(gossip_mutex_);
    txs.swap(gossip_);
    gossip_bytes_ = 0;
  }
  if (txs.empty() || genesis_.sealers.size() < 2) return;
  // Batches within the receivers' limits, however much piled up meanwhile.
  std::vector<Bytes> batch;
  std::size_t batch_bytes = 0;
  auto send_batch = [&] {
    if (batch.empty()) return;
    auto sent = transport_->broadcast(detail::kTxBatchMessage, detail::encode_tx_batch(batch));
    if (!sent.ok()) log_->warn("tx gossip not sent: {}", sent.error().message());
    batch.clear();
    batch_bytes = 0;
  };
  for (Bytes& tx : txs) {
    if (batch.size() == detail::kTxBatchCountMax || batch_bytes + tx.size() > detail::kTxBatchFlushBytes) send_batch();
    batch_bytes += tx.size();
    batch.push_back(std::move(tx));
  }
  send_batch();
}

void Node::Impl::arm_gossip_timer() {
  gossip_timer_->expires_after(kGossipInterval);
  gossip_timer_->async_wait([this](const asio::error_code& error) {
    if (error || halted()) return;
    flush_gossip();
    arm_gossip_timer();
  });
}

void Node::Impl::arm_status_timer() {
  status_timer_->expires_after(kStatusInterval);
  status_timer_->async_wait([this](const asio::error_code& error) {
    if (error || halted()) return;
    (void)transport_->broadcast(detail::kStatusMessage, detail::encode_status(committed_height()));
    snapshot_engine_stats();
    arm_status_timer();
  });
}

void Node::Impl::note_peer_height(std::uint32_t peer, std::uint64_t height) {
  std::lock_guard lock(peer_heights_mutex_);
  std::uint64_t& known = peer_heights_[peer];
  known = std::max(known, height);
}

std::uint64_t Node::Impl::trusted_peer_height() const {
  std::vector<std::uint64_t> heights;
  {
    std::lock_guard lock(peer_heights_mutex_);
    for (const auto& [peer, height] : peer_heights_) heights.push_back(height);
  }
  // A faulty peer may claim any height: only a height that f + 1 peers reached has an honest one.
  const std::size_t f = consensus::byzantine_faults_max(sealer_count());
  if (heights.size() <= f) return 0;
  std::sort(heights.begin(), heights.end(), std::greater<>());
  return heights[f];
}

void Node::Impl::snapshot_engine_stats() {
  std::lock_guard lock(stats_mutex_);
  engine_stats_ = engine_->stats();
}

Status set_log_level(std::string_view level_name) {
  const spdlog::level::level_enum level = spdlog::level::from_str(std::string(level_name));
  // from_str answers "off" for any name it does not know.
  if (level == spdlog::level::off && level_name != "off") {
    return Error(ErrorCode::kInvalidArgument, "log level \"" + std::string(level_name) +
                                                  "\": expected trace, debug, info, warn, error, critical or off");
  }
  spdlog::set_level(level);
  return {};
}

// --- Node ---

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() { stop(); }

Result<std::unique_ptr<Node>> Node::create(Genesis genesis, NodeConfig config, std::unique_ptr<Application> app) {
  if (!app) return Error(ErrorCode::kInvalidArgument, "node: no application");
  const crypto::CryptoSuite& suite = genesis_suite(genesis);
  TRESTLE_TRY(crypto::PrivateKey key, read_key(config.key));
  if (key.type() != suite.key_type()) {
    return Error(ErrorCode::kInvalidArgument,
                 config.key.string() + ": the key is not of the chain's suite (" + genesis.suite + ")");
  }
  std::optional<std::uint32_t> self;
  for (std::uint32_t i = 0; i < genesis.sealers.size(); ++i) {
    if (genesis.sealers[i] == key.public_key()) self = i;
  }
  if (!self) {
    return Error(ErrorCode::kInvalidArgument,
                 config.key.string() + ": the key is not one of the sealers in " + config.genesis.string());
  }
  auto impl = std::make_unique<Impl>(std::move(genesis), std::move(config), std::move(app), std::move(key), *self);
  TRESTLE_TRY_STATUS(impl->open());
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

Status Node::start() { return impl_->start(); }
void Node::stop() { impl_->stop(); }
std::uint16_t Node::p2p_port() const { return impl_->transport_->listen_port(); }

const crypto::CryptoSuite& Node::suite() const { return impl_->suite_; }
const ledger::Store& Node::store() const { return *impl_->store_; }
Result<Hash256> Node::submit_transaction(ByteView encoded) { return impl_->submit(encoded); }
std::optional<ledger::Transaction> Node::pending_transaction(const Hash256& tx_hash) const {
  auto found = impl_->pool_->find(tx_hash);
  if (!found) return std::nullopt;
  return std::move(found->transaction);
}

NodeInfo Node::info() const {
  const Impl& impl = *impl_;
  NodeInfo info;
  info.version = TRESTLE_VERSION;
  info.chain_id = impl.genesis_.chain_id;
  info.group_id = impl.genesis_.group_id;
  info.suite = impl.genesis_.suite;
  info.consensus = impl.genesis_.consensus.engine;
  info.application = impl.genesis_.application;
  info.node_index = impl.self_index_;
  info.node_id = impl.node_ids_[impl.self_index_];
  info.sealer_count = static_cast<std::uint32_t>(impl.genesis_.sealers.size());
  info.uptime_ms = impl.now_ms();
  info.consensus_failed = impl.failed_;
  return info;
}

std::vector<SealerInfo> Node::sealers() const {
  std::vector<SealerInfo> out;
  for (std::uint32_t i = 0; i < impl_->genesis_.sealers.size(); ++i) {
    const crypto::PublicKey& key = impl_->genesis_.sealers[i];
    out.push_back(SealerInfo{i, to_bytes(ByteView(key.xy())), impl_->suite_.address(key), impl_->node_ids_[i]});
  }
  return out;
}

std::vector<PeerInfo> Node::peers() const {
  std::vector<PeerInfo> out;
  for (auto& stats : impl_->transport_->stats()) {
    auto it = impl_->index_of_.find(stats.peer);
    out.push_back(PeerInfo{it == impl_->index_of_.end() ? 0 : it->second, std::move(stats)});
  }
  std::sort(out.begin(), out.end(), [](const PeerInfo& a, const PeerInfo& b) { return a.index < b.index; });
  return out;
}

SyncStatus Node::sync_status() const {
  SyncStatus status;
  status.height = impl_->committed_height();
  status.highest_height = std::max(status.height, impl_->trusted_peer_height());
  // One block of difference is the normal lag of a commit still travelling.
  status.syncing = status.highest_height > status.height + 1;
  std::lock_guard lock(impl_->stats_mutex_);
  status.blocks_synced = impl_->engine_stats_.blocks_synced;
  return status;
}

NodeMetrics Node::metrics() const {
  NodeMetrics metrics;
  metrics.height = impl_->committed_height();
  metrics.txs_committed = impl_->txs_committed_;
  metrics.blocks_committed = impl_->blocks_committed_;
  metrics.pool_size = impl_->pool_->size();
  metrics.txs_submitted = impl_->txs_submitted_;
  metrics.txs_rejected = impl_->txs_rejected_;
  {
    std::lock_guard lock(impl_->stats_mutex_);
    const consensus::EngineStats& stats = impl_->engine_stats_;
    metrics.view_changes = stats.rounds_started;
    metrics.consensus_dropped = stats.dropped_malformed + stats.dropped_bad_signature + stats.dropped_stale;
    metrics.blocks_synced = stats.blocks_synced;
  }
  metrics.peer_messages_dropped = impl_->peer_messages_dropped_;
  metrics.consensus_failed = impl_->failed_;
  metrics.peers = peers();
  return metrics;
}

}  // namespace trestle::node
