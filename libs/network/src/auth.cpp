#include "auth.hpp"

#include <string>

#include "trestle/core/codec.hpp"

namespace trestle::network::detail {
namespace {

std::uint8_t suite_code(const crypto::CryptoSuite& suite) { return suite.id() == crypto::SuiteId::kSm ? 1 : 2; }

constexpr std::size_t kFixedPartSize = 1 + 64 + InstanceId::kSize;

}  // namespace

Bytes auth_signed_message(Role signer_role, const Binding& binding, std::string_view network_id,
                          const crypto::PublicKey& signer, const InstanceId& signer_instance) {
  Writer message(kAuthDomain.size() + 1 + kBindingSize + 1 + network_id.size() + 64 + InstanceId::kSize);
  message.raw(as_bytes(kAuthDomain))
      .u8(static_cast<std::uint8_t>(signer_role))
      .fixed(binding)
      .u8(static_cast<std::uint8_t>(network_id.size()))
      .raw(as_bytes(network_id))
      .raw(signer.xy())
      .fixed(signer_instance);
  return message.take();
}

Result<Bytes> make_auth_payload(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, Role role,
                                const Binding& binding, std::string_view network_id, const InstanceId& instance) {
  const Bytes message = auth_signed_message(role, binding, network_id, key.public_key(), instance);
  TRESTLE_TRY(Bytes signature, suite.sign(key, message));
  Writer payload(kFixedPartSize + signature.size());
  payload.u8(suite_code(suite)).raw(key.public_key().xy()).fixed(instance).raw(signature);
  return payload.take();
}

Result<PeerHello> parse_auth_payload(const crypto::CryptoSuite& suite, ByteView payload) {
  if (payload.size() != kFixedPartSize + suite.signature_size()) {
    return Error(ErrorCode::kInvalidArgument, "auth message of " + std::to_string(payload.size()) +
                                                  " bytes, expected " +
                                                  std::to_string(kFixedPartSize + suite.signature_size()));
  }
  if (payload[0] != suite_code(suite)) {
    return Error(ErrorCode::kInvalidArgument, "peer uses another crypto suite (code " + std::to_string(payload[0]) +
                                                  "), this chain uses '" + std::string(suite.name()) + "'");
  }
  auto key = crypto::PublicKey::parse(suite.key_type(), payload.subspan(1, 64));
  if (!key.ok()) return key.error().with_context("peer public key");
  return PeerHello{key.value(), InstanceId::copy_of(payload.subspan(1 + 64, InstanceId::kSize)),
                   to_bytes(payload.subspan(kFixedPartSize))};
}

bool verify_auth(const crypto::CryptoSuite& suite, const PeerHello& hello, Role peer_role, const Binding& binding,
                 std::string_view network_id) {
  const Bytes message = auth_signed_message(peer_role, binding, network_id, hello.key, hello.instance);
  return suite.verify(hello.key, message, hello.signature);
}

}  // namespace trestle::network::detail
