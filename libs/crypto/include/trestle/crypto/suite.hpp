#pragma once
// CryptoSuite: the set of algorithms a chain is configured with. Nothing outside the crypto
// library names an algorithm; it asks the chain's suite.
//
//   sm     SM3 hash, SM2 signatures (64-byte r||s over SM3(Z_A || M), default user ID), SM4-GCM
//   ecdsa  Keccak-256 hash, secp256k1 ECDSA (65-byte r||s||v over Keccak-256(M), low-S, RFC 6979
//          nonces), AES-256-GCM. verify also takes the 64-byte r||s; a 65-byte signature must
//          carry the signer's recovery id, so v cannot be flipped.
//
// Addresses are the last 20 bytes of hash(x || y) of the 64-byte public key. Suites are
// stateless and thread-safe; the two instances live for the whole program.

#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/cipher.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/crypto/keys.hpp"

namespace trestle::crypto {

enum class SuiteId { kSm, kEcdsa };

class CryptoSuite {
 public:
  static const CryptoSuite& sm();
  static const CryptoSuite& ecdsa();
  static const CryptoSuite& get(SuiteId id);
  // "sm" or "ecdsa". Error: kInvalidArgument naming the accepted names.
  static Result<const CryptoSuite*> by_name(std::string_view name);

  virtual ~CryptoSuite() = default;

  virtual SuiteId id() const = 0;
  virtual std::string_view name() const = 0;
  virtual KeyType key_type() const = 0;
  virtual HashAlgorithm hash_algorithm() const = 0;
  virtual AeadAlgorithm aead_algorithm() const = 0;
  // Size in bytes of the signatures sign() produces (sm 64, ecdsa 65).
  virtual std::size_t signature_size() const = 0;
  // Whether the signer's key can be recovered from a signature (ecdsa only).
  virtual bool can_recover() const = 0;

  Hash256 hash(ByteView data) const { return crypto::hash(hash_algorithm(), data); }
  Hasher hasher() const { return Hasher(hash_algorithm()); }
  // The last 20 bytes of hash(x || y). The key's type is not checked: an ecdsa address of an SM2
  // key is well defined, but no chain uses one.
  Address address(const PublicKey& key) const;

  Result<PrivateKey> generate_key() const { return PrivateKey::generate(key_type()); }

  // Signs a message (the suite hashes it as described above). Error: kInvalidArgument for a key
  // of the other curve.
  virtual Result<Bytes> sign(const PrivateKey& key, ByteView message) const = 0;
  // Signs a ready digest (sm: e = SM3(Z_A || M) computed by the caller).
  virtual Result<Bytes> sign_digest(const PrivateKey& key, const Hash256& digest) const = 0;
  // False for any malformed or invalid input, including a key of the other curve.
  virtual bool verify(const PublicKey& key, ByteView message, ByteView signature) const = 0;
  virtual bool verify_digest(const PublicKey& key, const Hash256& digest, ByteView signature) const = 0;
  // The signer's key from a message and a 65-byte signature. Errors: kUnsupported for sm,
  // kInvalidArgument for a malformed signature.
  virtual Result<PublicKey> recover(ByteView message, ByteView signature) const = 0;

  // Authenticated encryption with the suite's AEAD (key size aead_key_size(aead_algorithm())).
  Result<Bytes> seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) const {
    return aead_seal(aead_algorithm(), key, iv, aad, plaintext);
  }
  Result<Bytes> open(ByteView key, ByteView iv, ByteView aad, ByteView sealed) const {
    return aead_open(aead_algorithm(), key, iv, aad, sealed);
  }
};

}  // namespace trestle::crypto
