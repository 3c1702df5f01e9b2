#pragma once
// A hand-written peer that speaks the wire protocol of docs/network.md with Asio and OpenSSL
// directly, not through the library, and can break the protocol on purpose: the rejection
// tests use it as the misbehaving side. All calls block, each with a timeout.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "trestle/core/bytes.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::network::test {

struct RawFrame {
  std::uint8_t type = 0;
  std::uint8_t version = 0;
  Bytes payload;
};

// How the raw peer builds its auth message; the defaults are the correct protocol.
struct RawAuth {
  std::uint8_t role = 0;  // 0: we dialed (TLS client)
  std::string network_id = "trestle-test-chain";
  bool corrupt_binding = false;            // sign a binding with one bit flipped
  std::optional<std::uint8_t> suite_code;  // default: the suite's (1 sm, 2 ecdsa)
};

class RawPeer {
 public:
  RawPeer();
  ~RawPeer();
  RawPeer(const RawPeer&) = delete;
  RawPeer& operator=(const RawPeer&) = delete;

  // TCP connection to 127.0.0.1:port.
  bool connect(std::uint16_t port);
  // The TLS 1.3 handshake as the client, no certificate checks.
  bool tls_handshake();
  // The session's exporter value: label "EXPORTER-trestle-peer-auth", no context, 32 bytes.
  Bytes binding() const;

  // Bytes on the TCP socket, bypassing TLS.
  bool send_plain(ByteView bytes);
  // Bytes through TLS.
  bool send_tls(ByteView bytes);
  bool send_frame(std::uint8_t type, ByteView payload, std::uint8_t version = 1);
  // Our auth frame, signed with `key` as `auth` says.
  bool send_auth(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, const RawAuth& auth = {});

  // TCP half-close (FIN) without a TLS close_notify, as the transport does.
  void half_close();

  // One whole frame through TLS; nullopt on close, error or timeout.
  std::optional<RawFrame> read_frame(std::chrono::milliseconds timeout);
  // Reads and discards until the other side closes; true if it closed within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout);
  // The same on the TCP socket, for a peer that never did TLS.
  bool wait_closed_plain(std::chrono::milliseconds timeout);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The payload of an auth frame (docs/network.md), built from scratch.
Bytes raw_auth_payload(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, ByteView binding,
                       const RawAuth& auth);

}  // namespace trestle::network::test
