#pragma once
// The peer authentication message sent as the first frame on each side of a TLS connection
// (docs/network.md, "Handshake"):
//
//   payload  = u8 suite (1 sm, 2 ecdsa) | 64 public key x||y | 16 instance id | signature
//   signed   = "trestle-peer-auth-v1" | u8 signer role (0 dialer, 1 acceptor) | 32 binding
//              | u8 n | n bytes network id | 64 signer x||y | 16 signer instance id
//
// The binding is the TLS exporter value of the connection (label kBindingLabel, no context),
// which is the same on both ends of one TLS session and differs between any two sessions. The
// role keeps a signature from being reflected back to its signer; the instance id (random per
// transport) tells a restarted peer from a stale connection.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::network::detail {

inline constexpr std::string_view kBindingLabel = "EXPORTER-trestle-peer-auth";
inline constexpr std::size_t kBindingSize = 32;
inline constexpr std::string_view kAuthDomain = "trestle-peer-auth-v1";
inline constexpr std::size_t kNetworkIdSizeMax = 64;
// Largest auth payload accepted: suite byte, key, instance and the largest signature (65).
inline constexpr std::size_t kAuthPayloadMax = 1 + 64 + 16 + 65;

using Binding = FixedBytes<kBindingSize>;
using InstanceId = FixedBytes<16>;

enum class Role : std::uint8_t { kDialer = 0, kAcceptor = 1 };

// The bytes a node signs. Precondition: network_id.size() <= kNetworkIdSizeMax.
Bytes auth_signed_message(Role signer_role, const Binding& binding, std::string_view network_id,
                          const crypto::PublicKey& signer, const InstanceId& signer_instance);

// Our auth payload. Errors: those of suite.sign.
Result<Bytes> make_auth_payload(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, Role role,
                                const Binding& binding, std::string_view network_id, const InstanceId& instance);

// A peer's auth payload, parsed but not yet checked against the binding.
struct PeerHello {
  crypto::PublicKey key;
  InstanceId instance;
  Bytes signature;
};

// Errors (kInvalidArgument, with the reason): wrong size, another suite, a key that is not a
// point of the suite's curve.
Result<PeerHello> parse_auth_payload(const crypto::CryptoSuite& suite, ByteView payload);

// Whether the peer (in role `peer_role`) signed this connection's binding.
bool verify_auth(const crypto::CryptoSuite& suite, const PeerHello& hello, Role peer_role, const Binding& binding,
                 std::string_view network_id);

}  // namespace trestle::network::detail
