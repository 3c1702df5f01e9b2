#pragma once
// Fast SM2 signatures (GB/T 32918.2) on dedicated arithmetic for the recommended curve: the
// private engine behind trestle::crypto::sm2's sign and verify. The Crypto++-based code in
// sm2.cpp / sm2_curve.cpp stays as the reference the tests compare this against.
//
// Secrets: key derivation and signing run in constant time: no branch and no memory index
// depends on the private key or the nonce (checked under valgrind by tests/crypto/
// sm2_ct_check.cpp). Verification works on public data only and is variable time.
//
// Inputs here are fixed-size values; a public key is x || y (Point64) and every function that
// takes one checks it is on the curve, so untrusted bytes never break an invariant.
//
// Threads: every function may be called concurrently. The only shared state is the tables of
// multiples of G, built once on first use (thread-safe static initialisation), and the
// arithmetic choice made from CPUID at start-up.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "../curves.hpp"
#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::crypto::sm2fast {

using Bytes32 = std::array<std::uint8_t, 32>;

// True when 1 <= d <= n - 2 (GB/T 32918.1 6.1). Constant time.
bool private_scalar_valid(ByteView d32);

// d * G, constant time. Precondition: private_scalar_valid(d32). The first call builds the comb
// table (88 KiB) and throws std::bad_alloc if that allocation fails; nothing else throws, here
// or in any other function of this header (they report that case as an error or false).
Point64 derive_public(ByteView d32);

// Decodes 04||x||y (65 bytes), x||y (64) or 02/03||x (33), and checks coordinates < p and the
// curve equation. Error: kInvalidArgument naming what is wrong.
Result<Point64> decode_point(ByteView encoded);
// True when x, y < p and (x, y) is on the curve (the point at infinity has no x || y form).
bool point_valid(const Point64& xy);

// How sign picks the nonce k.
enum class NonceMode {
  // RFC 6979 (section 3.2) with HMAC-SM3, over the private key and e mod n: the same key and
  // digest always give the same signature, and no weak random generator can leak the key.
  kDeterministic,
  // RFC 6979 section 3.6 "additional data": 32 fresh bytes from the operating system's generator
  // go into the HMAC-SM3 derivation as well, so k is unpredictable (each signature differs)
  // and still safe if the generator is weak.
  kRandom,
};

// A private key ready to sign: d, (1 + d)^-1 mod n and the public key, computed once.
// Move-only; wipes its secrets on destruction. Not thread-safe to move, safe to share for
// concurrent const use (sign is const and keeps no state).
class SigningKey {
 public:
  // Error: kInvalidArgument when d32 is not 32 bytes or not in [1, n-2].
  static Result<SigningKey> from_bytes(ByteView d32);

  SigningKey(SigningKey&& other) noexcept;
  SigningKey& operator=(SigningKey&& other) noexcept;
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;
  ~SigningKey();

  const Point64& public_key() const { return public_key_; }

  // Signs the digest e (= SM3(Z_A || M)). Error: kInternal only if the operating system's
  // random generator fails (kRandom).
  Result<sm2::Signature> sign_digest(const Hash256& e, NonceMode mode = NonceMode::kDeterministic) const;

  // Signs with a caller-chosen nonce, for the fixed-k examples of GB/T 32918 only: a reused or
  // predictable k reveals the key. Error: kInvalidArgument when k is not in [1, n-1], or when
  // this k yields r = 0, r + k = n or s = 0 (the standard's "choose another k").
  Result<sm2::Signature> sign_digest_with_nonce(const Hash256& e, ByteView k32) const;

 private:
  friend Result<sm2::Signature> sign_digest(ByteView d32, const Hash256& e, NonceMode mode);
  SigningKey() = default;
  // As from_bytes but skips d*G (public_key() is then all zero): one-shot signing needs no
  // public key, and d*G would double its cost.
  static Result<SigningKey> from_bytes_without_public_key(ByteView d32);
  Result<sm2::Signature> sign_digest_unguarded(const Hash256& e, NonceMode mode) const;
  Result<sm2::Signature> sign_digest_with_nonce_unguarded(const Hash256& e, ByteView k32) const;
  void wipe();

  // Scalars as four little-endian 64-bit limbs: d plain, (1 + d)^-1 in Montgomery form.
  std::array<std::uint64_t, 4> d_{};
  std::array<std::uint64_t, 4> inv_1_plus_d_{};
  Bytes32 d_bytes_{};
  Point64 public_key_{};
};

// One-shot signing: SigningKey::from_bytes(d32) then sign_digest.
Result<sm2::Signature> sign_digest(ByteView d32, const Hash256& e, NonceMode mode = NonceMode::kDeterministic);

// Verifies (r, s) on the digest e under the public key x || y: false for r or s outside
// [1, n-1], a key off the curve, or a failed equation. Never throws.
bool verify_digest(const Point64& public_key, const Hash256& e, const sm2::Signature& signature);

class KeyTableCache;
// As above, using (and maybe filling) `cache` for keys verified often. cache may be null.
bool verify_digest(const Point64& public_key, const Hash256& e, const sm2::Signature& signature, KeyTableCache* cache);

}  // namespace trestle::crypto::sm2fast
