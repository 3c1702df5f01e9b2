#include "trestle/network/memory_transport.hpp"

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "frame.hpp"
#include "log.hpp"

namespace trestle::network {
namespace {

using detail::kFrameHeaderSize;

// A message that waits for its peer to become reachable, as the TCP transport's queue does.
struct Held {
  MessageType type = 0;
  std::shared_ptr<const Bytes> payload;
};

struct Counters {
  PeerStats stats;
  std::deque<Held> held;
};

// A message or a peer notice on its way to endpoint `to`. Endpoints are told apart by serial, so
// that an event for a node's earlier transport never reaches a later one with the same id.
struct Event {
  NodeId from;
  NodeId to;
  std::uint64_t from_serial = 0;
  std::uint64_t to_serial = 0;
  bool is_message = true;
  MessageType type = 0;
  std::shared_ptr<const Bytes> payload;
  bool connected = false;
};

}  // namespace

class MemoryNetwork::Impl {
 public:
  explicit Impl(MemoryNetworkOptions options_in) : options(options_in) {}

  bool link_up(const NodeId& a, const NodeId& b) const { return !cut.contains(std::minmax(a, b)); }
  Endpoint* find(const NodeId& id, std::uint64_t serial) const;
  bool reachable(const Endpoint& from, const NodeId& to) const;
  // Re-evaluates who reaches whom: queues peer notices and releases held messages.
  void refresh();
  // Pops one event and hands it over; the lock is released while a handler runs.
  void deliver_one(std::unique_lock<std::mutex>& lock);
  void run_thread();

  const MemoryNetworkOptions options;
  mutable std::mutex mutex;
  std::condition_variable work_cv;  // an event was queued, or the network shuts down
  std::condition_variable idle_cv;  // a handler returned
  std::map<NodeId, Endpoint*> endpoints;
  std::set<std::pair<NodeId, NodeId>> cut;
  std::deque<Event> queue;
  const Endpoint* delivering = nullptr;
  std::uint64_t next_serial = 1;
  bool shutting_down = false;
  std::mutex deliver_mutex;  // manual delivery: one caller at a time
  std::thread thread;
};

class MemoryNetwork::Endpoint final : public Transport {
 public:
  Endpoint(Impl& net, const NodeId& self, const std::vector<NodeId>& peers)
      : net_(net), self_(self), serial_(net.next_serial++) {
    for (const NodeId& peer : peers) {
      if (peer != self) counters_[peer].stats.peer = peer;
    }
  }

  ~Endpoint() override {
    stop();
    std::lock_guard lock(net_.mutex);
    auto it = net_.endpoints.find(self_);
    if (it != net_.endpoints.end() && it->second == this) net_.endpoints.erase(it);
    net_.refresh();
  }

  const NodeId& self() const override { return self_; }

  Status start(TransportHandlers handlers) override {
    if (!handlers.on_message) return Error(ErrorCode::kInvalidArgument, "start: on_message handler is missing");
    std::lock_guard lock(net_.mutex);
    if (started_) return Error(ErrorCode::kInvalidArgument, "start: the transport was already started");
    started_ = true;
    running_ = true;
    handlers_ = std::move(handlers);
    net_.refresh();
    return ok_status();
  }

  void stop() override {
    std::unique_lock lock(net_.mutex);
    if (!running_) return;
    running_ = false;
    net_.refresh();
    net_.idle_cv.wait(lock, [this] { return net_.delivering != this; });
    for (auto& [peer, counters] : counters_) {
      for (const Held& held : counters.held) {
        counters.stats.queued_bytes -= kFrameHeaderSize + held.payload->size();
        --counters.stats.queued_frames;
        ++counters.stats.frames_dropped;
      }
      counters.held.clear();
    }
  }

  Status send(const NodeId& peer, MessageType type, ByteView payload) override {
    TRESTLE_TRY_STATUS(check_message(type, payload.size()));
    if (peer == self_) return Error(ErrorCode::kInvalidArgument, "cannot send a message to this node itself");
    if (!counters_.contains(peer)) {
      return Error(ErrorCode::kNotFound, "node " + detail::short_id(peer) + " is not a peer of this transport");
    }
    auto shared = std::make_shared<const Bytes>(payload.begin(), payload.end());
    std::lock_guard lock(net_.mutex);
    if (!running_) return Error(ErrorCode::kIo, "the transport is not running");
    return enqueue(peer, type, shared);
  }

  Result<std::size_t> broadcast(MessageType type, ByteView payload) override {
    TRESTLE_TRY_STATUS(check_message(type, payload.size()));
    auto shared = std::make_shared<const Bytes>(payload.begin(), payload.end());
    std::lock_guard lock(net_.mutex);
    if (!running_) return Error(ErrorCode::kIo, "the transport is not running");
    std::size_t queued = 0;
    for (auto& [peer, counters] : counters_) {
      if (enqueue(peer, type, shared).ok()) ++queued;
    }
    return queued;
  }

  std::vector<NodeId> peers() const override {
    std::vector<NodeId> ids;
    for (const auto& [peer, counters] : counters_) ids.push_back(peer);
    return ids;
  }

  bool is_connected(const NodeId& peer) const override {
    std::lock_guard lock(net_.mutex);
    auto it = counters_.find(peer);
    return it != counters_.end() && it->second.stats.connected;
  }

  std::vector<PeerStats> stats() const override {
    std::lock_guard lock(net_.mutex);
    std::vector<PeerStats> all;
    for (const auto& [peer, counters] : counters_) all.push_back(counters.stats);
    return all;
  }

 private:
  friend class MemoryNetwork::Impl;

  Status check_message(MessageType type, std::size_t payload_size) const {
    if (type < kFirstApplicationMessageType) {
      return Error(ErrorCode::kInvalidArgument,
                   "message type " + std::to_string(type) + " is reserved for the transport");
    }
    if (payload_size > net_.options.frame_bytes_max) {
      return Error(ErrorCode::kLimitExceeded, "message of " + std::to_string(payload_size) +
                                                  " bytes exceeds frame_bytes_max (" +
                                                  std::to_string(net_.options.frame_bytes_max) + ")");
    }
    return ok_status();
  }

  // Under the network's mutex.
  Status enqueue(const NodeId& peer, MessageType type, const std::shared_ptr<const Bytes>& payload) {
    PeerStats& stats = counters_[peer].stats;
    const std::size_t size = kFrameHeaderSize + payload->size();
    if (stats.queued_bytes + size > net_.options.send_queue_bytes_max) {
      ++stats.frames_dropped;
      return Error(ErrorCode::kLimitExceeded, "send queue of peer " + detail::short_id(peer) + " is full (" +
                                                  std::to_string(net_.options.send_queue_bytes_max) + " bytes)");
    }
    stats.queued_bytes += size;
    ++stats.queued_frames;
    if (net_.reachable(*this, peer)) {
      net_.queue.push_back(Event{self_, peer, serial_, net_.endpoints.at(peer)->serial_, true, type, payload, false});
      net_.work_cv.notify_one();
    } else {
      counters_[peer].held.push_back(Held{type, payload});
    }
    return ok_status();
  }

  Impl& net_;
  const NodeId self_;
  const std::uint64_t serial_;
  // Guarded by the network's mutex (the keys are fixed at construction).
  std::map<NodeId, Counters> counters_;
  TransportHandlers handlers_;
  bool started_ = false;
  bool running_ = false;
};

MemoryNetwork::Endpoint* MemoryNetwork::Impl::find(const NodeId& id, std::uint64_t serial) const {
  auto it = endpoints.find(id);
  return it != endpoints.end() && it->second->serial_ == serial ? it->second : nullptr;
}

bool MemoryNetwork::Impl::reachable(const Endpoint& from, const NodeId& to) const {
  if (!from.running_ || !link_up(from.self_, to)) return false;
  auto it = endpoints.find(to);
  if (it == endpoints.end()) return false;
  const Endpoint& other = *it->second;
  return other.running_ && other.counters_.contains(from.self_) && from.counters_.contains(to);
}

void MemoryNetwork::Impl::refresh() {
  for (auto& [id, endpoint] : endpoints) {
    for (auto& [peer, counters] : endpoint->counters_) {
      const bool now = reachable(*endpoint, peer);
      if (now != counters.stats.connected) {
        counters.stats.connected = now;
        if (now) {
          ++counters.stats.connects;
          counters.stats.reconnects = counters.stats.connects - 1;
        } else {
          ++counters.stats.disconnects;
        }
        if (endpoint->running_) {
          queue.push_back(Event{peer, id, 0, endpoint->serial_, false, 0, nullptr, now});
        }
      }
      if (now && !counters.held.empty()) {
        const std::uint64_t to_serial = endpoints.at(peer)->serial_;
        for (Held& held : counters.held) {
          queue.push_back(
              Event{id, peer, endpoint->serial_, to_serial, true, held.type, std::move(held.payload), false});
        }
        counters.held.clear();
      }
    }
  }
  if (!queue.empty()) work_cv.notify_one();
}

void MemoryNetwork::Impl::deliver_one(std::unique_lock<std::mutex>& lock) {
  Event event = std::move(queue.front());
  queue.pop_front();
  Endpoint* to = find(event.to, event.to_serial);
  if (event.is_message) {
    const std::size_t size = kFrameHeaderSize + event.payload->size();
    Endpoint* from = find(event.from, event.from_serial);
    PeerStats* sender = from != nullptr ? &from->counters_[event.to].stats : nullptr;
    if (sender != nullptr) {
      sender->queued_bytes -= size;
      --sender->queued_frames;
    }
    const bool deliverable =
        to != nullptr && to->running_ && to->counters_.contains(event.from) && link_up(event.from, event.to);
    if (!deliverable) {
      if (sender != nullptr) ++sender->frames_dropped;
      return;
    }
    if (sender != nullptr) {
      ++sender->frames_sent;
      sender->bytes_sent += size;
    }
    PeerStats& receiver = to->counters_[event.from].stats;
    ++receiver.frames_received;
    receiver.bytes_received += size;
  } else if (to == nullptr || !to->running_ || !to->handlers_.on_peer) {
    return;
  }

  delivering = to;
  lock.unlock();
  try {
    if (event.is_message) {
      to->handlers_.on_message(event.from, event.type, *event.payload);
    } else {
      to->handlers_.on_peer(event.from, event.connected);
    }
  } catch (const std::exception& e) {
    detail::network_logger("trestle.network")->error("memory transport: a handler threw: {}", e.what());
  } catch (...) {
    detail::network_logger("trestle.network")->error("memory transport: a handler threw a non-standard exception");
  }
  lock.lock();
  delivering = nullptr;
  idle_cv.notify_all();
}

void MemoryNetwork::Impl::run_thread() {
  std::unique_lock lock(mutex);
  while (true) {
    work_cv.wait(lock, [this] { return shutting_down || !queue.empty(); });
    if (shutting_down) return;
    deliver_one(lock);
  }
}

MemoryNetwork::MemoryNetwork(MemoryNetworkOptions options) : impl_(std::make_unique<Impl>(options)) {
  if (options.deliver_on_thread) impl_->thread = std::thread([this] { impl_->run_thread(); });
}

MemoryNetwork::~MemoryNetwork() {
  {
    std::lock_guard lock(impl_->mutex);
    assert(impl_->endpoints.empty() && "destroy the transports before their network");
    impl_->shutting_down = true;
  }
  impl_->work_cv.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::unique_ptr<Transport> MemoryNetwork::create_transport(const NodeId& self, const std::vector<NodeId>& peers) {
  auto endpoint = std::make_unique<Endpoint>(*impl_, self, peers);
  std::lock_guard lock(impl_->mutex);
  assert(!impl_->endpoints.contains(self) && "a live transport of this network already is this node");
  impl_->endpoints[self] = endpoint.get();
  return endpoint;
}

void MemoryNetwork::set_link(const NodeId& a, const NodeId& b, bool up) {
  std::lock_guard lock(impl_->mutex);
  if (up) {
    impl_->cut.erase(std::minmax(a, b));
  } else {
    impl_->cut.insert(std::minmax(a, b));
  }
  impl_->refresh();
}

std::size_t MemoryNetwork::deliver(std::size_t count_max) {
  assert(!impl_->options.deliver_on_thread && "deliver() is for networks without a delivery thread");
  std::lock_guard deliver_lock(impl_->deliver_mutex);
  std::unique_lock lock(impl_->mutex);
  std::size_t count = 0;
  while (count < count_max && !impl_->queue.empty()) {
    impl_->deliver_one(lock);
    ++count;
  }
  return count;
}

std::size_t MemoryNetwork::pending() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->queue.size();
}

}  // namespace trestle::network
