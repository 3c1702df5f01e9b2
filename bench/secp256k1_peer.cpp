#include "secp256k1_peer.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <array>
#include <stdexcept>
#include <string>

namespace trestle::bench::libsecp256k1 {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("libsecp256k1: ") + what + " failed");
}

}  // namespace

class Context {
 public:
  Context() : context_(secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY)) {
    check(context_ != nullptr, "secp256k1_context_create");
    std::array<unsigned char, 32> seed{};
    for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<unsigned char>(i * 7 + 1);
    // Blinding, as Trestle's own context has; the seed's secrecy does not matter for timing.
    check(secp256k1_context_randomize(context_, seed.data()) == 1, "secp256k1_context_randomize");
  }
  ~Context() { secp256k1_context_destroy(context_); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  secp256k1_context* get() const { return context_; }

 private:
  secp256k1_context* context_;
};

std::shared_ptr<Context> make_context() { return std::make_shared<Context>(); }

Op sign_recoverable(std::shared_ptr<Context> context, const Bytes& secret, const Bytes& digest, Bytes& out) {
  auto signature = std::make_shared<std::array<unsigned char, 65>>();
  Op op = [context, signature, &secret, &digest] {
    secp256k1_ecdsa_recoverable_signature parsed;
    check(
        secp256k1_ecdsa_sign_recoverable(context->get(), &parsed, digest.data(), secret.data(), nullptr, nullptr) == 1,
        "secp256k1_ecdsa_sign_recoverable");
    int v = 0;
    check(secp256k1_ecdsa_recoverable_signature_serialize_compact(context->get(), signature->data(), &v, &parsed) == 1,
          "serialize_compact");
    (*signature)[64] = static_cast<unsigned char>(v);
    return (*signature)[63];
  };
  op();
  out.assign(signature->begin(), signature->end());
  return op;
}

Op verify(std::shared_ptr<Context> context, const Bytes& public_key, const Bytes& digest, const Bytes& rs) {
  return [context, &public_key, &digest, &rs] {
    secp256k1_pubkey key;
    secp256k1_ecdsa_signature signature;
    check(secp256k1_ec_pubkey_parse(context->get(), &key, public_key.data(), public_key.size()) == 1, "pubkey_parse");
    check(secp256k1_ecdsa_signature_parse_compact(context->get(), &signature, rs.data()) == 1, "parse_compact");
    int valid = secp256k1_ecdsa_verify(context->get(), &signature, digest.data(), &key);
    check(valid == 1, "verification of a valid signature");
    return static_cast<std::uint8_t>(valid);
  };
}

Op recover(std::shared_ptr<Context> context, const Bytes& digest, const Bytes& rsv) {
  return [context, &digest, &rsv] {
    secp256k1_ecdsa_recoverable_signature signature;
    check(secp256k1_ecdsa_recoverable_signature_parse_compact(context->get(), &signature, rsv.data(), rsv[64]) == 1,
          "recoverable parse_compact");
    secp256k1_pubkey key;
    check(secp256k1_ecdsa_recover(context->get(), &key, &signature, digest.data()) == 1, "secp256k1_ecdsa_recover");
    std::array<unsigned char, 65> serialized{};
    std::size_t size = serialized.size();
    check(secp256k1_ec_pubkey_serialize(context->get(), serialized.data(), &size, &key, SECP256K1_EC_UNCOMPRESSED) == 1,
          "pubkey_serialize");
    return serialized[64];
  };
}

}  // namespace trestle::bench::libsecp256k1
