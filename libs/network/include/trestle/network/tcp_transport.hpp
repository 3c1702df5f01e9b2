#pragma once
// TcpTransport: peer links over TCP and TLS 1.3, authenticated by the nodes' chain keys.
//
// TLS encrypts; it does not authenticate. Each transport makes a fresh self-signed certificate at
// start and nobody checks certificates. Right after the TLS handshake each side signs the TLS
// channel binding (32 bytes of exported keying material, RFC 5705 / RFC 8446 section 7.5) with
// its chain key and sends its public key and the signature; the other side accepts the
// connection only if the key belongs to a peer of this transport and the signature checks. A
// relay in the middle holds two TLS sessions with two different bindings, so it cannot pass the
// signatures on. docs/network.md has the byte layouts.
//
// Any failure (TLS, an unknown key, a bad signature, a malformed or oversize frame, a silent
// peer, a stalled write) closes that one connection and logs the reason at warn level; other
// peers are not affected.
//
// Connections: the transport dials every peer that has an address and accepts connections from
// every peer. Both nodes of a pair may dial at once; when two authenticated connections join the
// same pair, both ends keep the same one: the one dialed by the node with the lower id (or, when
// a peer restarted, the connection to its new instance). The other one is drained and closed,
// so nothing queued on it is lost. A lost connection is redialed after reconnect_delay_ms,
// doubling per failed attempt up to reconnect_delay_ms_max, each delay drawn uniformly from
// [delay/2, delay] so that nodes do not redial in lockstep.
//
// Threads: the transport runs one I/O thread of its own, started by start() and joined by stop();
// handlers run on it. STYLE.md (6) has the application own the io_context; taking one here
// would put Asio in the public API of every node and every binding, for no gain to the node,
// which needs no other socket on the same loop. All public methods are thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/network/transport.hpp"

namespace trestle::network {

struct PeerAddress {
  std::string host;  // an IP address or a host name (resolved at each dial)
  std::uint16_t port = 0;
};

// One node of the chain's node list.
struct TcpPeer {
  crypto::PublicKey key;
  // Where to dial it. Without an address the transport only accepts the peer's own dials.
  std::optional<PeerAddress> address;
};

// What send() does when a peer's queue would go over send_queue_bytes_max (a peer that reads
// slower than we write, or is unreachable).
enum class OverflowPolicy {
  kDropNewest,  // refuse the new message (kLimitExceeded); the queue keeps what it has
  kDisconnect,  // refuse it, empty the queue and close the peer's connection
};

struct TcpTransportOptions {
  // Address to listen on; "" to accept no connections (the transport only dials).
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 0;  // 0: an ephemeral port, see TcpTransport::listen_port()
  // Signed into the handshake: nodes with different ids refuse each other. Set it to the chain
  // id so that a key used in two chains cannot join the wrong one. At most 64 bytes.
  std::string network_id;
  // Largest message payload, sent or received; a larger incoming frame closes the connection.
  // In [1 KiB, 1 GiB].
  std::size_t frame_bytes_max = 32u << 20;
  // Bytes (frames with headers) waiting for one peer; beyond, overflow_policy applies. At least
  // frame_bytes_max + 6, so that the largest message fits.
  std::size_t send_queue_bytes_max = 64u << 20;
  OverflowPolicy overflow_policy = OverflowPolicy::kDropNewest;
  // From accept or connect to a verified peer signature; slower connections are dropped.
  std::uint32_t handshake_timeout_ms = 10'000;
  // An idle connection sends a heartbeat this often...
  std::uint32_t heartbeat_interval_ms = 2'000;
  // ...and one that receives no byte for this long is closed. Must exceed heartbeat_interval_ms.
  std::uint32_t heartbeat_timeout_ms = 10'000;
  // A write chunk (at most 256 KiB) that does not complete in this long closes the connection:
  // the peer stopped reading.
  std::uint32_t write_timeout_ms = 30'000;
  // First redial delay after a lost connection or failed dial, doubled per failure...
  std::uint32_t reconnect_delay_ms = 250;
  // ...up to this.
  std::uint32_t reconnect_delay_ms_max = 30'000;
  // stop() flushes queues for at most this long, then closes what is left.
  std::uint32_t shutdown_flush_timeout_ms = 2'000;
  // Connections accepted but not yet authenticated; more are closed at once.
  std::size_t pending_connections_max = 64;
  // The spdlog logger to use when one with this name is registered; otherwise a copy of the
  // default logger under this name.
  std::string logger_name = "trestle.network";
};

class TcpTransport final : public Transport {
 public:
  // A transport for the node that holds `key`, among `peers` (the chain's node list; an entry
  // with our own key is skipped). `suite` must outlive the transport. Nothing is opened before
  // start(). Errors (kInvalidArgument): a key of another curve than the suite's, a peer listed
  // twice, an option out of its range (the message names it).
  static Result<std::unique_ptr<TcpTransport>> create(const crypto::CryptoSuite& suite, crypto::PrivateKey key,
                                                      std::vector<TcpPeer> peers, TcpTransportOptions options);
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  const NodeId& self() const override;
  Status start(TransportHandlers handlers) override;
  void stop() override;
  Status send(const NodeId& peer, MessageType type, ByteView payload) override;
  Result<std::size_t> broadcast(MessageType type, ByteView payload) override;
  std::vector<NodeId> peers() const override;
  bool is_connected(const NodeId& peer) const override;
  std::vector<PeerStats> stats() const override;

  // The port it listens on once started (useful with listen_port = 0); 0 when not listening.
  std::uint16_t listen_port() const;

  // Changes where `peer` is dialed (nullopt: no longer dialed), for a peer that moved or whose
  // address is known only after start. A running transport that has no connection with the peer
  // dials the new address at once. Thread-safe. Errors: kNotFound (not a peer), kInvalidArgument
  // (empty host or port 0).
  Status set_peer_address(const NodeId& peer, std::optional<PeerAddress> address);

 private:
  class Impl;
  explicit TcpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trestle::network
