#pragma once
// MemoryNetwork: in-process transports for tests and examples, with the Transport contract of the
// TCP transport (limits, errors, stats, at-most-once delivery) and links a test can cut.
//
// Node a's transport reaches node b when both transports are started, each lists the other as a
// peer, and the link between them is up. Messages travel through one queue per network, in the
// order they were sent, and are delivered either by a thread the network owns or, for
// deterministic tests, by the test calling deliver().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "trestle/network/transport.hpp"

namespace trestle::network {

struct MemoryNetworkOptions {
  // true: a thread of the network delivers messages. false: nothing is delivered until the
  // caller calls deliver().
  bool deliver_on_thread = true;
  // As in TcpTransportOptions.
  std::size_t frame_bytes_max = 32u << 20;
  std::size_t send_queue_bytes_max = 64u << 20;
};

class MemoryNetwork {
 public:
  explicit MemoryNetwork(MemoryNetworkOptions options = {});
  // Precondition: every transport of this network was destroyed first.
  ~MemoryNetwork();
  MemoryNetwork(const MemoryNetwork&) = delete;
  MemoryNetwork& operator=(const MemoryNetwork&) = delete;

  // A transport for node `self` with the given peers (self is skipped if listed). The transport
  // refers to the network, which must outlive it. Precondition: no other live transport of this
  // network is `self`.
  std::unique_ptr<Transport> create_transport(const NodeId& self, const std::vector<NodeId>& peers);

  // Cuts (up = false) or restores the link between a and b, both ways. Messages queued on a cut
  // link are dropped (counted in the sender's frames_dropped) when their turn comes.
  void set_link(const NodeId& a, const NodeId& b, bool up);

  // Manual delivery (deliver_on_thread = false): hands up to count_max queued events (messages and
  // peer notices) to their handlers on the calling thread, in order. Returns how many it took
  // from the queue, delivered or dropped. Precondition: not called from a handler.
  std::size_t deliver(std::size_t count_max = SIZE_MAX);
  // Events waiting in the queue.
  std::size_t pending() const;

 private:
  class Impl;
  class Endpoint;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trestle::network
