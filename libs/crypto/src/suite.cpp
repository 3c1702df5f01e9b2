#include "trestle/crypto/suite.hpp"

#include <string>

#include "trestle/crypto/secp256k1.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::crypto {
namespace {

Error wrong_key(std::string_view suite, KeyType expected, KeyType got) {
  return Error(ErrorCode::kInvalidArgument, "the " + std::string(suite) + " suite signs with " +
                                                std::string(key_type_name(expected)) + " keys, got a " +
                                                std::string(key_type_name(got)) + " key");
}

class SmSuite final : public CryptoSuite {
 public:
  SuiteId id() const override { return SuiteId::kSm; }
  std::string_view name() const override { return "sm"; }
  KeyType key_type() const override { return KeyType::kSm2; }
  HashAlgorithm hash_algorithm() const override { return HashAlgorithm::kSm3; }
  AeadAlgorithm aead_algorithm() const override { return AeadAlgorithm::kSm4Gcm; }
  std::size_t signature_size() const override { return 64; }
  bool can_recover() const override { return false; }

  Result<Bytes> sign(const PrivateKey& key, ByteView message) const override {
    if (key.type() != KeyType::kSm2) return wrong_key(name(), KeyType::kSm2, key.type());
    TRESTLE_TRY(sm2::Signature signature, sm2::sign(key, message));
    return signature.to_bytes();
  }

  Result<Bytes> sign_digest(const PrivateKey& key, const Hash256& digest) const override {
    if (key.type() != KeyType::kSm2) return wrong_key(name(), KeyType::kSm2, key.type());
    TRESTLE_TRY(sm2::Signature signature, sm2::sign_digest(key, digest));
    return signature.to_bytes();
  }

  bool verify(const PublicKey& key, ByteView message, ByteView signature) const override {
    if (key.type() != KeyType::kSm2) return false;
    auto parsed = sm2::Signature::from_bytes(signature);
    return parsed.ok() && sm2::verify(key, message, parsed.value());
  }

  bool verify_digest(const PublicKey& key, const Hash256& digest, ByteView signature) const override {
    if (key.type() != KeyType::kSm2) return false;
    auto parsed = sm2::Signature::from_bytes(signature);
    return parsed.ok() && sm2::verify_digest(key, digest, parsed.value());
  }

  Result<PublicKey> recover(ByteView, ByteView) const override {
    return Error(ErrorCode::kUnsupported, "the sm suite cannot recover a key from an SM2 signature");
  }
};

class EcdsaSuite final : public CryptoSuite {
 public:
  SuiteId id() const override { return SuiteId::kEcdsa; }
  std::string_view name() const override { return "ecdsa"; }
  KeyType key_type() const override { return KeyType::kSecp256k1; }
  HashAlgorithm hash_algorithm() const override { return HashAlgorithm::kKeccak256; }
  AeadAlgorithm aead_algorithm() const override { return AeadAlgorithm::kAes256Gcm; }
  std::size_t signature_size() const override { return 65; }
  bool can_recover() const override { return true; }

  Result<Bytes> sign(const PrivateKey& key, ByteView message) const override {
    return sign_digest(key, keccak256(message));
  }

  Result<Bytes> sign_digest(const PrivateKey& key, const Hash256& digest) const override {
    if (key.type() != KeyType::kSecp256k1) return wrong_key(name(), KeyType::kSecp256k1, key.type());
    TRESTLE_TRY(secp256k1::RecoverableSignature signature, secp256k1::sign_digest(key, digest));
    return to_bytes(signature.bytes);
  }

  bool verify(const PublicKey& key, ByteView message, ByteView signature) const override {
    return verify_digest(key, keccak256(message), signature);
  }

  bool verify_digest(const PublicKey& key, const Hash256& digest, ByteView signature) const override {
    return secp256k1::verify_digest(key, digest, signature);
  }

  Result<PublicKey> recover(ByteView message, ByteView signature) const override {
    return secp256k1::recover(keccak256(message), signature);
  }
};

}  // namespace

// Function-local statics: usable from other translation units' static initialisers.
const CryptoSuite& CryptoSuite::sm() {
  static const SmSuite suite;
  return suite;
}

const CryptoSuite& CryptoSuite::ecdsa() {
  static const EcdsaSuite suite;
  return suite;
}
const CryptoSuite& CryptoSuite::get(SuiteId id) { return id == SuiteId::kSm ? sm() : ecdsa(); }

Result<const CryptoSuite*> CryptoSuite::by_name(std::string_view name) {
  if (name == "sm") return &sm();
  if (name == "ecdsa") return &ecdsa();
  return Error(ErrorCode::kInvalidArgument,
               "unknown crypto suite '" + std::string(name) + "' (expected \"sm\" or \"ecdsa\")");
}

Address CryptoSuite::address(const PublicKey& key) const {
  const Hash256 digest = hash(key.xy());
  return Address::copy_of(digest.view().last(Address::kSize));
}

}  // namespace trestle::crypto
