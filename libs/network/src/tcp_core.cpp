#include "tcp_core.hpp"

#include <algorithm>
#include <cassert>
#include <exception>

#include "connection.hpp"
#include "log.hpp"
#include "trestle/crypto/random.hpp"

namespace trestle::network::detail {
namespace {

std::uint64_t random_seed() {
  std::uint8_t bytes[8] = {};
  // The seed only spreads redial times; a failing kernel generator leaves it zero, which is fine.
  (void)crypto::fill_random(bytes);
  std::uint64_t seed = 0;
  for (std::uint8_t b : bytes) seed = (seed << 8) | b;
  return seed;
}

}  // namespace

PeerSlot::PeerSlot(asio::io_context& io, const NodeId& id_in, const crypto::PublicKey& key_in,
                   std::optional<PeerAddress> address_in)
    : id(id_in), key(key_in), tag(short_id(id_in)), address(std::move(address_in)), redial_timer(io) {}

TcpCore::TcpCore(const crypto::CryptoSuite& suite, crypto::PrivateKey key, std::vector<TcpPeer> peers,
                 TcpTransportOptions options, const InstanceId& instance)
    : suite_(suite),
      key_(std::move(key)),
      options_(std::move(options)),
      self_(node_id_of(suite, key_.public_key())),
      instance_(instance),
      tag_(short_id(self_)),
      log_(network_logger(options_.logger_name)),
      acceptor_(io_),
      accept_retry_timer_(io_),
      shutdown_timer_(io_),
      jitter_rng_(random_seed()) {
  for (TcpPeer& peer : peers) {
    const NodeId id = node_id_of(suite, peer.key);
    if (id == self_) continue;
    peers_.emplace(id, std::make_unique<PeerSlot>(io_, id, peer.key, std::move(peer.address)));
  }
}

TcpCore::~TcpCore() { stop(); }

PeerSlot* TcpCore::find_peer(const NodeId& id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

Status TcpCore::open_listener() {
  if (options_.listen_host.empty()) return ok_status();
  std::error_code error;
  const asio::ip::address address = asio::ip::make_address(options_.listen_host, error);
  if (error) {
    return Error(ErrorCode::kInvalidArgument,
                 "listen_host '" + options_.listen_host + "' is not an IP address: " + error.message());
  }
  const asio::ip::tcp::endpoint endpoint(address, options_.listen_port);
  const std::string where = options_.listen_host + ":" + std::to_string(options_.listen_port);
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    std::error_code ignored;
    acceptor_.close(ignored);
    return Error(ErrorCode::kIo, "cannot listen on " + where + ": " + error.message());
  }
  listen_port_ = acceptor_.local_endpoint(error).port();
  return ok_status();
}

Status TcpCore::start(TransportHandlers handlers) {
  if (!handlers.on_message) return Error(ErrorCode::kInvalidArgument, "start: on_message handler is missing");
  State expected = State::kCreated;
  if (state_ != State::kCreated) return Error(ErrorCode::kInvalidArgument, "start: the transport was already started");
  if (!tls_) {
    TRESTLE_TRY(tls_, make_tls_contexts());
  }
  TRESTLE_TRY_STATUS(open_listener());
  handlers_ = std::move(handlers);
  work_guard_.emplace(asio::make_work_guard(io_));
  if (!state_.compare_exchange_strong(expected, State::kRunning)) {
    return Error(ErrorCode::kInvalidArgument, "start: the transport was already started");
  }
  try {
    thread_ = std::thread([this] { run_io(); });
  } catch (const std::exception& e) {
    state_ = State::kStopped;
    return Error(ErrorCode::kInternal, std::string("start: cannot start the I/O thread: ") + e.what());
  }
  asio::post(io_, [this] {
    accept_next();
    for (auto& [id, slot] : peers_) dial(*slot);
  });
  log_->info("node {}: started, listening on {}, {} peers", tag_,
             options_.listen_host.empty() ? std::string("nothing")
                                          : options_.listen_host + ":" + std::to_string(listen_port_.load()),
             peers_.size());
  return ok_status();
}

void TcpCore::run_io() {
  while (true) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      // Handlers catch what they call; this is a last resort that keeps the links up.
      log_->error("node {}: unexpected exception on the I/O thread: {}", tag_, e.what());
    }
  }
}

void TcpCore::stop() {
  State expected = State::kRunning;
  if (!state_.compare_exchange_strong(expected, State::kStopping)) return;
  assert(std::this_thread::get_id() != thread_.get_id() && "stop() called from a transport handler");
  asio::post(io_, [this] { begin_shutdown(); });
  thread_.join();
  for (auto& [id, slot] : peers_) {
    std::lock_guard lock(slot->mutex);
    slot->frames_dropped += slot->queued_frames;
    slot->queue.clear();
    slot->queued_bytes = 0;
    slot->queued_frames = 0;
    slot->active.reset();
    slot->dialing.reset();
  }
  connections_.clear();
  state_ = State::kStopped;
  log_->info("node {}: stopped", tag_);
}

void TcpCore::begin_shutdown() {
  std::error_code ignored;
  acceptor_.close(ignored);
  accept_retry_timer_.cancel();
  for (auto& [id, slot] : peers_) slot->redial_timer.cancel();
  const std::vector<std::shared_ptr<Connection>> open(connections_.begin(), connections_.end());
  for (const auto& connection : open) {
    bool active = false;
    if (PeerSlot* slot = connection->peer()) {
      std::lock_guard lock(slot->mutex);
      active = slot->active == connection;
    }
    if (active || !connection->authenticated()) connection->begin_flush();
  }
  work_guard_.reset();
  if (connections_.empty()) return;
  shutdown_timer_.expires_after(std::chrono::milliseconds(options_.shutdown_flush_timeout_ms));
  shutdown_timer_.async_wait([this](const std::error_code& error) {
    if (error) return;
    const std::vector<std::shared_ptr<Connection>> left(connections_.begin(), connections_.end());
    for (const auto& connection : left) connection->close("flush deadline passed while stopping", true);
    // Completions of the closed sockets have nothing left to do; do not wait for them.
    io_.stop();
  });
}

void TcpCore::accept_next() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept([this](const std::error_code& error, asio::ip::tcp::socket socket) {
    if (state_ != State::kRunning) return;
    if (error) {
      if (error == asio::error::operation_aborted) return;
      // For example out of file descriptors: try again shortly rather than spin.
      log_->warn("node {}: accept failed: {}", tag_, error.message());
      accept_retry_timer_.expires_after(std::chrono::milliseconds(100));
      accept_retry_timer_.async_wait([this](const std::error_code& timer_error) {
        if (!timer_error) accept_next();
      });
      return;
    }
    if (pending_inbound_ >= options_.pending_connections_max) {
      std::error_code ignored;
      const auto endpoint = socket.remote_endpoint(ignored);
      log_->warn("node {}: connection from {} refused: {} connections are already in their handshake", tag_,
                 ignored ? std::string("unknown address") : endpoint.address().to_string(), pending_inbound_);
      socket.close(ignored);
    } else {
      auto connection = std::make_shared<Connection>(*this, std::move(socket));
      connection->holds_pending_slot = true;
      ++pending_inbound_;
      connections_.insert(connection);
      connection->start_accepted();
    }
    accept_next();
  });
}

void TcpCore::dial(PeerSlot& slot) {
  if (state_ != State::kRunning || !slot.address || slot.dialing) return;
  {
    std::lock_guard lock(slot.mutex);
    if (slot.active) return;
  }
  auto connection = std::make_shared<Connection>(*this, slot);
  slot.dialing = connection;
  connections_.insert(connection);
  connection->start_dial();
}

void TcpCore::schedule_redial(PeerSlot& slot) {
  if (state_ != State::kRunning || !slot.address || slot.redial_scheduled || slot.dialing) return;
  const std::uint32_t doublings = std::min<std::uint32_t>(slot.failed_dials, 20);
  const std::uint64_t delay_max =
      std::min<std::uint64_t>(std::uint64_t{options_.reconnect_delay_ms} << doublings, options_.reconnect_delay_ms_max);
  std::uniform_int_distribution<std::uint64_t> pick(delay_max / 2, delay_max);
  const std::uint64_t delay = pick(jitter_rng_);
  slot.redial_scheduled = true;
  slot.redial_timer.expires_after(std::chrono::milliseconds(delay));
  slot.redial_timer.async_wait([this, &slot](const std::error_code& error) {
    slot.redial_scheduled = false;
    if (!error) dial(slot);
  });
}

bool TcpCore::prefer(const Connection& candidate, const Connection& current) const {
  // A new instance of the peer (it restarted): the old connection is stale.
  if (candidate.peer_instance() != current.peer_instance()) return true;
  // Both ends must keep the same connection: the one dialed by the node with the lower id.
  const bool self_is_lower = self_ < candidate.peer()->id;
  const bool candidate_preferred = candidate.outbound() == self_is_lower;
  const bool current_preferred = current.outbound() == self_is_lower;
  if (candidate_preferred != current_preferred) return candidate_preferred;
  // Same direction: the dialer gave up on the older one.
  return true;
}

void TcpCore::on_authenticated(const std::shared_ptr<Connection>& connection) {
  PeerSlot& slot = *connection->peer();
  if (connection->holds_pending_slot) {
    connection->holds_pending_slot = false;
    --pending_inbound_;
  }
  if (slot.dialing == connection) {
    slot.dialing.reset();
    slot.failed_dials = 0;
  }
  if (state_ != State::kRunning) {
    connection->close("the transport is stopping", false);
    return;
  }
  std::shared_ptr<Connection> current;
  {
    std::lock_guard lock(slot.mutex);
    current = slot.active;
    if (!current || prefer(*connection, *current)) slot.active = connection;
  }
  if (!current) {
    const std::uint64_t connects = ++slot.connects;
    log_->info("node {}: {} peer {} ({}){}", tag_, connection->outbound() ? "connected to" : "accepted", slot.tag,
               connection->remote(), connects > 1 ? " again" : "");
    notify_peer(slot.id, true);
    connection->pump();
  } else if (slot.active == connection) {
    current->retire("another connection with the peer takes over");
    connection->pump();
  } else {
    connection->retire("the peer already has a preferred connection");
  }
}

void TcpCore::on_closed(const std::shared_ptr<Connection>& connection) {
  connections_.erase(connection);
  if (connection->holds_pending_slot) {
    connection->holds_pending_slot = false;
    --pending_inbound_;
  }
  if (PeerSlot* target = connection->target(); target != nullptr && target->dialing == connection) {
    target->dialing.reset();
    ++target->failed_dials;
    schedule_redial(*target);
  }
  if (PeerSlot* slot = connection->peer()) {
    bool was_active = false;
    {
      std::lock_guard lock(slot->mutex);
      if (slot->active == connection) {
        slot->active.reset();
        was_active = true;
      }
    }
    if (was_active) {
      ++slot->disconnects;
      notify_peer(slot->id, false);
      schedule_redial(*slot);
    }
  }
  if (state_ != State::kRunning && connections_.empty()) shutdown_timer_.cancel();
}

void TcpCore::notify_peer(const NodeId& peer, bool connected) {
  if (!handlers_.on_peer) return;
  try {
    handlers_.on_peer(peer, connected);
  } catch (const std::exception& e) {
    log_->error("node {}: on_peer handler threw: {}", tag_, e.what());
  } catch (...) {
    log_->error("node {}: on_peer handler threw a non-standard exception", tag_);
  }
}

void TcpCore::deliver(PeerSlot& peer, MessageType type, ByteView payload) {
  ++peer.frames_received;
  try {
    handlers_.on_message(peer.id, type, payload);
  } catch (const std::exception& e) {
    log_->error("node {}: on_message handler threw on a message of type {} from {}: {}", tag_, type, peer.tag,
                e.what());
  } catch (...) {
    log_->error("node {}: on_message handler threw a non-standard exception", tag_);
  }
}

Status TcpCore::check_message(MessageType type, std::size_t payload_size) const {
  if (type < kFirstApplicationMessageType) {
    return Error(ErrorCode::kInvalidArgument, "message type " + std::to_string(type) +
                                                  " is reserved for the transport (application types start at " +
                                                  std::to_string(kFirstApplicationMessageType) + ")");
  }
  if (payload_size > options_.frame_bytes_max) {
    return Error(ErrorCode::kLimitExceeded, "message of " + std::to_string(payload_size) +
                                                " bytes exceeds frame_bytes_max (" +
                                                std::to_string(options_.frame_bytes_max) + ")");
  }
  return ok_status();
}

Status TcpCore::enqueue(PeerSlot& slot, MessageType type, ByteView payload, FramePtr large) {
  const std::size_t frame_size = kFrameHeaderSize + payload.size();
  if (frame_size >= kLargeFrameBytes && !large) large = std::make_shared<const Bytes>(make_frame(type, payload));
  std::shared_ptr<Connection> to_close;
  {
    std::lock_guard lock(slot.mutex);
    if (state_ != State::kRunning) return Error(ErrorCode::kIo, "the transport is not running");
    if (slot.queued_bytes + frame_size <= options_.send_queue_bytes_max) {
      if (large) {
        slot.queue.push_back(QueuedChunk{{}, std::move(large), 1});
      } else {
        if (slot.queue.empty() || slot.queue.back().large ||
            slot.queue.back().block.size() + frame_size > kBatchBytes) {
          // Grown by doubling from 4 KiB rather than reserved whole, so that a block holding one
          // small frame between large ones costs little beyond the bytes the bound counts.
          slot.queue.emplace_back();
          slot.queue.back().block.reserve(std::max<std::size_t>(4u << 10, frame_size));
        }
        QueuedChunk& chunk = slot.queue.back();
        std::uint8_t header[kFrameHeaderSize];
        write_frame_header(header, static_cast<std::uint32_t>(payload.size()), type);
        chunk.block.insert(chunk.block.end(), header, header + kFrameHeaderSize);
        chunk.block.insert(chunk.block.end(), payload.begin(), payload.end());
        ++chunk.frames;
      }
      slot.queued_bytes += frame_size;
      ++slot.queued_frames;
      if (slot.active && !slot.pump_posted) {
        slot.pump_posted = true;
        asio::post(io_, [this, &slot] {
          std::shared_ptr<Connection> connection;
          {
            std::lock_guard pump_lock(slot.mutex);
            slot.pump_posted = false;
            connection = slot.active;
          }
          if (connection) connection->pump();
        });
      }
      return ok_status();
    }
    ++slot.frames_dropped;
    if (options_.overflow_policy == OverflowPolicy::kDisconnect) {
      slot.frames_dropped += slot.queued_frames;
      slot.queue.clear();
      slot.queued_bytes = 0;
      slot.queued_frames = 0;
      to_close = slot.active;
    }
  }
  if (to_close) {
    asio::post(io_, [to_close] { to_close->close("send queue overflow: the peer does not keep up", true); });
  }
  return Error(ErrorCode::kLimitExceeded, "send queue of peer " + slot.tag + " is full (" +
                                              std::to_string(options_.send_queue_bytes_max) + " bytes)");
}

Status TcpCore::send(const NodeId& peer, MessageType type, ByteView payload) {
  TRESTLE_TRY_STATUS(check_message(type, payload.size()));
  if (peer == self_) return Error(ErrorCode::kInvalidArgument, "cannot send a message to this node itself");
  PeerSlot* slot = find_peer(peer);
  if (slot == nullptr) {
    return Error(ErrorCode::kNotFound, "node " + short_id(peer) + " is not a peer of this transport");
  }
  if (state_ != State::kRunning) return Error(ErrorCode::kIo, "the transport is not running");
  return enqueue(*slot, type, payload, nullptr);
}

Result<std::size_t> TcpCore::broadcast(MessageType type, ByteView payload) {
  TRESTLE_TRY_STATUS(check_message(type, payload.size()));
  if (state_ != State::kRunning) return Error(ErrorCode::kIo, "the transport is not running");
  // A large frame is built once and shared by every queue; small ones are copied into each.
  FramePtr large;
  if (kFrameHeaderSize + payload.size() >= kLargeFrameBytes) {
    large = std::make_shared<const Bytes>(make_frame(type, payload));
  }
  std::size_t queued = 0;
  for (auto& [id, slot] : peers_) {
    if (enqueue(*slot, type, payload, large).ok()) ++queued;
  }
  return queued;
}

Status TcpCore::set_peer_address(const NodeId& peer, std::optional<PeerAddress> address) {
  PeerSlot* slot = find_peer(peer);
  if (slot == nullptr) {
    return Error(ErrorCode::kNotFound, "node " + short_id(peer) + " is not a peer of this transport");
  }
  if (address && (address->host.empty() || address->port == 0)) {
    return Error(ErrorCode::kInvalidArgument, "a peer address needs a host and a non-zero port");
  }
  // Posted before start, it runs when the I/O thread starts, before the first dials.
  asio::post(io_, [this, slot, address = std::move(address)]() mutable {
    slot->address = std::move(address);
    slot->failed_dials = 0;
    if (slot->redial_scheduled) slot->redial_timer.cancel();
    dial(*slot);
  });
  return ok_status();
}

std::vector<NodeId> TcpCore::peers() const {
  std::vector<NodeId> ids;
  ids.reserve(peers_.size());
  for (const auto& [id, slot] : peers_) ids.push_back(id);
  return ids;
}

bool TcpCore::is_connected(const NodeId& peer) const {
  auto it = peers_.find(peer);
  if (it == peers_.end()) return false;
  std::lock_guard lock(it->second->mutex);
  return it->second->active != nullptr;
}

std::vector<PeerStats> TcpCore::stats() const {
  std::vector<PeerStats> all;
  all.reserve(peers_.size());
  for (const auto& [id, slot] : peers_) {
    PeerStats stats;
    stats.peer = id;
    {
      std::lock_guard lock(slot->mutex);
      stats.connected = slot->active != nullptr;
      if (slot->active) {
        stats.outbound = slot->active->outbound();
        stats.remote_endpoint = slot->active->remote();
      }
      stats.queued_bytes = slot->queued_bytes;
      stats.queued_frames = slot->queued_frames;
    }
    stats.bytes_sent = slot->bytes_sent;
    stats.bytes_received = slot->bytes_received;
    stats.frames_sent = slot->frames_sent;
    stats.frames_received = slot->frames_received;
    stats.frames_dropped = slot->frames_dropped;
    stats.connects = slot->connects;
    stats.reconnects = stats.connects > 0 ? stats.connects - 1 : 0;
    stats.disconnects = slot->disconnects;
    all.push_back(std::move(stats));
  }
  return all;
}

}  // namespace trestle::network::detail
