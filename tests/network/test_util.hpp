#pragma once
// Shared pieces of the network tests: message payloads that can be checked, an inbox that
// collects deliveries, a log capture, and TCP nodes on loopback.

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "trestle/crypto/suite.hpp"
#include "trestle/network/tcp_transport.hpp"
#include "trestle/network/transport.hpp"

namespace trestle::network::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Generous: the tests run on a loaded 2-core machine next to other builds.
inline constexpr auto kWait = 20s;

// Polls `condition` every 5 ms until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A payload that names its sender, its receiver and its sequence number and fills the rest
// with bytes derived from them, so that a corrupted, misrouted or repeated message is caught.
inline Bytes make_payload(std::uint32_t from, std::uint32_t to, std::uint32_t seq, std::size_t size) {
  Bytes out(size);
  const std::uint8_t header[12] = {static_cast<std::uint8_t>(from >> 24), static_cast<std::uint8_t>(from >> 16),
                                   static_cast<std::uint8_t>(from >> 8),  static_cast<std::uint8_t>(from),
                                   static_cast<std::uint8_t>(to >> 24),   static_cast<std::uint8_t>(to >> 16),
                                   static_cast<std::uint8_t>(to >> 8),    static_cast<std::uint8_t>(to),
                                   static_cast<std::uint8_t>(seq >> 24),  static_cast<std::uint8_t>(seq >> 16),
                                   static_cast<std::uint8_t>(seq >> 8),   static_cast<std::uint8_t>(seq)};
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = i < 12 ? header[i] : static_cast<std::uint8_t>((i * 131) ^ (seq * 7) ^ (from * 29) ^ to);
  }
  return out;
}

struct PayloadInfo {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::uint32_t seq = 0;
};

// The fields of a make_payload payload; nullopt when it is not one (too short or corrupted).
inline std::optional<PayloadInfo> parse_payload(ByteView payload) {
  if (payload.size() < 12) return std::nullopt;
  auto u32 = [&](std::size_t at) {
    return (std::uint32_t{payload[at]} << 24) | (std::uint32_t{payload[at + 1]} << 16) |
           (std::uint32_t{payload[at + 2]} << 8) | std::uint32_t{payload[at + 3]};
  };
  PayloadInfo info{u32(0), u32(4), u32(8)};
  if (make_payload(info.from, info.to, info.seq, payload.size()) != Bytes(payload.begin(), payload.end())) {
    return std::nullopt;
  }
  return info;
}

struct Received {
  NodeId from;
  MessageType type = 0;
  Bytes payload;
};

// Collects what a transport delivers. Thread-safe.
class Inbox {
 public:
  TransportHandlers handlers() {
    TransportHandlers h;
    h.on_message = [this](const NodeId& from, MessageType type, ByteView payload) {
      std::lock_guard lock(mutex_);
      messages_.push_back(Received{from, type, Bytes(payload.begin(), payload.end())});
      bytes_ += payload.size();
      cv_.notify_all();
    };
    h.on_peer = [this](const NodeId& peer, bool connected) {
      std::lock_guard lock(mutex_);
      peer_events_.emplace_back(peer, connected);
      cv_.notify_all();
    };
    return h;
  }

  bool wait_for_count(std::size_t count, std::chrono::milliseconds timeout = kWait) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
  }

  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  std::vector<Received> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::pair<NodeId, bool>> peer_events() const {
    std::lock_guard lock(mutex_);
    return peer_events_;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
    peer_events_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> messages_;
  std::vector<std::pair<NodeId, bool>> peer_events_;
  std::size_t bytes_ = 0;
};

// Records the log lines of one transport (through a logger registered under a unique name), so
// that tests can check that a rejection was logged with its reason. Nothing is printed.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  const std::string& logger_name() const { return name_; }
  bool contains(const std::string& text) const;
  // Whether one line contains every one of `parts`.
  bool contains_line_with(const std::vector<std::string>& parts) const;
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = kWait) const {
    return eventually([&] { return contains(text); }, timeout);
  }
  std::string all() const;

 private:
  class Sink;
  std::string name_;
  std::shared_ptr<Sink> sink_;
};

// One TCP node on 127.0.0.1 with an ephemeral port.
struct TcpNode {
  std::shared_ptr<crypto::PrivateKey> key;  // shared so that a node can be recreated with the same key
  NodeId id;
  std::unique_ptr<Inbox> inbox = std::make_unique<Inbox>();
  std::unique_ptr<LogCapture> log = std::make_unique<LogCapture>();
  std::unique_ptr<TcpTransport> transport;  // last: destroyed (stopped) before its inbox
};

// Test defaults: short timers so that failures show up fast, generous enough for a loaded box.
inline TcpTransportOptions test_options() {
  TcpTransportOptions options;
  options.listen_host = "127.0.0.1";
  options.listen_port = 0;
  options.network_id = "trestle-test-chain";
  options.handshake_timeout_ms = 10'000;
  options.heartbeat_interval_ms = 500;
  options.heartbeat_timeout_ms = 15'000;
  options.write_timeout_ms = 15'000;
  options.reconnect_delay_ms = 50;
  options.reconnect_delay_ms_max = 1'000;
  options.shutdown_flush_timeout_ms = 5'000;
  return options;
}

inline std::shared_ptr<crypto::PrivateKey> new_key(const crypto::CryptoSuite& suite) {
  auto key = suite.generate_key();
  REQUIRE(key.ok());
  return std::make_shared<crypto::PrivateKey>(std::move(key).value());
}

inline crypto::PrivateKey copy_key(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key) {
  auto copy = crypto::PrivateKey::from_bytes(suite.key_type(), key.secret());
  REQUIRE(copy.ok());
  return std::move(copy).value();
}

// Creates and starts the node's transport among `all_keys` (no addresses yet), with the options.
inline void start_node(const crypto::CryptoSuite& suite, TcpNode& node,
                       const std::vector<std::shared_ptr<crypto::PrivateKey>>& all_keys, TcpTransportOptions options) {
  std::vector<TcpPeer> peers;
  for (const auto& key : all_keys) peers.push_back(TcpPeer{key->public_key(), std::nullopt});
  options.logger_name = node.log->logger_name();
  auto transport = TcpTransport::create(suite, copy_key(suite, *node.key), std::move(peers), options);
  REQUIRE(transport.ok());
  node.transport = std::move(transport).value();
  node.id = node.transport->self();
  const Status started = node.transport->start(node.inbox->handlers());
  REQUIRE(started.ok());
}

inline PeerAddress loopback(std::uint16_t port) { return PeerAddress{"127.0.0.1", port}; }

// `count` started nodes, each knowing every other's address (so that every pair dials both ways).
inline std::vector<TcpNode> make_mesh(const crypto::CryptoSuite& suite, std::size_t count,
                                      const TcpTransportOptions& options = test_options()) {
  std::vector<TcpNode> nodes(count);
  std::vector<std::shared_ptr<crypto::PrivateKey>> keys;
  for (auto& node : nodes) {
    node.key = new_key(suite);
    keys.push_back(node.key);
  }
  for (auto& node : nodes) start_node(suite, node, keys, options);
  for (auto& node : nodes) {
    for (auto& other : nodes) {
      if (&node == &other) continue;
      REQUIRE(node.transport->set_peer_address(other.id, loopback(other.transport->listen_port())).ok());
    }
  }
  return nodes;
}

inline bool all_connected(const std::vector<TcpNode>& nodes) {
  for (const auto& node : nodes) {
    for (const auto& other : nodes) {
      if (&node != &other && !node.transport->is_connected(other.id)) return false;
    }
  }
  return true;
}

template <typename T>
ErrorCode code_of(const Result<T>& result) {
  REQUIRE_FALSE(result.ok());
  return result.error().code();
}

inline PeerStats stats_of(const Transport& transport, const NodeId& peer) {
  for (const PeerStats& stats : transport.stats()) {
    if (stats.peer == peer) return stats;
  }
  FAIL("no stats for the peer");
  return {};
}

}  // namespace trestle::network::test
