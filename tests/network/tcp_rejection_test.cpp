// TcpTransport against misbehaving peers. A hand-written raw peer (raw_peer.cpp) speaks the wire
// protocol from docs/network.md and breaks it in one way per test: each breach must close that
// connection only, log the reason, and leave the honest peer's link working.

#include <catch2/catch.hpp>

#include <random>

#include "raw_peer.hpp"
#include "test_util.hpp"
#include "trestle/core/hex.hpp"

using namespace trestle;
using namespace trestle::network;
using namespace trestle::network::test;
using crypto::CryptoSuite;

namespace {

constexpr MessageType kType = kFirstApplicationMessageType;
constexpr auto kCloseWait = std::chrono::milliseconds(15'000);

// Node `a` under test, an honest peer `b` that dials it, and a key `raw` that a's node list admits
// (for raw peers that follow the protocol up to the point they break it).
struct Victim {
  explicit Victim(const CryptoSuite& suite_in, TcpTransportOptions options = test_options()) : suite(suite_in) {
    a.key = new_key(suite);
    b.key = new_key(suite);
    raw_key = new_key(suite);
    start_node(suite, a, {a.key, b.key, raw_key}, options);
    start_node(suite, b, {a.key, b.key}, test_options());
    REQUIRE(b.transport->set_peer_address(a.id, loopback(a.transport->listen_port())).ok());
    REQUIRE(eventually([&] { return a.transport->is_connected(b.id) && b.transport->is_connected(a.id); }));
  }

  NodeId raw_id() const { return node_id_of(suite, raw_key->public_key()); }
  std::uint16_t port() const { return a.transport->listen_port(); }

  // The honest link still carries messages both ways.
  void check_honest_link() {
    const std::size_t a_before = a.inbox->count();
    const std::size_t b_before = b.inbox->count();
    REQUIRE(b.transport->send(a.id, kType, make_payload(2, 1, 0, 40)).ok());
    REQUIRE(a.transport->send(b.id, kType, make_payload(1, 2, 0, 40)).ok());
    CHECK(a.inbox->wait_for_count(a_before + 1));
    CHECK(b.inbox->wait_for_count(b_before + 1));
    CHECK(stats_of(*a.transport, b.id).connects == 1);  // never interrupted
  }

  // a's messages never came from the raw peer.
  void check_nothing_from_raw() {
    for (const Received& message : a.inbox->messages()) CHECK(message.from != raw_id());
  }

  const CryptoSuite& suite;
  TcpNode a;
  TcpNode b;
  std::shared_ptr<crypto::PrivateKey> raw_key;
};

// Connects, does TLS and reads a's auth frame.
void handshake_tls(RawPeer& raw, std::uint16_t port) {
  REQUIRE(raw.connect(port));
  REQUIRE(raw.tls_handshake());
  auto auth = raw.read_frame(kCloseWait);
  REQUIRE(auth.has_value());
  REQUIRE(auth->type == 1);
}

}  // namespace

TEST_CASE("network tcp: the hand-written peer that follows docs/network.md is accepted", "[network][tcp][reject]") {
  // Without this, every rejection below could pass for the wrong reason.
  for (const CryptoSuite* suite : {&CryptoSuite::sm(), &CryptoSuite::ecdsa()}) {
    INFO("suite " << suite->name());
    Victim v(*suite);
    RawPeer raw;
    REQUIRE(raw.connect(v.port()));
    REQUIRE(raw.tls_handshake());

    // a's auth frame, checked independently: a's key, signed as the acceptor over this session.
    auto auth = raw.read_frame(kCloseWait);
    REQUIRE(auth.has_value());
    CHECK(auth->type == 1);
    CHECK(auth->version == 1);
    REQUIRE(auth->payload.size() == 1 + 64 + 16 + suite->signature_size());
    CHECK(auth->payload[0] == (suite->id() == crypto::SuiteId::kSm ? 1 : 2));
    CHECK(std::equal(auth->payload.begin() + 1, auth->payload.begin() + 65, v.a.key->public_key().xy().begin()));
    Bytes message(std::string_view("trestle-peer-auth-v1").begin(), std::string_view("trestle-peer-auth-v1").end());
    message.push_back(1);  // acceptor
    const Bytes binding = raw.binding();
    REQUIRE(binding.size() == 32);
    append(message, binding);
    const std::string network_id = test_options().network_id;
    message.push_back(static_cast<std::uint8_t>(network_id.size()));
    append(message, as_bytes(network_id));
    append(message, ByteView(auth->payload).subspan(1, 64 + 16));
    CHECK(suite->verify(v.a.key->public_key(), message, ByteView(auth->payload).subspan(81)));

    REQUIRE(raw.send_auth(*suite, *v.raw_key));
    REQUIRE(raw.send_frame(kType, make_payload(7, 1, 0, 100)));
    REQUIRE(v.a.inbox->wait_for_count(1));
    CHECK(v.a.inbox->messages()[0].from == v.raw_id());
    REQUIRE(v.a.transport->send(v.raw_id(), kType, make_payload(1, 7, 0, 5000)).ok());
    std::optional<RawFrame> frame;
    do {
      frame = raw.read_frame(kCloseWait);
    } while (frame && frame->type == 2);  // skip heartbeats
    REQUIRE(frame.has_value());
    CHECK(frame->type == kType);
    CHECK(frame->payload == make_payload(1, 7, 0, 5000));
    v.check_honest_link();
  }
}

namespace {

// The next frame that is not a heartbeat.
std::optional<RawFrame> read_skipping_heartbeats(RawPeer& raw) {
  std::optional<RawFrame> frame;
  do {
    frame = raw.read_frame(kCloseWait);
  } while (frame && frame->type == 2);
  return frame;
}

}  // namespace

TEST_CASE("network tcp: connections end with a goodbye frame and two half-closes", "[network][tcp]") {
  const CryptoSuite& suite = CryptoSuite::ecdsa();
  TcpTransportOptions options = test_options();
  options.handshake_timeout_ms = 1'500;
  Victim v(suite, options);
  RawPeer raw;
  handshake_tls(raw, v.port());
  REQUIRE(raw.send_auth(suite, *v.raw_key));
  REQUIRE(eventually([&] { return v.a.transport->is_connected(v.raw_id()); }));

  SECTION("a stopping transport sends what is queued, then goodbye 'stopping', then FIN") {
    for (std::uint32_t seq = 0; seq < 3; ++seq) {
      REQUIRE(v.a.transport->send(v.raw_id(), kType, make_payload(1, 7, seq, 3000)).ok());
    }
    std::thread stopper([&] { v.a.transport->stop(); });
    for (std::uint32_t seq = 0; seq < 3; ++seq) {
      auto frame = read_skipping_heartbeats(raw);
      REQUIRE(frame.has_value());
      CHECK(frame->payload == make_payload(1, 7, seq, 3000));
    }
    auto goodbye = read_skipping_heartbeats(raw);
    REQUIRE(goodbye.has_value());
    CHECK(goodbye->type == 3);
    CHECK(goodbye->payload == Bytes{1});
    CHECK_FALSE(raw.read_frame(kCloseWait).has_value());  // then the FIN
    raw.half_close();                                     // a waits for ours before it closes
    stopper.join();
    CHECK(v.a.log->contains_line_with({"peer " + to_hex(v.raw_id().view().first(4)), "closed: closed by both sides"}));
  }
  SECTION("after the peer's goodbye 'retired', a keeps sending until its own rule agrees") {
    REQUIRE(raw.send_frame(3, Bytes{0}));
    raw.half_close();
    // a has no other connection with this peer: it goes on using this one...
    REQUIRE(v.a.transport->send(v.raw_id(), kType, make_payload(1, 7, 0, 100)).ok());
    auto frame = read_skipping_heartbeats(raw);
    REQUIRE(frame.has_value());
    CHECK(frame->payload == make_payload(1, 7, 0, 100));
    // ...until no other connection came up within handshake_timeout_ms.
    CHECK(raw.wait_closed(kCloseWait));
    CHECK(v.a.log->wait_for("the peer retired this connection and no other came up within 1500 ms"));
    v.check_honest_link();
  }
  SECTION("a malformed goodbye is a protocol error") {
    raw.send_frame(3, Bytes{7});
    CHECK(raw.wait_closed(kCloseWait));
    CHECK(v.a.log->wait_for("goodbye frame with unknown reason 7"));
    v.check_honest_link();
  }
}

TEST_CASE("network tcp: a key outside the node list is refused", "[network][tcp][reject]") {
  const CryptoSuite& suite = CryptoSuite::sm();
  Victim v(suite);

  SECTION("a raw peer") {
    RawPeer raw;
    handshake_tls(raw, v.port());
    const auto stranger = new_key(suite);
    REQUIRE(raw.send_auth(suite, *stranger));
    raw.send_frame(kType, make_payload(9, 1, 0, 100));  // must never be delivered; a may close first
    CHECK(raw.wait_closed(kCloseWait));
    CHECK(v.a.log->wait_for("is not in the node list"));
  }
  SECTION("a real transport that is not in the list dials in") {
    TcpNode stranger;
    stranger.key = new_key(suite);
    start_node(suite, stranger, {v.a.key, stranger.key}, test_options());
    REQUIRE(stranger.transport->set_peer_address(v.a.id, loopback(v.port())).ok());
    CHECK(v.a.log->wait_for("key of node " + to_hex(stranger.id.view().first(4)) + " is not in the node list"));
    CHECK(stranger.log->wait_for("closed"));
    CHECK_FALSE(stranger.transport->is_connected(v.a.id));
    CHECK(stranger.transport->send(v.a.id, kType, Bytes(5)).ok());  // queued, never delivered
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  v.check_nothing_from_raw();
  CHECK(v.a.inbox->count() == 0);
  v.check_honest_link();
}

TEST_CASE("network tcp: a signature that does not cover this session's binding is refused", "[network][tcp][reject]") {
  const CryptoSuite& suite = CryptoSuite::ecdsa();
  Victim v(suite);
  RawAuth auth;
  std::string expected = "does not verify";
  SECTION("a wrong binding (test hook: one bit flipped before signing)") { auth.corrupt_binding = true; }
  SECTION("signed in the acceptor's role (a reflected signature)") { auth.role = 1; }
  SECTION("signed for another network id") { auth.network_id = "another-chain"; }
  SECTION("another suite's code") {
    auth.suite_code = 1;
    expected = "another crypto suite";
  }

  RawPeer raw;
  handshake_tls(raw, v.port());
  REQUIRE(raw.send_auth(suite, *v.raw_key, auth));
  raw.send_frame(kType, make_payload(9, 1, 0, 100));  // must never be delivered; a may close first
  CHECK(raw.wait_closed(kCloseWait));
  CHECK(v.a.log->wait_for(expected));
  v.check_nothing_from_raw();
  v.check_honest_link();
}

TEST_CASE("network tcp: a signature relayed from another TLS session is refused", "[network][tcp][reject]") {
  // A relay in the middle holds two TLS sessions; the key holder's signature over one session's
  // binding must not open the other.
  const CryptoSuite& suite = CryptoSuite::sm();
  Victim v(suite);
  RawPeer relay;
  RawPeer honest;
  handshake_tls(relay, v.port());
  handshake_tls(honest, v.port());
  REQUIRE(relay.send_frame(1, raw_auth_payload(suite, *v.raw_key, honest.binding(), RawAuth{})));
  CHECK(relay.wait_closed(kCloseWait));
  CHECK(v.a.log->wait_for("does not verify"));
  v.check_nothing_from_raw();
  v.check_honest_link();
}

TEST_CASE("network tcp: a plain TCP client sending random bytes is dropped", "[network][tcp][reject]") {
  Victim v(CryptoSuite::ecdsa());
  RawPeer raw;
  REQUIRE(raw.connect(v.port()));
  std::mt19937 rng(7);
  Bytes noise(4096);
  for (auto& byte : noise) byte = static_cast<std::uint8_t>(rng());
  raw.send_plain(noise);  // may fail half-way once a closes
  CHECK(raw.wait_closed_plain(kCloseWait));
  CHECK(v.a.log->wait_for("TLS handshake failed"));
  v.check_honest_link();
}

TEST_CASE("network tcp: malformed and oversize frames close that peer only", "[network][tcp][reject]") {
  const CryptoSuite& suite = CryptoSuite::ecdsa();
  TcpTransportOptions options = test_options();
  options.frame_bytes_max = 64 << 10;
  options.send_queue_bytes_max = 1 << 20;
  Victim v(suite, options);
  RawPeer raw;
  handshake_tls(raw, v.port());
  std::string expected;

  SECTION("a frame before the auth message") {
    raw.send_frame(kType, Bytes(10));  // a may close before all of it is written
    expected = "expected the peer's auth message";
  }
  SECTION("an oversize auth message") {
    raw.send_frame(1, Bytes(5000));  // a may close before all of it is written
    expected = "expected the peer's auth message";
  }
  SECTION("a truncated auth message") {
    raw.send_frame(1, Bytes(40));  // a may close before all of it is written
    expected = "malformed auth message";
  }
  SECTION("a length over frame_bytes_max after authentication") {
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    // Only the header: a must refuse on the length alone, without waiting for (or buffering) 4 GiB.
    const Bytes header = {0xff, 0xff, 0xff, 0xf0, kType, 1};
    raw.send_tls(header);
    expected = "exceeds the limit of 65536";
  }
  SECTION("one byte over frame_bytes_max") {
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    raw.send_frame(kType, Bytes((64 << 10) + 1));  // a may close before all of it is written
    expected = "exceeds the limit";
  }
  SECTION("another protocol version") {
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    raw.send_frame(kType, Bytes(10), 2);  // a may close before all of it is written
    expected = "protocol version 2";
  }
  SECTION("a reserved frame type") {
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    raw.send_frame(5, Bytes(10));  // a may close before all of it is written
    expected = "unexpected transport frame type 5";
  }
  SECTION("a second auth message") {
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    raw.send_auth(suite, *v.raw_key);
    expected = "unexpected transport frame type 1";
  }
  SECTION("a heartbeat with a payload") {
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    raw.send_frame(2, Bytes(3));  // a may close before all of it is written
    expected = "heartbeat frame with a payload";
  }

  CHECK(raw.wait_closed(kCloseWait));
  CHECK(v.a.log->wait_for(expected));
  v.check_nothing_from_raw();
  v.check_honest_link();
}

TEST_CASE("network tcp: half-open and silent connections are dropped on their deadlines", "[network][tcp][reject]") {
  const CryptoSuite& suite = CryptoSuite::sm();
  TcpTransportOptions options = test_options();
  options.handshake_timeout_ms = 1'000;
  options.heartbeat_interval_ms = 200;
  options.heartbeat_timeout_ms = 1'500;
  options.pending_connections_max = 3;
  Victim v(suite, options);

  SECTION("TCP connected, no TLS") {
    RawPeer raw;
    REQUIRE(raw.connect(v.port()));
    const auto begin = Clock::now();
    CHECK(raw.wait_closed_plain(kCloseWait));
    CHECK(Clock::now() - begin >= std::chrono::milliseconds(800));
    CHECK(v.a.log->wait_for("handshake not finished within 1000 ms"));
  }
  SECTION("TLS done, no auth message") {
    RawPeer raw;
    handshake_tls(raw, v.port());
    CHECK(raw.wait_closed(kCloseWait));
    CHECK(v.a.log->wait_for("handshake not finished within 1000 ms"));
  }
  SECTION("authenticated, then silent") {
    RawPeer raw;
    handshake_tls(raw, v.port());
    REQUIRE(raw.send_auth(suite, *v.raw_key));
    REQUIRE(eventually([&] { return v.a.transport->is_connected(v.raw_id()); }));
    CHECK(raw.wait_closed(kCloseWait));
    CHECK(v.a.log->wait_for("heartbeat timeout"));
    CHECK(eventually([&] { return !v.a.transport->is_connected(v.raw_id()); }));
  }
  SECTION("more half-open connections than pending_connections_max") {
    std::vector<std::unique_ptr<RawPeer>> raws;
    for (int i = 0; i < 3; ++i) {
      raws.push_back(std::make_unique<RawPeer>());
      REQUIRE(raws.back()->connect(v.port()));
    }
    // a accepts in connection order: these three hold every pending slot when `extra` arrives.
    RawPeer extra;
    REQUIRE(extra.connect(v.port()));
    CHECK(extra.wait_closed_plain(kCloseWait));
    // Refused on arrival (this message), not closed at the handshake deadline.
    CHECK(v.a.log->wait_for("connections are already in their handshake"));
  }
  v.check_honest_link();
}

TEST_CASE("network tcp: a peer that stops reading costs bounded memory", "[network][tcp][reject]") {
  const CryptoSuite& suite = CryptoSuite::ecdsa();
  TcpTransportOptions options = test_options();
  options.frame_bytes_max = 64 << 10;
  options.send_queue_bytes_max = 1 << 20;
  options.heartbeat_timeout_ms = 60'000;  // the raw peer sends no heartbeats
  std::string expected_close;
  SECTION("drop the newest message; a stalled write closes the connection") {
    options.write_timeout_ms = 3'000;
    expected_close = "made no progress for 3000 ms";
  }
  SECTION("disconnect on overflow") {
    options.overflow_policy = OverflowPolicy::kDisconnect;
    expected_close = "send queue overflow";
  }
  Victim v(suite, options);
  RawPeer raw;
  handshake_tls(raw, v.port());
  REQUIRE(raw.send_auth(suite, *v.raw_key));
  REQUIRE(eventually([&] { return v.a.transport->is_connected(v.raw_id()); }));

  // The raw peer reads nothing from now on. Kernel buffers fill, then a's queue; send until
  // nothing has gone out for a second (or, with kDisconnect, until the first refusal).
  const Bytes payload(60 << 10, 0x5a);
  std::size_t accepted = 0;
  std::size_t refused = 0;
  std::uint64_t frames_sent = 0;
  auto last_progress = Clock::now();
  while (Clock::now() - last_progress < std::chrono::seconds(1) && accepted < 20'000) {
    const Status sent = v.a.transport->send(v.raw_id(), kType, payload);
    if (sent.ok()) {
      ++accepted;
    } else {
      REQUIRE(sent.error().code() == ErrorCode::kLimitExceeded);
      ++refused;
      if (options.overflow_policy == OverflowPolicy::kDisconnect) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const PeerStats stats = stats_of(*v.a.transport, v.raw_id());
    REQUIRE(stats.queued_bytes <= options.send_queue_bytes_max);
    if (stats.frames_sent != frames_sent) {
      frames_sent = stats.frames_sent;
      last_progress = Clock::now();
    }
  }
  INFO("accepted " << accepted << " messages of 60 KiB, refused " << refused << ", " << frames_sent << " went out");
  CHECK(refused > 0);
  CHECK(accepted < 20'000);
  CHECK(stats_of(*v.a.transport, v.raw_id()).frames_dropped >= 1);
  v.check_honest_link();  // the honest peer is not held up meanwhile

  CHECK(v.a.log->wait_for(expected_close));
  REQUIRE(eventually([&] { return !v.a.transport->is_connected(v.raw_id()); }));
  v.check_honest_link();

  // Stopping with a full queue for an unreachable peer does not hang.
  const auto begin = Clock::now();
  v.a.transport->stop();
  CHECK(Clock::now() - begin < std::chrono::milliseconds(options.shutdown_flush_timeout_ms + 2'000));
}
