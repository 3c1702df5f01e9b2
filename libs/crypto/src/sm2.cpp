// SM2 signatures (GB/T 32918.2) and public-key encryption (GB/T 32918.4) on the recommended
// curve, written to follow the standard's numbered steps. The arithmetic is Crypto++'s generic
// Integer and ECP code, which is not constant-time: see sm2_curve.hpp.

#include "trestle/crypto/sm2.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <string>

#include "der.hpp"
#include "sm2_curve.hpp"
#include "sm2_reference.hpp"
#include "sm2fast/batch_verify.hpp"
#include "sm2fast/key_cache.hpp"
#include "sm2fast/sm2_fast.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/crypto/random.hpp"

namespace trestle::crypto::sm2 {
namespace {

using CryptoPP::ECPPoint;
using CryptoPP::Integer;
using sm2_curve::Bytes32;
using sm2_curve::curve;
using sm2_curve::domain;
using sm2_curve::to_integer;

// ENTL_A is the bit length of ID_A in two bytes, so an ID holds at most 8191 whole bytes.
constexpr std::size_t kUserIdBytesMax = 8191;
// A plaintext (and so a C2) limit: SM2 encryption is for keys and short messages, and a bound
// keeps a hostile ciphertext from making decrypt allocate without limit.
constexpr std::size_t kPlaintextBytesMax = std::size_t{64} << 20;
// Each random draw is usable with probability above 1 - 2^-32; 64 failures mean a broken RNG.
constexpr int kNonceAttemptsMax = 64;
// Raw layout sizes: C1 = 04 || x1 || y1, C3 = SM3 digest.
constexpr std::size_t kC1Bytes = 65;
constexpr std::size_t kC3Bytes = 32;

// Wipes a buffer of secret bytes when the scope ends, on every return path.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::span<std::uint8_t> bytes) : bytes_(bytes) {}
  ~WipeOnExit() { secure_wipe(bytes_.data(), bytes_.size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::span<std::uint8_t> bytes_;
};

Error wrong_key_type(std::string_view operation, KeyType type) {
  return Error(ErrorCode::kInvalidArgument,
               std::string(operation) + ": expected an SM2 key, got a " + std::string(key_type_name(type)) + " key");
}

Error dependency_failed(std::string_view operation, const std::exception& e) {
  return Error(ErrorCode::kInternal, std::string(operation) + ": big-integer arithmetic failed: " + e.what());
}

// Runs `body`, turning any exception from Crypto++ (or std::bad_alloc) into a kInternal error.
template <typename Body>
auto guarded(std::string_view operation, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return dependency_failed(operation, e);
  }
}

// GB/T 32918.2 6.1, steps A4 to A6, for the nonce k. Returns nothing when k must be replaced:
// r = 0, r + k = n or s = 0 (step A3 again).
std::optional<Signature> sign_with_nonce(const Integer& d, const Integer& e, const Integer& k) {
  const Integer& n = domain().n;
  const ECPPoint kg = curve().ScalarMultiply(domain().g, k);  // A4: (x1, y1) = [k]G
  const Integer r = (e + kg.x) % n;                           // A5: r = (e + x1) mod n
  if (r.IsZero() || r + k == n) return std::nullopt;
  // A6: s = ((1 + d)^-1 * (k - r * d)) mod n; n is added before subtracting to stay non-negative.
  const Integer k_minus_rd = (k + n - (r * d) % n) % n;
  const Integer s = ((d + Integer::One()).InverseMod(n) * k_minus_rd) % n;
  if (s.IsZero()) return std::nullopt;
  Signature signature;
  signature.r = sm2_curve::to_bytes32(r);
  signature.s = sm2_curve::to_bytes32(s);
  return signature;
}

// KDF(Z, klen) of GB/T 32918.4 5.4.3 with SM3: fills `out` with the first out.size() bytes of
// SM3(Z || ct_1) || SM3(Z || ct_2) || ..., where ct_i = i as a 32-bit big-endian counter from 1.
// Precondition: out.size() <= kPlaintextBytesMax (far below the (2^32 - 1) * 32 bytes allowed).
void kdf(ByteView z, std::span<std::uint8_t> out) {
  Hasher hasher(HashAlgorithm::kSm3);
  std::uint32_t counter = 1;
  for (std::size_t offset = 0; offset < out.size(); offset += Hash256::kSize, ++counter) {
    const std::uint8_t ct[4] = {static_cast<std::uint8_t>(counter >> 24), static_cast<std::uint8_t>(counter >> 16),
                                static_cast<std::uint8_t>(counter >> 8), static_cast<std::uint8_t>(counter)};
    Hash256 block = hasher.update(z).update(ct).finish();
    std::copy_n(block.data(), std::min(Hash256::kSize, out.size() - offset), out.data() + offset);
    secure_wipe(block.data(), block.size());
  }
}

// True when every byte is zero; reads all of them (t is secret).
bool all_zero(ByteView bytes) {
  std::uint8_t any = 0;
  for (std::uint8_t b : bytes) any |= b;
  return any == 0;
}

void xor_into(std::span<std::uint8_t> inout, ByteView other) {
  for (std::size_t i = 0; i < inout.size(); ++i) inout[i] ^= other[i];
}

// Compares two 32-byte digests in time independent of where they differ.
bool equal_constant_time(ByteView a, ByteView b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < Hash256::kSize; ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

// C3 = SM3(x2 || M || y2).
Hash256 c3_digest(const Point64& x2y2, ByteView message) {
  Hasher hasher(HashAlgorithm::kSm3);
  return hasher.update(ByteView(x2y2).first(32)).update(message).update(ByteView(x2y2).last(32)).finish();
}

// A ciphertext split into its parts; the views point into the caller's buffer.
struct CiphertextParts {
  ByteView x1;
  ByteView y1;
  ByteView c3;
  ByteView c2;
};

Error malformed_ciphertext(std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, "SM2 ciphertext: " + std::string(why));
}

Result<CiphertextParts> split_raw(ByteView ciphertext) {
  if (ciphertext.size() < kC1Bytes + kC3Bytes + 1) {
    return malformed_ciphertext("C1 || C3 || C2 needs at least " + std::to_string(kC1Bytes + kC3Bytes + 1) +
                                " bytes, got " + std::to_string(ciphertext.size()));
  }
  if (ciphertext[0] != 0x04) return malformed_ciphertext("C1 must be an uncompressed point (prefix 04)");
  CiphertextParts parts;
  parts.x1 = ciphertext.subspan(1, 32);
  parts.y1 = ciphertext.subspan(33, 32);
  parts.c3 = ciphertext.subspan(kC1Bytes, kC3Bytes);
  parts.c2 = ciphertext.subspan(kC1Bytes + kC3Bytes);
  return parts;
}

// SEQUENCE { INTEGER x1, INTEGER y1, OCTET STRING C3, OCTET STRING C2 }, strict DER. The
// integers come back left-padded to 32 bytes in `padded`, which the returned views point into.
Result<CiphertextParts> split_der(ByteView ciphertext, Bytes& padded) {
  der::DerReader outer(ciphertext);
  TRESTLE_TRY(ByteView body, outer.read(der::kSequence, "SM2 ciphertext"));
  TRESTLE_TRY_STATUS(outer.finish("SM2 ciphertext"));
  der::DerReader inner(body);
  TRESTLE_TRY(Bytes x1, inner.read_unsigned_integer(32, "SM2 ciphertext C1 x"));
  TRESTLE_TRY(Bytes y1, inner.read_unsigned_integer(32, "SM2 ciphertext C1 y"));
  TRESTLE_TRY(ByteView c3, inner.read(der::kOctetString, "SM2 ciphertext C3"));
  TRESTLE_TRY(ByteView c2, inner.read(der::kOctetString, "SM2 ciphertext C2"));
  TRESTLE_TRY_STATUS(inner.finish("SM2 ciphertext"));
  if (c3.size() != kC3Bytes) {
    return malformed_ciphertext("C3 must be 32 bytes, got " + std::to_string(c3.size()));
  }
  padded = x1;
  append(padded, y1);
  CiphertextParts parts;
  parts.x1 = ByteView(padded).first(32);
  parts.y1 = ByteView(padded).last(32);
  parts.c3 = c3;
  parts.c2 = c2;
  return parts;
}

}  // namespace

Bytes Signature::to_bytes() const {
  Bytes out(r.begin(), r.end());
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Result<Signature> Signature::from_bytes(ByteView rs) {
  if (rs.size() != 64) {
    return Error(ErrorCode::kInvalidArgument,
                 "SM2 signature must be 64 bytes (r || s), got " + std::to_string(rs.size()));
  }
  Signature signature;
  std::copy_n(rs.begin(), 32, signature.r.begin());
  std::copy_n(rs.begin() + 32, 32, signature.s.begin());
  return signature;
}

Bytes Signature::to_der() const { return der::encode_signature(r, s); }

Result<Signature> Signature::from_der(ByteView der_bytes) {
  auto decoded = der::decode_signature(der_bytes);
  if (!decoded.ok()) return decoded.error().with_context("SM2 signature");
  Signature signature;
  std::copy_n(decoded->first.begin(), 32, signature.r.begin());
  std::copy_n(decoded->second.begin(), 32, signature.s.begin());
  return signature;
}

Result<Hash256> compute_za(const PublicKey& key, std::string_view user_id) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 Z_A", key.type());
  if (user_id.size() > kUserIdBytesMax) {
    return Error(ErrorCode::kInvalidArgument, "SM2 user ID is " + std::to_string(user_id.size()) +
                                                  " bytes; at most 8191 fit in the 16-bit ENTL field");
  }
  const auto entl_bits = static_cast<std::uint16_t>(user_id.size() * 8);
  const std::uint8_t entl[2] = {static_cast<std::uint8_t>(entl_bits >> 8), static_cast<std::uint8_t>(entl_bits)};
  Hasher hasher(HashAlgorithm::kSm3);
  hasher.update(entl).update(as_bytes(user_id));
  hasher.update(sm2_curve::kA).update(sm2_curve::kB).update(sm2_curve::kGx).update(sm2_curve::kGy);
  hasher.update(key.x()).update(key.y());
  return hasher.finish();
}

Result<Hash256> message_digest(const PublicKey& key, ByteView message, std::string_view user_id) {
  TRESTLE_TRY(Hash256 za, compute_za(key, user_id));
  Hasher hasher(HashAlgorithm::kSm3);
  return hasher.update(za).update(message).finish();
}

namespace reference {

Result<Signature> sign_digest(const PrivateKey& key, const Hash256& digest) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 sign", key.type());
  return guarded("SM2 sign", [&]() -> Result<Signature> {
    const Integer d = to_integer(key.secret());
    const Integer e = to_integer(digest);
    Bytes32 k;
    WipeOnExit wipe_k(k);
    for (int attempt = 0; attempt < kNonceAttemptsMax; ++attempt) {
      // A3: k uniform in [1, n-1] by rejection sampling of 256-bit draws.
      TRESTLE_TRY_STATUS(fill_random(k));
      if (!sm2_curve::in_range_1_to(k, sm2_curve::kNMinus1)) continue;
      if (auto signature = sign_with_nonce(d, e, to_integer(k))) return *signature;
    }
    return Error(ErrorCode::kInternal, "SM2 sign: no usable nonce in 64 random draws");
  });
}

}  // namespace reference

Result<Signature> sign(const PrivateKey& key, ByteView message, std::string_view user_id) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 sign", key.type());
  TRESTLE_TRY(Hash256 e, message_digest(key.public_key(), message, user_id));  // A1, A2
  return sign_digest(key, e);
}

namespace reference {

bool verify_digest(const PublicKey& key, const Hash256& digest, const Signature& signature) {
  if (key.type() != KeyType::kSm2) return false;
  try {
    const Integer& n = domain().n;
    const Integer r = to_integer(signature.r);
    const Integer s = to_integer(signature.s);
    // B1, B2: r and s in [1, n-1].
    if (r.IsZero() || r >= n || s.IsZero() || s >= n) return false;
    // B5: t = (r + s) mod n, not 0.
    const Integer t = (r + s) % n;
    if (t.IsZero()) return false;
    // B6: (x1, y1) = [s]G + [t]P_A. The key is a validated curve point (a PublicKey invariant).
    const ECPPoint point = curve().CascadeScalarMultiply(domain().g, s, sm2_curve::to_point(key.xy()), t);
    if (point.identity) return false;
    // B7: R = (e + x1) mod n must equal r.
    return (to_integer(digest) + point.x) % n == r;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace reference

Result<Signature> sign_digest(const PrivateKey& key, const Hash256& digest, Nonce nonce) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 sign", key.type());
  try {
    return sm2fast::sign_digest(
        key.secret(), digest,
        nonce == Nonce::kRandom ? sm2fast::NonceMode::kRandom : sm2fast::NonceMode::kDeterministic);
  } catch (const std::exception& e) {  // only std::bad_alloc building the G table on first use
    return Error(ErrorCode::kInternal, std::string("SM2 sign: ") + e.what());
  }
}

bool verify_digest(const PublicKey& key, const Hash256& digest, const Signature& signature) {
  return key.type() == KeyType::kSm2 && sm2fast::verify_digest(key.xy(), digest, signature);
}

struct Verifier::Impl {
  explicit Impl(const VerifierOptions& options)
      : cache(sm2fast::KeyTableCacheOptions{.bytes_max = options.key_cache_bytes_max,
                                            .uses_before_table = options.key_cache_uses_before_table}),
        batch(options.threads) {}
  sm2fast::KeyTableCache cache;
  sm2fast::BatchVerifier batch;
};

Verifier::Verifier(const VerifierOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Verifier::~Verifier() = default;

bool Verifier::verify_digest(const PublicKey& key, const Hash256& digest, const Signature& signature) const {
  return key.type() == KeyType::kSm2 && sm2fast::verify_digest(key.xy(), digest, signature, &impl_->cache);
}

std::vector<bool> Verifier::verify_batch(std::span<const VerifyRequest> requests) const {
  std::vector<sm2fast::VerifyItem> items;
  items.reserve(requests.size());
  std::vector<bool> wrong_type(requests.size(), false);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const VerifyRequest& request = requests[i];
    // A non-SM2 key must fail; an all-zero point is off the curve, so the item fails there.
    wrong_type[i] = request.key.type() != KeyType::kSm2;
    items.push_back({wrong_type[i] ? Point64{} : request.key.xy(), request.digest, request.signature});
  }
  std::vector<std::uint8_t> results(items.size(), 0);
  impl_->batch.verify(items, results, &impl_->cache);
  std::vector<bool> out(results.size());
  for (std::size_t i = 0; i < results.size(); ++i) out[i] = results[i] == 1 && !wrong_type[i];
  return out;
}

unsigned Verifier::threads() const { return impl_->batch.threads(); }

bool verify(const PublicKey& key, ByteView message, const Signature& signature, std::string_view user_id) {
  auto e = message_digest(key, message, user_id);
  return e.ok() && verify_digest(key, e.value(), signature);
}

Result<Bytes> encrypt(const PublicKey& key, ByteView plaintext, CiphertextFormat format) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 encrypt", key.type());
  // GB/T 32918.4 requires klen > 0: for an empty message t would be empty, "all zero", forever.
  if (plaintext.empty()) return Error(ErrorCode::kInvalidArgument, "SM2 encrypt: the plaintext is empty");
  if (plaintext.size() > kPlaintextBytesMax) {
    return Error(ErrorCode::kLimitExceeded,
                 "SM2 encrypt: plaintext of " + std::to_string(plaintext.size()) + " bytes exceeds the 64 MiB limit");
  }
  return guarded("SM2 encrypt", [&]() -> Result<Bytes> {
    const ECPPoint pb = sm2_curve::to_point(key.xy());
    Bytes32 k;
    WipeOnExit wipe_k(k);
    Point64 x2y2{};
    WipeOnExit wipe_x2y2(x2y2);
    Bytes c2(plaintext.size());
    for (int attempt = 0; attempt < kNonceAttemptsMax; ++attempt) {
      // A1: k uniform in [1, n-1].
      TRESTLE_TRY_STATUS(fill_random(k));
      if (!sm2_curve::in_range_1_to(k, sm2_curve::kNMinus1)) continue;
      const Integer k_int = to_integer(k);
      // A2: C1 = [k]G. A3 ([h]P_B != O) holds for every PublicKey: h = 1 and P_B is valid.
      const Point64 c1 = sm2_curve::from_point(curve().ScalarMultiply(domain().g, k_int));
      // A4: (x2, y2) = [k]P_B; never O, since P_B has prime order n and 1 <= k < n.
      x2y2 = sm2_curve::from_point(curve().ScalarMultiply(pb, k_int));
      // A5: t = KDF(x2 || y2, klen), written straight into the C2 buffer; all zero -> new k.
      kdf(x2y2, c2);
      if (all_zero(c2)) continue;
      // A6: C2 = M xor t. A7: C3 = SM3(x2 || M || y2).
      xor_into(c2, plaintext);
      const Hash256 c3 = c3_digest(x2y2, plaintext);
      Bytes out;
      if (format == CiphertextFormat::kC1C3C2) {
        // A8 (GB/T 32918.4-2016): C = C1 || C3 || C2.
        out.reserve(kC1Bytes + kC3Bytes + c2.size());
        out.push_back(0x04);
        append(out, c1);
        append(out, c3);
        append(out, c2);
      } else {
        Bytes body;
        der::write_unsigned_integer(body, ByteView(c1).first(32));
        der::write_unsigned_integer(body, ByteView(c1).last(32));
        der::write_tlv(body, der::kOctetString, c3);
        der::write_tlv(body, der::kOctetString, c2);
        out = der::tlv(der::kSequence, body);
      }
      return out;
    }
    return Error(ErrorCode::kInternal, "SM2 encrypt: no usable nonce in 64 random draws");
  });
}

Result<Bytes> decrypt(const PrivateKey& key, ByteView ciphertext, CiphertextFormat format) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 decrypt", key.type());
  Bytes padded_c1;
  auto split = format == CiphertextFormat::kC1C3C2 ? split_raw(ciphertext) : split_der(ciphertext, padded_c1);
  if (!split.ok()) return split.error();
  const CiphertextParts& parts = split.value();
  if (parts.c2.empty()) return malformed_ciphertext("C2 is empty");
  if (parts.c2.size() > kPlaintextBytesMax) {
    return Error(ErrorCode::kLimitExceeded, "SM2 ciphertext: C2 of " + std::to_string(parts.c2.size()) +
                                                " bytes exceeds the 64 MiB plaintext limit");
  }
  return guarded("SM2 decrypt", [&]() -> Result<Bytes> {
    // B1: C1 must be a point on the curve (and B2: [h]C1 != O, with h = 1).
    const ECPPoint c1(to_integer(parts.x1), to_integer(parts.y1));
    if (!sm2_curve::point_valid(c1)) return malformed_ciphertext("C1 is not a point on the SM2 curve");
    // B3: (x2, y2) = [d_B]C1.
    const Integer d = to_integer(key.secret());
    Point64 x2y2 = sm2_curve::from_point(curve().ScalarMultiply(c1, d));
    WipeOnExit wipe_x2y2(x2y2);
    // B4: t = KDF(x2 || y2, klen), into the plaintext buffer. B5: M' = C2 xor t.
    Bytes plaintext(parts.c2.size());
    kdf(x2y2, plaintext);
    // An all-zero t and a C3 mismatch give the same error, so neither tells an attacker more.
    const bool t_zero = all_zero(plaintext);
    xor_into(plaintext, parts.c2);
    // B6: u = SM3(x2 || M' || y2) must equal C3.
    const Hash256 u = c3_digest(x2y2, plaintext);
    if (t_zero || !equal_constant_time(u, parts.c3)) {
      secure_wipe(plaintext.data(), plaintext.size());
      return Error(ErrorCode::kAuthFailed, "SM2 decrypt: C3 does not match (wrong key or tampered ciphertext)");
    }
    return plaintext;
  });
}

namespace reference {

Result<Signature> sign_digest_with_nonce(const PrivateKey& key, const Hash256& digest, ByteView k) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 sign", key.type());
  if (k.size() != 32 || !sm2_curve::in_range_1_to(k, sm2_curve::kNMinus1)) {
    return Error(ErrorCode::kInvalidArgument, "SM2 sign: the nonce must be 32 bytes in [1, n-1]");
  }
  return guarded("SM2 sign", [&]() -> Result<Signature> {
    auto signature = sign_with_nonce(to_integer(key.secret()), to_integer(digest), to_integer(k));
    if (!signature) {
      return Error(ErrorCode::kInvalidArgument, "SM2 sign: this nonce gives r = 0, r + k = n or s = 0");
    }
    return *signature;
  });
}

}  // namespace reference

namespace testing {

Result<Signature> sign_digest_with_nonce(const PrivateKey& key, const Hash256& digest, ByteView k) {
  if (key.type() != KeyType::kSm2) return wrong_key_type("SM2 sign", key.type());
  try {
    TRESTLE_TRY(sm2fast::SigningKey signing_key, sm2fast::SigningKey::from_bytes(key.secret()));
    return signing_key.sign_digest_with_nonce(digest, k);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("SM2 sign: ") + e.what());
  }
}

}  // namespace testing
}  // namespace trestle::crypto::sm2
