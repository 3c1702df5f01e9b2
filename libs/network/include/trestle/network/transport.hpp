#pragma once
// Transport: how a node exchanges messages with the other nodes of its chain.
//
// A transport knows peers and bytes, not blocks. Every peer is a node of the chain's node list,
// named by its node id: the suite hash of its chain public key's x || y. A message is a type
// (one byte) and a payload; the transport delivers it to the receiver's message handler together
// with the authenticated id of the node that sent it.
//
// Delivery is at most once: a message that send() accepted is delivered once or not at all (it is
// lost when its peer's connection breaks or the transport stops before it went out). Messages
// to one peer arrive in the order they were sent while one connection carries them; when a peer
// reconnects, messages sent before and after the switch may interleave. Protocols above must
// tolerate loss and reordering, as consensus protocols do.
//
// Two implementations: TcpTransport (TCP + TLS 1.3, authenticated by chain keys) for nodes, and
// MemoryTransport (in process) for tests and examples.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::network {

using NodeId = Hash256;

// The node id of a chain key: suite.hash(x || y).
NodeId node_id_of(const crypto::CryptoSuite& suite, const crypto::PublicKey& key);

using MessageType = std::uint8_t;
// Types [0, kFirstApplicationMessageType) are the transport's own (handshake, heartbeat); an
// application sends types in [kFirstApplicationMessageType, 255].
inline constexpr MessageType kFirstApplicationMessageType = 16;

// Counters for one peer, for metrics. Bytes count whole frames (6-byte header + payload, before
// TLS) of every kind; frames count application messages only.
struct PeerStats {
  NodeId peer;
  bool connected = false;
  bool outbound = false;        // the current connection was dialed by us (false when none)
  std::string remote_endpoint;  // "address:port" of the current connection ("" when none)
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t frames_received = 0;
  // Messages accepted by send() that did not go out (lost in a broken connection, cleared by the
  // overflow policy, or still queued at stop), plus messages send() refused for a full queue.
  std::uint64_t frames_dropped = 0;
  std::uint64_t connects = 0;    // authenticated connections established
  std::uint64_t reconnects = 0;  // connects after the first one
  std::uint64_t disconnects = 0;
  std::size_t queued_bytes = 0;  // frames waiting in the send queue
  std::size_t queued_frames = 0;
};

// Called on the transport's own thread (never inside send() or broadcast()), one call at a time
// per transport. A handler must not block for long (it holds up every peer of this transport)
// and must not call stop(); it may call send() and broadcast(). `payload` is valid during the
// call only. Exceptions thrown by a handler are caught and logged.
struct TransportHandlers {
  std::function<void(const NodeId& from, MessageType type, ByteView payload)> on_message;
  // Optional: a peer became reachable (true) or unreachable (false). A switch from one connection
  // to another with the same peer is not reported.
  std::function<void(const NodeId& peer, bool connected)> on_peer;
};

class Transport {
 public:
  virtual ~Transport() = default;

  virtual const NodeId& self() const = 0;

  // Starts connecting to the peers and accepting them; handlers run from now until stop()
  // returns. A transport starts once. Errors: kIo (e.g. the listen address is in use),
  // kInvalidArgument (already started, no on_message handler, a listen address that is not an
  // IP address), kInternal (TLS setup failed).
  virtual Status start(TransportHandlers handlers) = 0;

  // Stops: flushes what is queued for connected peers (bounded by the implementation's flush
  // deadline), closes every connection and joins the transport's threads. No handler runs after
  // it returns. Idempotent; the destructor calls it. Precondition: not called from a handler.
  virtual void stop() = 0;

  // Queues a message for `peer`; returns before it is sent. Thread-safe. A message queued while
  // the peer is unreachable waits in its (bounded) queue until a connection is up. Errors:
  // kInvalidArgument (type below kFirstApplicationMessageType, or peer == self()), kNotFound (not
  // a peer of this transport), kLimitExceeded (payload over the frame limit, or the peer's send
  // queue is full; counted in frames_dropped), kIo (not running).
  virtual Status send(const NodeId& peer, MessageType type, ByteView payload) = 0;

  // Queues a message for every peer (one shared copy). Returns the number of peers it was queued
  // for; peers whose queue is full are skipped and counted in their frames_dropped. Errors:
  // kInvalidArgument, kLimitExceeded (payload over the frame limit), kIo (not running).
  virtual Result<std::size_t> broadcast(MessageType type, ByteView payload) = 0;

  // The peers of this transport (the node list without self), in increasing id order.
  virtual std::vector<NodeId> peers() const = 0;
  virtual bool is_connected(const NodeId& peer) const = 0;
  // Stats of every peer, in peers() order.
  virtual std::vector<PeerStats> stats() const = 0;
};

}  // namespace trestle::network
