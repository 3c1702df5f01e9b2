#pragma once
// SM2 (GB/T 32918, GM/T 0003): signatures with Z_A and public-key encryption, on the
// recommended 256-bit curve. Keys are PrivateKey / PublicKey of KeyType::kSm2.
//
// Untrusted input never throws: verification returns false for any malformed key, digest or
// signature, and decryption returns an error. Every function is safe to call from several
// threads at once. A key of another type (secp256k1) is a kInvalidArgument error, or false.
//
// This is the reference implementation, on Crypto++'s generic big-integer arithmetic, which is
// not constant-time; secrets in Trestle's own buffers are wiped after use.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"

namespace trestle::crypto::sm2 {

// The user ID GB/T 32918 and GM/T 0009 use when none is agreed.
inline constexpr std::string_view kDefaultUserId = "1234567812345678";

// An SM2 signature (r, s), each 32 bytes big-endian.
struct Signature {
  std::array<std::uint8_t, 32> r{};
  std::array<std::uint8_t, 32> s{};

  // r || s, 64 bytes.
  Bytes to_bytes() const;
  // Parses r || s; errors on a length other than 64 (range checks happen on verify).
  static Result<Signature> from_bytes(ByteView rs);
  // DER: SEQUENCE { INTEGER r, INTEGER s }, as OpenSSL writes it.
  Bytes to_der() const;
  // Strict DER: minimal INTEGERs, no trailing bytes, r and s below 2^256.
  static Result<Signature> from_der(ByteView der);

  friend bool operator==(const Signature&, const Signature&) = default;
};

// Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A), with ENTL_A the bit length
// of ID_A in 2 bytes big-endian. Any ID of 0 to 8191 bytes is accepted (OpenSSL 3 stops at 8190).
// Error (kInvalidArgument): an ID over 8191 bytes, or a non-SM2 key.
Result<Hash256> compute_za(const PublicKey& key, std::string_view user_id = kDefaultUserId);
// e = SM3(Z_A || M), the digest that is signed.
Result<Hash256> message_digest(const PublicKey& key, ByteView message, std::string_view user_id = kDefaultUserId);

// How signing picks the nonce k.
enum class Nonce {
  // RFC 6979-style: k = HMAC-SM3 DRBG over the private key and e, so the same key and digest
  // always give the same signature and no weak random generator can leak the key.
  kDeterministic,
  // As kDeterministic with 32 fresh bytes from the OS generator mixed in (RFC 6979 3.6): every
  // signature differs, and a weak generator still cannot leak the key.
  kRandom,
};

// Signs the digest e (GB/T 32918.2 6.1, from step A3). Runs in constant time: no branch or
// memory index depends on the key or the nonce (checked under valgrind by the tests).
// Errors: kInvalidArgument for a non-SM2 key; kInternal if the OS random generator fails.
Result<Signature> sign_digest(const PrivateKey& key, const Hash256& digest, Nonce nonce = Nonce::kDeterministic);
// Signs SM3(Z_A || message). Errors: as sign_digest and compute_za.
Result<Signature> sign(const PrivateKey& key, ByteView message, std::string_view user_id = kDefaultUserId);

// True only for a valid signature: r, s in [1, n-1], t = (r + s) mod n != 0, and
// (e + x1) mod n == r for (x1, y1) = [s]G + [t]P. False for a non-SM2 key or an ID over 8191 bytes.
bool verify_digest(const PublicKey& key, const Hash256& digest, const Signature& signature);
bool verify(const PublicKey& key, ByteView message, const Signature& signature,
            std::string_view user_id = kDefaultUserId);

struct VerifierOptions {
  // Threads for verify_batch, the caller's included; 0 = all cores. 1 runs batches inline.
  unsigned threads = 0;
  // Memory for precomputed tables of keys verified often (the sealers' keys, busy senders);
  // the least recently used are evicted beyond it. 8 KiB per key; 0 disables the tables.
  std::size_t key_cache_bytes_max = std::size_t{4} << 20;
  // A key gets a table on its n-th verification, so one-off senders never pay for one.
  std::uint32_t key_cache_uses_before_table = 2;
};

struct VerifyRequest {
  PublicKey key;
  Hash256 digest;  // e = SM3(Z_A || M)
  Signature signature;
};

// Verifies many signatures: a bounded cache of per-key tables (a cached key verifies about 2.5x
// faster) and a pool of threads for batches. Thread-safe; batches run one at a time.
class Verifier {
 public:
  explicit Verifier(const VerifierOptions& options = {});
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // As the free verify_digest, using the key cache.
  bool verify_digest(const PublicKey& key, const Hash256& digest, const Signature& signature) const;
  // result[i] is verify_digest(requests[i]); each item fails alone. Blocks until all are done.
  std::vector<bool> verify_batch(std::span<const VerifyRequest> requests) const;
  unsigned threads() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Ciphertext layouts: raw C1 || C3 || C2 with C1 = 04 || x1 || y1 (GB/T 32918.4-2016), or the
// ASN.1 form OpenSSL uses: SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 }.
enum class CiphertextFormat { kC1C3C2, kDer };

// GB/T 32918.4 encryption with a fresh random k. The ciphertext is 97 bytes longer than the
// plaintext in the raw layout. Errors: kInvalidArgument for an empty plaintext (the standard
// requires klen > 0) or a non-SM2 key; kLimitExceeded for a plaintext over 64 MiB (the same
// bound keeps decrypt from allocating without limit); kInternal if the OS random generator fails.
Result<Bytes> encrypt(const PublicKey& key, ByteView plaintext, CiphertextFormat format = CiphertextFormat::kC1C3C2);
// Errors: kInvalidArgument for a malformed ciphertext (in the raw layout C1 must be uncompressed,
// 04 || x1 || y1), an empty C2, an invalid C1 point or a non-SM2 key; kLimitExceeded for a C2
// over 64 MiB; kAuthFailed when C3 does not match (wrong key or tampered ciphertext).
Result<Bytes> decrypt(const PrivateKey& key, ByteView ciphertext, CiphertextFormat format = CiphertextFormat::kC1C3C2);

namespace testing {
// Signs with a caller-chosen nonce k. Exists only to reproduce the fixed-k examples of
// GB/T 32918; a reused or predictable k reveals the private key. Error (kInvalidArgument): k not
// 32 bytes in [1, n-1], or a k the standard discards for this digest (r = 0, r + k = n, s = 0).
Result<Signature> sign_digest_with_nonce(const PrivateKey& key, const Hash256& digest, ByteView k);
}  // namespace testing

}  // namespace trestle::crypto::sm2
