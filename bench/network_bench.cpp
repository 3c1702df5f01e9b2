#include "network_bench.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "trestle/crypto/suite.hpp"
#include "trestle/network/tcp_transport.hpp"

namespace trestle::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kFrameHeaderSize = 6;  // u32 length, u8 type, u8 version (docs/network.md)
constexpr std::uint8_t kBenchType = 16;
constexpr std::uint8_t kEndType = 255;  // the plain stream's end marker
constexpr std::size_t kWarmupMessages = 200;
constexpr auto kDrainTimeout = std::chrono::seconds(120);

struct Rate {
  double messages_per_second = 0;
  double megabytes_per_second = 0;
};

Rate rate_of(std::uint64_t messages, std::size_t size, Clock::time_point begin, Clock::time_point end) {
  const double seconds = std::chrono::duration<double>(end - begin).count();
  if (messages == 0 || seconds <= 0) throw std::runtime_error("network bench: nothing was measured");
  return Rate{static_cast<double>(messages) / seconds, static_cast<double>(messages * size) / seconds / 1e6};
}

// Message payloads carry their sequence number in their first 8 bytes (big-endian), so that the
// receiver checks that each arrives once, in order, whole.
void put_seq(std::uint8_t* at, std::uint64_t seq) {
  for (int i = 7; i >= 0; --i) {
    at[i] = static_cast<std::uint8_t>(seq);
    seq >>= 8;
  }
}

std::uint64_t get_seq(const std::uint8_t* at) {
  std::uint64_t seq = 0;
  for (int i = 0; i < 8; ++i) seq = (seq << 8) | at[i];
  return seq;
}

// What a receiver saw; written by its thread, read by the measuring thread.
struct Tally {
  std::atomic<std::uint64_t> received{0};
  std::atomic<bool> broken{false};
  std::atomic<Clock::rep> last_ticks{0};

  void on_message(std::uint64_t seq, std::size_t size, std::size_t expected_size) {
    if (seq != received.load(std::memory_order_relaxed) || size != expected_size) broken = true;
    last_ticks.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    received.fetch_add(1, std::memory_order_release);
  }
  Clock::time_point last() const { return Clock::time_point(Clock::duration(last_ticks.load())); }
  void wait_for(std::uint64_t count, const char* what) const {
    const auto deadline = Clock::now() + kDrainTimeout;
    while (received.load(std::memory_order_acquire) < count) {
      if (broken) break;
      if (Clock::now() > deadline)
        throw std::runtime_error(std::string("network bench: ") + what + ": messages missing");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    if (broken)
      throw std::runtime_error(std::string("network bench: ") + what + ": a message arrived out of order or cut");
  }
};

template <typename T>
T take(Result<T> result, const char* what) {
  if (!result.ok()) throw std::runtime_error(std::string("network bench: ") + what + ": " + result.error().message());
  return std::move(result).value();
}

// Trestle: node a sends to node b over an authenticated TcpTransport link.
Rate measure_trestle(std::size_t size, double seconds) {
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::ecdsa();
  crypto::PrivateKey key_a = take(suite.generate_key(), "key");
  crypto::PrivateKey key_b = take(suite.generate_key(), "key");
  const std::vector<network::TcpPeer> peers = {{key_a.public_key(), std::nullopt}, {key_b.public_key(), std::nullopt}};

  // Warnings and errors only, on stderr.
  const std::string logger_name = "trestle-bench.network";
  auto logger = std::make_shared<spdlog::logger>(logger_name, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  spdlog::drop(logger_name);
  spdlog::register_logger(logger);

  network::TcpTransportOptions options;
  options.listen_host = "127.0.0.1";
  options.logger_name = logger_name;
  options.frame_bytes_max = 1u << 20;
  options.send_queue_bytes_max = 8u << 20;
  auto a = take(network::TcpTransport::create(suite, std::move(key_a), peers, options), "create");
  auto b = take(network::TcpTransport::create(suite, std::move(key_b), peers, options), "create");

  Tally tally;
  network::TransportHandlers receive;
  receive.on_message = [&](const network::NodeId&, network::MessageType, ByteView payload) {
    tally.on_message(payload.size() >= 8 ? get_seq(payload.data()) : ~0ull, payload.size(), size);
  };
  network::TransportHandlers ignore;
  ignore.on_message = [](const network::NodeId&, network::MessageType, ByteView) {};
  if (!b->start(receive).ok() || !a->start(ignore).ok()) throw std::runtime_error("network bench: cannot start");
  if (!a->set_peer_address(b->self(), network::PeerAddress{"127.0.0.1", b->listen_port()}).ok()) {
    throw std::runtime_error("network bench: cannot set the address");
  }
  const auto connect_deadline = Clock::now() + std::chrono::seconds(30);
  while (!a->is_connected(b->self())) {
    if (Clock::now() > connect_deadline) throw std::runtime_error("network bench: the transports did not connect");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  Bytes payload(size, 0x5a);
  std::uint64_t sent = 0;
  auto send_one = [&] {
    put_seq(payload.data(), sent);
    while (true) {
      const Status status = a->send(b->self(), kBenchType, payload);
      if (status.ok()) break;
      if (status.error().code() != ErrorCode::kLimitExceeded) {
        throw std::runtime_error("network bench: send failed: " + status.error().message());
      }
      // The queue is full (back-pressure): wait a little rather than spin, as the I/O threads need
      // the cores.
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    ++sent;
  };
  for (std::size_t i = 0; i < kWarmupMessages; ++i) send_one();
  tally.wait_for(sent, "trestle warm-up");

  const std::uint64_t first = sent;
  const Clock::time_point begin = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - begin).count() < seconds) {
    for (int i = 0; i < 16; ++i) send_one();
  }
  tally.wait_for(sent, "trestle");
  const Rate rate = rate_of(sent - first, size, begin, tally.last());
  a->stop();
  b->stop();
  spdlog::drop(logger_name);
  return rate;
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};

void tls13_only(asio::ssl::context& context) {
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(context.native_handle(), TLS1_3_VERSION);
  context.set_verify_mode(asio::ssl::verify_none);
}

// The same kind of certificate the transport makes: Ed25519, self-signed, never verified.
void install_certificate(asio::ssl::context& context) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!key || !cert) throw std::runtime_error("network bench: OpenSSL cannot make a certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("bench"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), nullptr) <= 0 ||
      SSL_CTX_use_certificate(context.native_handle(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(context.native_handle(), key.get()) != 1) {
    throw std::runtime_error("network bench: OpenSSL cannot install the certificate");
  }
}

// Counts length-prefixed frames in a byte stream without copying payloads.
class FrameCounter {
 public:
  FrameCounter(Tally& tally, std::size_t expected_size) : tally_(tally), expected_size_(expected_size) {}

  // False once the end marker arrived.
  bool feed(const std::uint8_t* data, std::size_t size) {
    const std::uint8_t* end = data + size;
    while (data < end) {
      if (header_have_ < kFrameHeaderSize) {
        while (header_have_ < kFrameHeaderSize && data < end) header_[header_have_++] = *data++;
        if (header_have_ < kFrameHeaderSize) break;
        if (header_[4] == kEndType) return false;
        left_ = (std::size_t{header_[0]} << 24) | (std::size_t{header_[1]} << 16) | (std::size_t{header_[2]} << 8) |
                std::size_t{header_[3]};
        length_ = left_;
        seq_have_ = 0;
        seq_ = 0;
        if (left_ == 0) finish();
        continue;
      }
      const std::size_t n = std::min<std::size_t>(left_, static_cast<std::size_t>(end - data));
      for (std::size_t i = 0; i < n && seq_have_ < 8; ++i, ++seq_have_) seq_ = (seq_ << 8) | data[i];
      data += n;
      left_ -= n;
      if (left_ == 0) finish();
    }
    return true;
  }

 private:
  void finish() {
    tally_.on_message(seq_have_ == 8 ? seq_ : ~0ull, length_, expected_size_);
    header_have_ = 0;
  }

  Tally& tally_;
  const std::size_t expected_size_;
  std::uint8_t header_[kFrameHeaderSize] = {};
  std::size_t header_have_ = 0;
  std::size_t left_ = 0;
  std::size_t length_ = 0;
  std::size_t seq_have_ = 0;
  std::uint64_t seq_ = 0;
};

// The peer: one TLS 1.3 stream (asio::ssl, blocking) carrying the same frames, the receiver
// parsing them. No authentication, queues or heartbeats. Each write carries one message, or with
// `batched` as many whole messages as fit in 64 KiB (what the transport does for small ones).
Rate measure_plain_tls(std::size_t size, double seconds, bool batched) {
  asio::io_context io;
  asio::ssl::context server_context(asio::ssl::context::tls_server);
  asio::ssl::context client_context(asio::ssl::context::tls_client);
  tls13_only(server_context);
  tls13_only(client_context);
  install_certificate(server_context);
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  asio::ssl::stream<asio::ip::tcp::socket> server(io, server_context);
  asio::ssl::stream<asio::ip::tcp::socket> client(io, client_context);

  Tally tally;
  std::exception_ptr reader_error;
  std::thread reader([&] {
    try {
      acceptor.accept(server.lowest_layer());
      server.lowest_layer().set_option(asio::ip::tcp::no_delay(true));
      server.handshake(asio::ssl::stream_base::server);
      FrameCounter counter(tally, size);
      Bytes buffer(64u << 10);
      while (counter.feed(buffer.data(), server.read_some(asio::buffer(buffer)))) {
      }
    } catch (...) {
      reader_error = std::current_exception();
      tally.broken = true;
    }
  });

  std::uint64_t sent = 0;
  try {
    client.lowest_layer().connect(acceptor.local_endpoint());
    client.lowest_layer().set_option(asio::ip::tcp::no_delay(true));
    client.handshake(asio::ssl::stream_base::client);
    Bytes frame(kFrameHeaderSize + size, 0x5a);
    frame[0] = static_cast<std::uint8_t>(size >> 24);
    frame[1] = static_cast<std::uint8_t>(size >> 16);
    frame[2] = static_cast<std::uint8_t>(size >> 8);
    frame[3] = static_cast<std::uint8_t>(size);
    frame[4] = kBenchType;
    frame[5] = 1;
    const std::size_t per_write = batched ? std::max<std::size_t>(1, (64u << 10) / frame.size()) : 1;
    Bytes batch(per_write * frame.size());
    std::size_t in_batch = 0;
    auto send_one = [&] {
      put_seq(frame.data() + kFrameHeaderSize, sent++);
      std::copy(frame.begin(), frame.end(), batch.begin() + static_cast<std::ptrdiff_t>(in_batch * frame.size()));
      if (++in_batch == per_write) {
        asio::write(client, asio::buffer(batch));
        in_batch = 0;
      }
    };
    // Whole batches only, so that every message sent is also written.
    while (sent < kWarmupMessages || in_batch != 0) send_one();
    tally.wait_for(sent, "plain TLS warm-up");
    const std::uint64_t first = sent;
    const Clock::time_point begin = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - begin).count() < seconds || in_batch != 0) send_one();
    tally.wait_for(sent, "plain TLS");
    const Rate rate = rate_of(sent - first, size, begin, tally.last());
    const std::uint8_t end_marker[kFrameHeaderSize] = {0, 0, 0, 0, kEndType, 1};
    asio::write(client, asio::buffer(end_marker));
    reader.join();
    if (reader_error) std::rethrow_exception(reader_error);
    return rate;
  } catch (...) {
    std::error_code ignored;
    client.lowest_layer().close(ignored);
    server.lowest_layer().close(ignored);
    acceptor.close(ignored);
    if (reader.joinable()) reader.join();
    throw;
  }
}

}  // namespace

std::vector<Row> run_network_bench(const NetworkBenchOptions& options) {
  struct Size {
    std::size_t bytes;
    const char* name;
  };
  const Size sizes[] = {{256, "network 256B messages"}, {64u << 10, "network 64KiB messages"}};
  const std::string peer = "plain TLS 1.3";
  const std::string batched_peer = "plain TLS 1.3, 64KiB writes";
  std::vector<Row> rows;
  int step = 0;
  auto progress = [&](const char* what, const std::string& who) {
    if (options.progress) std::fprintf(stderr, "[%d/5] %s: %s\n", ++step, what, who.c_str());
  };
  for (const Size& size : sizes) {
    progress(size.name, "trestle");
    const Rate ours = measure_trestle(size.bytes, options.seconds_per_cell);
    progress(size.name, peer);
    const Rate theirs = measure_plain_tls(size.bytes, options.seconds_per_cell, false);
    std::optional<Rate> batched;
    if (size.bytes < (32u << 10)) {  // a 64 KiB message is one write either way
      progress(size.name, batched_peer);
      batched = measure_plain_tls(size.bytes, options.seconds_per_cell, true);
    }
    rows.push_back({size.name, "msgs/s", ours.messages_per_second, peer, theirs.messages_per_second});
    if (batched)
      rows.push_back({size.name, "msgs/s", ours.messages_per_second, batched_peer, batched->messages_per_second});
    rows.push_back({size.name, "MB/s", ours.megabytes_per_second, peer, theirs.megabytes_per_second});
    if (batched)
      rows.push_back({size.name, "MB/s", ours.megabytes_per_second, batched_peer, batched->megabytes_per_second});
  }
  return rows;
}

std::string network_peers_description() {
  return std::string("loopback, two endpoints in one process; peers: one TLS 1.3 stream over asio::ssl with ") +
         OpenSSL_version(OPENSSL_VERSION) + ", one write per message or whole messages in 64 KiB writes";
}

}  // namespace trestle::bench
