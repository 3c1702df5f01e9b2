#pragma once
// The TCP transport's state: its peers, their send queues and connections, the listener and the
// I/O thread. Connection (connection.hpp) does the per-connection protocol and calls back here
// when a connection is authenticated or closed.
//
// Threads: everything marked "I/O thread" is touched only by the transport's one I/O thread.
// A peer's queue and active connection are also read and written by send() on any thread,
// under the peer's mutex.

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>
#include <asio.hpp>

#include "auth.hpp"
#include "frame.hpp"
#include "tls.hpp"
#include "trestle/network/tcp_transport.hpp"

namespace trestle::network::detail {

class Connection;

struct PeerSlot {
  PeerSlot(asio::io_context& io, const NodeId& id_in, const crypto::PublicKey& key_in,
           std::optional<PeerAddress> address_in);

  const NodeId id;
  const crypto::PublicKey key;
  const std::string tag;  // short id for logs

  mutable std::mutex mutex;
  // Guarded by mutex.
  std::deque<QueuedChunk> queue;
  std::size_t queued_bytes = 0;
  std::size_t queued_frames = 0;
  bool pump_posted = false;  // a pump of the active connection is posted to the I/O thread
  std::shared_ptr<Connection> active;

  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> frames_sent{0};
  std::atomic<std::uint64_t> frames_received{0};
  std::atomic<std::uint64_t> frames_dropped{0};
  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> disconnects{0};

  // I/O thread.
  std::optional<PeerAddress> address;  // where to dial the peer (set before start, then on the I/O thread)
  asio::steady_timer redial_timer;
  bool redial_scheduled = false;
  std::shared_ptr<Connection> dialing;  // our outbound connection being set up, if any
  std::uint32_t failed_dials = 0;
};

class TcpCore {
 public:
  // Precondition: arguments validated by TcpTransport::create.
  TcpCore(const crypto::CryptoSuite& suite, crypto::PrivateKey key, std::vector<TcpPeer> peers,
          TcpTransportOptions options, const InstanceId& instance);
  ~TcpCore();  // stops
  TcpCore(const TcpCore&) = delete;
  TcpCore& operator=(const TcpCore&) = delete;

  // The Transport API.
  const NodeId& self() const { return self_; }
  Status start(TransportHandlers handlers);
  void stop();
  Status send(const NodeId& peer, MessageType type, ByteView payload);
  Result<std::size_t> broadcast(MessageType type, ByteView payload);
  std::vector<NodeId> peers() const;
  bool is_connected(const NodeId& peer) const;
  std::vector<PeerStats> stats() const;
  std::uint16_t listen_port() const { return listen_port_.load(); }
  Status set_peer_address(const NodeId& peer, std::optional<PeerAddress> address);

  // For connections (I/O thread).
  const TcpTransportOptions& options() const { return options_; }
  const crypto::CryptoSuite& suite() const { return suite_; }
  const crypto::PrivateKey& key() const { return key_; }
  const InstanceId& instance() const { return instance_; }
  const std::string& tag() const { return tag_; }
  spdlog::logger& log() const { return *log_; }
  asio::io_context& io() { return io_; }
  TlsContexts& tls() { return *tls_; }
  // nullptr when `id` is not a peer.
  PeerSlot* find_peer(const NodeId& id);
  // The connection verified its peer's signature; decides whether it carries the peer's traffic.
  void on_authenticated(const std::shared_ptr<Connection>& connection);
  // The connection is closed; forgets it and redials when it was the peer's active one.
  void on_closed(const std::shared_ptr<Connection>& connection);
  void deliver(PeerSlot& peer, MessageType type, ByteView payload);

 private:
  enum class State { kCreated, kRunning, kStopping, kStopped };

  Status check_message(MessageType type, std::size_t payload_size) const;
  // Queues one frame: `payload` is copied into the last block of small frames, or, for a large
  // frame, `large` (built here when null) is queued.
  Status enqueue(PeerSlot& slot, MessageType type, ByteView payload, FramePtr large);
  Status open_listener();
  void run_io();
  void accept_next();
  void dial(PeerSlot& slot);
  void schedule_redial(PeerSlot& slot);
  void begin_shutdown();
  void notify_peer(const NodeId& peer, bool connected);
  // Whether `candidate` should carry the peer's traffic instead of `current`.
  bool prefer(const Connection& candidate, const Connection& current) const;

  const crypto::CryptoSuite& suite_;
  const crypto::PrivateKey key_;
  const TcpTransportOptions options_;
  const NodeId self_;
  const InstanceId instance_;
  const std::string tag_;
  std::shared_ptr<spdlog::logger> log_;

  std::atomic<State> state_{State::kCreated};
  std::atomic<std::uint16_t> listen_port_{0};
  TransportHandlers handlers_;

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_guard_;
  std::unique_ptr<TlsContexts> tls_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_timer_;
  asio::steady_timer shutdown_timer_;
  std::map<NodeId, std::unique_ptr<PeerSlot>> peers_;

  // I/O thread.
  std::set<std::shared_ptr<Connection>> connections_;
  std::size_t pending_inbound_ = 0;
  std::mt19937_64 jitter_rng_;

  std::thread thread_;
};

}  // namespace trestle::network::detail
