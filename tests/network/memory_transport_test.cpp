// MemoryNetwork: delivery, the Transport contract's errors and limits, links that a test cuts.

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "test_util.hpp"
#include "trestle/network/memory_transport.hpp"

using namespace trestle;
using namespace trestle::network;
using namespace trestle::network::test;

namespace {

NodeId node(std::uint8_t n) {
  NodeId id;
  id[0] = n;
  return id;
}

std::vector<NodeId> nodes(std::size_t count) {
  std::vector<NodeId> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(node(static_cast<std::uint8_t>(i + 1)));
  return ids;
}

constexpr MessageType kType = kFirstApplicationMessageType;

}  // namespace

TEST_CASE("network memory: four nodes exchange messages once each, in order, with the sender's id",
          "[network][memory]") {
  MemoryNetwork net;
  const auto ids = nodes(4);
  std::vector<Inbox> inboxes(4);
  std::vector<std::unique_ptr<Transport>> transports;
  for (std::size_t i = 0; i < 4; ++i) transports.push_back(net.create_transport(ids[i], ids));
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(transports[i]->start(inboxes[i].handlers()).ok());
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(transports[i]->peers().size() == 3);
    for (const NodeId& peer : transports[i]->peers()) CHECK(transports[i]->is_connected(peer));
  }

  constexpr std::uint32_t kPerPair = 200;
  std::atomic<int> send_failures{0};  // Catch2 assertions are for the test's own thread only
  std::vector<std::thread> senders;
  for (std::uint32_t i = 0; i < 4; ++i) {
    senders.emplace_back([&, i] {
      for (std::uint32_t seq = 0; seq < kPerPair; ++seq) {
        for (std::uint32_t j = 0; j < 4; ++j) {
          if (j == i) continue;
          if (!transports[i]->send(ids[j], kType, make_payload(i, j, seq, 12 + seq % 300)).ok()) ++send_failures;
        }
      }
    });
  }
  for (auto& sender : senders) sender.join();
  CHECK(send_failures == 0);
  for (std::uint32_t j = 0; j < 4; ++j) {
    REQUIRE(inboxes[j].wait_for_count(3 * kPerPair));
    std::map<std::uint32_t, std::uint32_t> next_seq;
    for (const Received& message : inboxes[j].messages()) {
      auto info = parse_payload(message.payload);
      REQUIRE(info.has_value());
      CHECK(info->to == j);
      CHECK(message.from == ids[info->from]);      // the transport's sender id matches the payload's
      CHECK(info->seq == next_seq[info->from]++);  // in order, none twice, none missing
    }
  }
  for (std::size_t i = 0; i < 4; ++i) {
    for (const PeerStats& stats : transports[i]->stats()) {
      CHECK(stats.frames_sent == kPerPair);
      CHECK(stats.frames_received == kPerPair);
      CHECK(stats.frames_dropped == 0);
      CHECK(stats.queued_bytes == 0);
      CHECK(stats.connects == 1);
    }
  }
}

TEST_CASE("network memory: send and broadcast refuse what the contract refuses", "[network][memory]") {
  MemoryNetworkOptions options;
  options.deliver_on_thread = false;
  options.frame_bytes_max = 1000;
  options.send_queue_bytes_max = 3 * (1000 + 6);
  MemoryNetwork net(options);
  const auto ids = nodes(3);
  auto a = net.create_transport(ids[0], ids);
  auto b = net.create_transport(ids[1], ids);
  Inbox inbox_a;
  Inbox inbox_b;

  CHECK(code_of(a->send(ids[1], kType, Bytes(10))) == ErrorCode::kIo);  // not started
  CHECK_FALSE(a->start(TransportHandlers{}).ok());                      // no on_message
  REQUIRE(a->start(inbox_a.handlers()).ok());
  CHECK(code_of(a->start(inbox_a.handlers())) == ErrorCode::kInvalidArgument);
  REQUIRE(b->start(inbox_b.handlers()).ok());

  CHECK(code_of(a->send(ids[1], kFirstApplicationMessageType - 1, Bytes(1))) == ErrorCode::kInvalidArgument);
  CHECK(code_of(a->send(ids[0], kType, Bytes(1))) == ErrorCode::kInvalidArgument);
  CHECK(code_of(a->send(node(99), kType, Bytes(1))) == ErrorCode::kNotFound);
  CHECK(code_of(a->send(ids[1], kType, Bytes(1001))) == ErrorCode::kLimitExceeded);
  CHECK(code_of(a->broadcast(kType, Bytes(1001))) == ErrorCode::kLimitExceeded);

  // Nothing is delivered until deliver(): the queue fills up to its bound.
  for (int i = 0; i < 3; ++i) CHECK(a->send(ids[1], kType, Bytes(1000)).ok());
  const Status full = a->send(ids[1], kType, Bytes(1000));
  CHECK(code_of(full) == ErrorCode::kLimitExceeded);
  PeerStats to_b = stats_of(*a, ids[1]);
  CHECK(to_b.queued_frames == 3);
  CHECK(to_b.queued_bytes == 3 * 1006);
  CHECK(to_b.frames_dropped == 1);

  net.deliver();
  CHECK(inbox_b.count() == 3);
  CHECK(stats_of(*a, ids[1]).queued_bytes == 0);
  CHECK(a->send(ids[1], kType, Bytes(1000)).ok());

  // ids[2] never started: a broadcast is held for it (queued) and delivered to b only.
  auto sent = a->broadcast(kType, Bytes(5));
  REQUIRE(sent.ok());
  CHECK(sent.value() == 2);
  net.deliver();
  CHECK(inbox_b.count() == 5);
  CHECK(stats_of(*a, ids[2]).queued_frames == 1);

  // When ids[2] starts, the held message goes out.
  auto c = net.create_transport(ids[2], ids);
  Inbox inbox_c;
  REQUIRE(c->start(inbox_c.handlers()).ok());
  net.deliver();
  REQUIRE(inbox_c.count() == 1);
  CHECK(inbox_c.messages()[0].from == ids[0]);
  CHECK(stats_of(*a, ids[2]).queued_frames == 0);

  a->stop();
  CHECK(code_of(a->send(ids[1], kType, Bytes(1))) == ErrorCode::kIo);
}

TEST_CASE("network memory: a cut link drops messages and reports the peer down, then up again", "[network][memory]") {
  MemoryNetworkOptions options;
  options.deliver_on_thread = false;
  MemoryNetwork net(options);
  const auto ids = nodes(2);
  auto a = net.create_transport(ids[0], ids);
  auto b = net.create_transport(ids[1], ids);
  Inbox inbox_a;
  Inbox inbox_b;
  REQUIRE(a->start(inbox_a.handlers()).ok());
  REQUIRE(b->start(inbox_b.handlers()).ok());
  net.deliver();
  REQUIRE(inbox_a.peer_events() == std::vector<std::pair<NodeId, bool>>{{ids[1], true}});

  REQUIRE(a->send(ids[1], kType, make_payload(0, 1, 0, 20)).ok());
  net.set_link(ids[0], ids[1], false);  // cut while the message is in flight: it is lost
  net.deliver();
  CHECK(inbox_b.count() == 0);
  CHECK(stats_of(*a, ids[1]).frames_dropped == 1);
  CHECK_FALSE(a->is_connected(ids[1]));
  CHECK(inbox_a.peer_events().back() == std::make_pair(ids[1], false));

  // Sent while cut: held, then delivered when the link comes back.
  REQUIRE(a->send(ids[1], kType, make_payload(0, 1, 1, 20)).ok());
  net.deliver();
  CHECK(inbox_b.count() == 0);
  net.set_link(ids[0], ids[1], true);
  net.deliver();
  REQUIRE(inbox_b.count() == 1);
  CHECK(parse_payload(inbox_b.messages()[0].payload)->seq == 1);
  CHECK(stats_of(*a, ids[1]).reconnects == 1);
  CHECK(net.pending() == 0);

  // A stopped node gets nothing, and the other side sees it leave.
  b->stop();
  net.deliver();
  CHECK_FALSE(a->is_connected(ids[1]));
  CHECK(inbox_a.peer_events().back() == std::make_pair(ids[1], false));
}

TEST_CASE("network memory: a handler may send, and stop waits for a running handler", "[network][memory]") {
  MemoryNetwork net;
  const auto ids = nodes(2);
  auto a = net.create_transport(ids[0], ids);
  auto b = net.create_transport(ids[1], ids);
  std::atomic<int> pongs{0};
  std::atomic<int> pings{0};
  std::atomic<int> reply_failures{0};
  std::atomic<bool> in_handler{false};
  TransportHandlers ha;
  ha.on_message = [&](const NodeId&, MessageType, ByteView) { ++pongs; };
  TransportHandlers hb;
  hb.on_message = [&](const NodeId& from, MessageType type, ByteView payload) {
    if (++pings <= 3) {
      if (!b->send(from, type, payload).ok()) ++reply_failures;  // answers from inside the handler
      return;
    }
    in_handler = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    in_handler = false;
  };
  REQUIRE(a->start(ha).ok());
  REQUIRE(b->start(hb).ok());
  for (int i = 0; i < 3; ++i) REQUIRE(a->send(ids[1], kType, Bytes(4)).ok());
  REQUIRE(eventually([&] { return pongs == 3; }));
  CHECK(reply_failures == 0);
  REQUIRE(a->send(ids[1], kType, Bytes(4)).ok());
  REQUIRE(eventually([&] { return in_handler.load(); }));
  b->stop();
  CHECK_FALSE(in_handler.load());
}
