#include "raw_peer.hpp"

#include <openssl/ssl.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <string_view>

namespace trestle::network::test {

struct RawPeer::State {
  asio::io_context io;
  asio::ssl::context context{asio::ssl::context::tls_client};
  asio::ssl::stream<asio::ip::tcp::socket> stream{io, context};

  State() {
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_3_VERSION);
    context.set_verify_mode(asio::ssl::verify_none);
  }

  // Starts an operation with a completion handler and runs the loop until it completes or the
  // timeout passes (then the socket is closed and the operation fails).
  template <typename Start>
  bool run(std::chrono::milliseconds timeout, Start start, std::size_t* transferred = nullptr) {
    bool done = false;
    std::error_code result;
    start([&](const std::error_code& error, std::size_t bytes = 0) {
      done = true;
      result = error;
      if (transferred != nullptr) *transferred = bytes;
    });
    io.restart();
    io.run_for(timeout);
    if (!done) {
      std::error_code ignored;
      stream.lowest_layer().close(ignored);
      io.restart();
      io.run();
      return false;
    }
    return !result;
  }
};

RawPeer::RawPeer() : state_(std::make_unique<State>()) {}
RawPeer::~RawPeer() = default;

bool RawPeer::connect(std::uint16_t port) {
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  return state_->run(std::chrono::seconds(10), [&](auto handler) {
    state_->stream.lowest_layer().async_connect(endpoint, [handler](const std::error_code& error) { handler(error); });
  });
}

bool RawPeer::tls_handshake() {
  return state_->run(std::chrono::seconds(10), [&](auto handler) {
    state_->stream.async_handshake(asio::ssl::stream_base::client,
                                   [handler](const std::error_code& error) { handler(error); });
  });
}

Bytes RawPeer::binding() const {
  static constexpr std::string_view kLabel = "EXPORTER-trestle-peer-auth";
  Bytes out(32);
  if (SSL_export_keying_material(state_->stream.native_handle(), out.data(), out.size(), kLabel.data(), kLabel.size(),
                                 nullptr, 0, 0) != 1) {
    return {};
  }
  return out;
}

bool RawPeer::send_plain(ByteView bytes) {
  return state_->run(std::chrono::seconds(10), [&](auto handler) {
    asio::async_write(state_->stream.next_layer(), asio::buffer(bytes.data(), bytes.size()),
                      [handler](const std::error_code& error, std::size_t n) { handler(error, n); });
  });
}

bool RawPeer::send_tls(ByteView bytes) {
  return state_->run(std::chrono::seconds(10), [&](auto handler) {
    asio::async_write(state_->stream, asio::buffer(bytes.data(), bytes.size()),
                      [handler](const std::error_code& error, std::size_t n) { handler(error, n); });
  });
}

bool RawPeer::send_frame(std::uint8_t type, ByteView payload, std::uint8_t version) {
  Bytes frame = {static_cast<std::uint8_t>(payload.size() >> 24),
                 static_cast<std::uint8_t>(payload.size() >> 16),
                 static_cast<std::uint8_t>(payload.size() >> 8),
                 static_cast<std::uint8_t>(payload.size()),
                 type,
                 version};
  frame.insert(frame.end(), payload.begin(), payload.end());
  return send_tls(frame);
}

bool RawPeer::send_auth(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, const RawAuth& auth) {
  return send_frame(1, raw_auth_payload(suite, key, binding(), auth));
}

void RawPeer::half_close() {
  std::error_code ignored;
  state_->stream.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

std::optional<RawFrame> RawPeer::read_frame(std::chrono::milliseconds timeout) {
  std::uint8_t header[6];
  const bool got_header = state_->run(timeout, [&](auto handler) {
    asio::async_read(state_->stream, asio::buffer(header),
                     [handler](const std::error_code& error, std::size_t n) { handler(error, n); });
  });
  if (!got_header) return std::nullopt;
  RawFrame frame;
  const std::size_t length = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                             (std::size_t{header[2]} << 8) | std::size_t{header[3]};
  frame.type = header[4];
  frame.version = header[5];
  frame.payload.resize(length);
  if (length == 0) return frame;
  const bool got_payload = state_->run(timeout, [&](auto handler) {
    asio::async_read(state_->stream, asio::buffer(frame.payload),
                     [handler](const std::error_code& error, std::size_t n) { handler(error, n); });
  });
  if (!got_payload) return std::nullopt;
  return frame;
}

bool RawPeer::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint8_t buffer[4096];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    bool done = false;
    std::error_code result;
    state_->stream.async_read_some(asio::buffer(buffer), [&](const std::error_code& error, std::size_t) {
      done = true;
      result = error;
    });
    state_->io.restart();
    state_->io.run_for(left);
    if (!done) {
      std::error_code ignored;
      state_->stream.lowest_layer().close(ignored);
      state_->io.restart();
      state_->io.run();
      return false;
    }
    if (result) return true;
  }
}

bool RawPeer::wait_closed_plain(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::uint8_t buffer[4096];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    bool done = false;
    std::error_code result;
    state_->stream.next_layer().async_read_some(asio::buffer(buffer), [&](const std::error_code& error, std::size_t) {
      done = true;
      result = error;
    });
    state_->io.restart();
    state_->io.run_for(left);
    if (!done) {
      std::error_code ignored;
      state_->stream.lowest_layer().close(ignored);
      state_->io.restart();
      state_->io.run();
      return false;
    }
    if (result) return true;
  }
}

Bytes raw_auth_payload(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, ByteView binding,
                       const RawAuth& auth) {
  static constexpr std::string_view kDomain = "trestle-peer-auth-v1";
  Bytes signed_binding(binding.begin(), binding.end());
  if (auth.corrupt_binding && !signed_binding.empty()) signed_binding[0] ^= 0x01;
  std::array<std::uint8_t, 16> instance{};
  for (std::size_t i = 0; i < instance.size(); ++i) instance[i] = static_cast<std::uint8_t>(0xA0 + i);

  Bytes message(kDomain.begin(), kDomain.end());
  message.push_back(auth.role);
  message.insert(message.end(), signed_binding.begin(), signed_binding.end());
  message.push_back(static_cast<std::uint8_t>(auth.network_id.size()));
  message.insert(message.end(), auth.network_id.begin(), auth.network_id.end());
  message.insert(message.end(), key.public_key().xy().begin(), key.public_key().xy().end());
  message.insert(message.end(), instance.begin(), instance.end());
  auto signature = suite.sign(key, message);
  if (!signature.ok()) return {};

  Bytes payload;
  payload.push_back(auth.suite_code.value_or(suite.id() == crypto::SuiteId::kSm ? 1 : 2));
  payload.insert(payload.end(), key.public_key().xy().begin(), key.public_key().xy().end());
  payload.insert(payload.end(), instance.begin(), instance.end());
  payload.insert(payload.end(), signature.value().begin(), signature.value().end());
  return payload;
}

}  // namespace trestle::network::test
