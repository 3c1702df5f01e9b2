// The dedicated SM2 signatures (libs/crypto/src/sm2fast) against OpenSSL 3 and Crypto++: the
// GB/T 32918.5 example, nonces, edge cases of r, s and k, verification of tampered and invalid
// input, key decoding, the key table cache and batch verification. sm2_fast_test.cpp covers the
// arithmetic.

#include "sm2_fast_test_util.hpp"

namespace trestle::crypto::sm2fast {
namespace {

using namespace test_util;

TEST_CASE("sm2fast: the GB/T 32918.5 signature example with its fixed k", "[sm2fast]") {
  const auto d = fixed_from_hex<32>("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
  const auto k = fixed_from_hex<32>("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21");
  const auto want_r = fixed_from_hex<32>("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
  const auto want_s = fixed_from_hex<32>("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
  const auto want_x = fixed_from_hex<32>("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020");
  const auto want_e = fixed_from_hex<32>("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640");
  REQUIRE((d.ok() && k.ok() && want_r.ok() && want_s.ok() && want_x.ok() && want_e.ok()));
  auto key = SigningKey::from_bytes(d.value());
  REQUIRE(key.ok());
  CHECK(Hash256::copy_of(ByteView(key->public_key()).first(32)) == want_x.value());
  const Hash256 e = sm2_digest(key->public_key(), "1234567812345678", as_bytes("message digest"));
  REQUIRE(e == want_e.value());
  auto sig = key->sign_digest_with_nonce(e, k.value());
  REQUIRE(sig.ok());
  CHECK(Hash256(sig->r) == want_r.value());
  CHECK(Hash256(sig->s) == want_s.value());
  CHECK(verify_digest(key->public_key(), e, sig.value()));
  CHECK(openssl_verify_message(openssl_key(key->public_key(), nullptr).get(), as_bytes("message digest"),
                               "1234567812345678", sig.value()));
}

TEST_CASE("sm2fast: our signatures verify in OpenSSL and Crypto++, OpenSSL's verify here", "[sm2fast]") {
  Rng rng;
  const int count = iterations(1500, 100'000);
  int cross_checked = 0;
  for (int i = 0; i < count; ++i) {
    const Bytes32 d = be_of(int_be(rng.bytes32().data()) % (kNInt - 2) + 1);
    auto key = SigningKey::from_bytes(d);
    REQUIRE(key.ok());
    const Bytes message = rng.bytes(static_cast<std::size_t>(rng.gen() % 100));
    const Hash256 e = sm2_digest(key->public_key(), "1234567812345678", message);
    const EvpPkeyPtr ossl = openssl_key(key->public_key(), &d);
    auto ours = key->sign_digest(e, i % 2 == 0 ? NonceMode::kDeterministic : NonceMode::kRandom);
    REQUIRE(ours.ok());
    INFO("iteration " << i);
    REQUIRE(openssl_verify_digest(ossl.get(), e, ours.value()));
    const sm2::Signature theirs = openssl_sign_digest(ossl.get(), e);
    REQUIRE(verify_digest(key->public_key(), e, theirs));
    if (i % 16 == 0) {
      // Slower, independent checks on a sample: the message-level API with Z_A, the equation in
      // Crypto++ integers, and the deterministic nonce recomputed from RFC 6979 on OpenSSL's HMAC.
      REQUIRE(openssl_verify_message(ossl.get(), message, "1234567812345678", ours.value()));
      REQUIRE(cryptopp_verify(key->public_key(), e, ours.value()));
      auto det = key->sign_digest(e);
      REQUIRE(det.ok());
      const Integer k = rfc6979_first_k(d, e);
      const Integer r = (int_be(e.data()) + curve().ScalarMultiply(g_point(), k).x) % kNInt;
      REQUIRE(int_be(det->r.data()) == r);
      ++cross_checked;
    }
  }
  CHECK(cross_checked == (count + 15) / 16);
}

TEST_CASE("sm2fast: deterministic nonces repeat, random nonces do not", "[sm2fast]") {
  Rng rng;
  auto key = SigningKey::from_bytes(rng.bytes32());
  REQUIRE(key.ok());
  const Hash256 e = hash_of(rng.bytes32());
  auto a = key->sign_digest(e);
  auto b = key->sign_digest(e);
  auto c = key->sign_digest(e, NonceMode::kRandom);
  auto d = key->sign_digest(e, NonceMode::kRandom);
  REQUIRE((a.ok() && b.ok() && c.ok() && d.ok()));
  CHECK(a.value() == b.value());
  CHECK(c.value() != d.value());
  CHECK(c.value() != a.value());
  auto one_shot = sign_digest(rng.bytes32(), e);
  CHECK(one_shot.ok());
  CHECK_FALSE(sign_digest(Bytes(32, 0), e).ok());
}

TEST_CASE("sm2fast: nonces k = 1, 2, n-1, n-2 sign correctly; out-of-range k is refused", "[sm2fast]") {
  Rng rng;
  const Bytes32 d = rng.bytes32();
  auto key = SigningKey::from_bytes(d);
  REQUIRE(key.ok());
  const Hash256 e = hash_of(rng.bytes32());
  for (const Integer& k : {Integer::One(), Integer::Two(), kNInt - 1, kNInt - 2}) {
    auto sig = key->sign_digest_with_nonce(e, be_of(k));
    REQUIRE(sig.ok());
    const Integer r = (int_be(e.data()) + curve().ScalarMultiply(g_point(), k).x) % kNInt;
    CHECK(int_be(sig->r.data()) == r);
    CHECK(cryptopp_verify(key->public_key(), e, sig.value()));
    CHECK(verify_digest(key->public_key(), e, sig.value()));
  }
  for (const Integer& k : {Integer::Zero(), kNInt, kNInt + 1, kR - 1}) {
    CHECK_FALSE(key->sign_digest_with_nonce(e, be_of(k)).ok());
  }
  CHECK_FALSE(key->sign_digest_with_nonce(e, Bytes(31, 1)).ok());
}

TEST_CASE("sm2fast: a k giving r = 0, r + k = n or s = 0 is refused", "[sm2fast]") {
  Rng rng;
  const Integer d = int_be(rng.bytes32().data()) % (kNInt - 2) + 1;
  auto key = SigningKey::from_bytes(be_of(d));
  REQUIRE(key.ok());
  const Integer k = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
  const Integer x1 = curve().ScalarMultiply(g_point(), k).x % kNInt;
  // e chosen so that r = (e + x1) mod n is 0, n - k, and k / d (which makes k - r d = 0).
  for (const Integer& r : {Integer::Zero(), kNInt - k, k * d.InverseMod(kNInt) % kNInt}) {
    const Hash256 e = Hash256(be_of((r - x1 + kNInt) % kNInt));
    CHECK_FALSE(key->sign_digest_with_nonce(e, be_of(k)).ok());
  }
  // The same k with another digest is fine.
  CHECK(key->sign_digest_with_nonce(Hash256(be_of((5 - x1 + kNInt) % kNInt)), be_of(k)).ok());
}

TEST_CASE("sm2fast: verification rejects r, s out of range and tampered inputs", "[sm2fast]") {
  Rng rng;
  auto key = SigningKey::from_bytes(rng.bytes32());
  REQUIRE(key.ok());
  const Hash256 e = hash_of(rng.bytes32());
  auto signed_ok = key->sign_digest(e);
  REQUIRE(signed_ok.ok());
  const sm2::Signature good = signed_ok.value();
  REQUIRE(verify_digest(key->public_key(), e, good));
  for (const Integer& bad : {Integer::Zero(), kNInt, kNInt + 1, kR - 1}) {
    sm2::Signature sig = good;
    sig.r = be_of(bad);
    CHECK_FALSE(verify_digest(key->public_key(), e, sig));
    sig = good;
    sig.s = be_of(bad);
    CHECK_FALSE(verify_digest(key->public_key(), e, sig));
  }
  // r + s = n makes t = 0.
  sm2::Signature sig = good;
  sig.s = be_of(kNInt - int_be(good.r.data()));
  CHECK_FALSE(verify_digest(key->public_key(), e, sig));
  for (int bit = 0; bit < 256; bit += 37) {
    Hash256 e2 = e;
    e2[static_cast<std::size_t>(bit / 8)] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    CHECK_FALSE(verify_digest(key->public_key(), e2, good));
    sig = good;
    sig.r[static_cast<std::size_t>(bit / 8)] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    CHECK_FALSE(verify_digest(key->public_key(), e, sig));
    sig = good;
    sig.s[static_cast<std::size_t>(bit / 8)] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    CHECK_FALSE(verify_digest(key->public_key(), e, sig));
  }
  // The same signature under another key.
  auto other = SigningKey::from_bytes(rng.bytes32());
  REQUIRE(other.ok());
  CHECK_FALSE(verify_digest(other->public_key(), e, good));
}

TEST_CASE("sm2fast: verification where s*G = -t*P (sum at infinity) is false", "[sm2fast]") {
  Rng rng;
  for (int i = 0; i < 8; ++i) {
    const Integer d = int_be(rng.bytes32().data()) % (kNInt - 2) + 1;
    auto key = SigningKey::from_bytes(be_of(d));
    REQUIRE(key.ok());
    // s + (r + s) d = 0 mod n  <=>  s = -r d (1 + d)^-1.
    const Integer r = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
    const Integer s = (kNInt - r * d % kNInt) * (d + 1).InverseMod(kNInt) % kNInt;
    sm2::Signature sig;
    sig.r = be_of(r);
    sig.s = be_of(s);
    const Sc t = sc_of((r + s) % kNInt);
    Aff p;
    p.x = fe_to_mont(limbs_from_be(key->public_key().data()));
    p.y = fe_to_mont(limbs_from_be(key->public_key().data() + 32));
    REQUIRE(jac_is_infinity_var(mul_double_var(sc_of(s), t, p, nullptr)));
    CHECK_FALSE(verify_digest(key->public_key(), hash_of(rng.bytes32()), sig));
    CHECK_FALSE(cryptopp_verify(key->public_key(), hash_of(rng.bytes32()), sig));
  }
}

TEST_CASE("sm2fast: verification where x1 >= n (the x1 = (r - e) mod n + n comparison)", "[sm2fast]") {
  // Points with x in [n, p) are about 2^-129 of all, so build a signature around one: take such
  // a point Q, any r and s, and the public key P = (r + s)^-1 (Q - sG), so that sG + tP = Q; with
  // e = (r - x_Q) mod n the equation r = (e + x_Q) mod n holds. Nobody knows P's private key,
  // but verification does not need it.
  Integer x = kNInt;
  Integer y;
  for (;; ++x) {
    const Integer rhs = ((x * x % kPInt * x - 3 * x + kBInt) % kPInt + kPInt) % kPInt;
    if (CryptoPP::Jacobi(rhs, kPInt) == 1) {
      y = CryptoPP::ModularSquareRoot(rhs, kPInt);
      break;
    }
  }
  const ECPPoint q(x, y);
  REQUIRE(curve().VerifyPoint(q));
  Rng rng;
  const Integer r = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
  const Integer s = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
  const Integer t_inv = ((r + s) % kNInt).InverseMod(kNInt);
  const ECPPoint p = curve().ScalarMultiply(curve().Subtract(q, curve().ScalarMultiply(g_point(), s)), t_inv);
  const Point64 pub = xy_of(p);
  const Hash256 e = Hash256(be_of(((r - x) % kNInt + kNInt) % kNInt));
  sm2::Signature sig;
  sig.r = be_of(r);
  sig.s = be_of(s);
  REQUIRE(cryptopp_verify(pub, e, sig));
  CHECK(verify_digest(pub, e, sig));
  CHECK(openssl_verify_digest(openssl_key(pub, nullptr).get(), e, sig));
  const Hash256 e_off = Hash256(be_of(((r - x + 1) % kNInt + kNInt) % kNInt));
  CHECK_FALSE(verify_digest(pub, e_off, sig));
}

// ---------- keys ----------

TEST_CASE("sm2fast: decode_point accepts every encoding of valid points", "[sm2fast]") {
  Rng rng;
  for (int i = 0; i < iterations(50, 1000); ++i) {
    const Integer d = int_be(rng.bytes32().data()) % (kNInt - 2) + 1;
    const ECPPoint p = curve().ScalarMultiply(g_point(), d);
    const Point64 xy = xy_of(p);
    Bytes uncompressed = {0x04};
    append(uncompressed, xy);
    Bytes compressed = {static_cast<std::uint8_t>(p.y.IsOdd() ? 0x03 : 0x02)};
    append(compressed, ByteView(xy).first(32));
    for (const Bytes& encoded : {uncompressed, to_bytes(xy), compressed}) {
      auto decoded = decode_point(encoded);
      REQUIRE(decoded.ok());
      REQUIRE(decoded.value() == xy);
    }
    CHECK(point_valid(xy));
  }
}

TEST_CASE("sm2fast: invalid public keys are rejected by decoding and by verification", "[sm2fast]") {
  Rng rng;
  auto key = SigningKey::from_bytes(rng.bytes32());
  REQUIRE(key.ok());
  const Hash256 e = hash_of(rng.bytes32());
  auto sig = key->sign_digest(e);
  REQUIRE(sig.ok());
  const Point64 good = key->public_key();

  std::vector<Point64> bad_keys;
  Point64 off_curve = good;
  off_curve[63] ^= 1;
  bad_keys.push_back(off_curve);
  bad_keys.push_back(Point64{});  // (0, 0): not on the curve (b != 0)
  Point64 x_is_p = good;
  std::copy_n(be_of(kPInt).begin(), 32, x_is_p.begin());
  bad_keys.push_back(x_is_p);
  // (x + p, y) for an x below 2^256 - p: the same residue, but not a canonical encoding.
  Point64 all_ones;
  all_ones.fill(0xFF);
  bad_keys.push_back(all_ones);
  for (const Point64& bad : bad_keys) {
    CHECK_FALSE(point_valid(bad));
    CHECK_FALSE(verify_digest(bad, e, sig.value()));
    Bytes encoded = {0x04};
    append(encoded, bad);
    CHECK_FALSE(decode_point(encoded).ok());
  }
  // Malformed encodings.
  Bytes wrong_prefix = {0x05};
  append(wrong_prefix, good);
  CHECK_FALSE(decode_point(wrong_prefix).ok());
  CHECK_FALSE(decode_point(Bytes{}).ok());
  CHECK_FALSE(decode_point(Bytes(1, 0x00)).ok());
  CHECK_FALSE(decode_point(Bytes(66, 0x04)).ok());
  CHECK_FALSE(decode_point(ByteView(good).first(63)).ok());
  Bytes compressed_bad_x = {0x02};
  append(compressed_bad_x, be_of(kPInt));
  CHECK_FALSE(decode_point(compressed_bad_x).ok());
  // An x with no point: x^3 - 3x + b a non-square. Search deterministically.
  int non_squares = 0;
  for (int x = 0; x < 40; ++x) {
    const Integer rhs = ((Integer(x) * x * x - 3 * x + kBInt) % kPInt + kPInt) % kPInt;
    if (CryptoPP::Jacobi(rhs, kPInt) != -1) continue;
    Bytes enc = {0x03};
    append(enc, be_of(Integer(x)));
    CHECK_FALSE(decode_point(enc).ok());
    ++non_squares;
  }
  CHECK(non_squares > 5);
}

TEST_CASE("sm2fast: the points with x = 0 decode, multiply and verify", "[sm2fast]") {
  // b is a square mod p, so (0, +-sqrt(b)) are on the curve (no point has y = 0: the order n is
  // odd). Use each as a public key with a signature built around it: for any r, s the point
  // Q = sG + (r + s)P gives e = (r - x_Q) mod n.
  REQUIRE(CryptoPP::Jacobi(kBInt, kPInt) == 1);
  const Integer y = CryptoPP::ModularSquareRoot(kBInt, kPInt);
  Rng rng;
  for (const Integer& yy : {y, kPInt - y}) {
    const ECPPoint p(Integer::Zero(), yy);
    REQUIRE(curve().VerifyPoint(p));
    const Point64 xy = xy_of(p);
    Bytes compressed = {static_cast<std::uint8_t>(yy.IsOdd() ? 0x03 : 0x02)};
    append(compressed, Bytes(32, 0));
    auto decoded = decode_point(compressed);
    REQUIRE(decoded.ok());
    CHECK(decoded.value() == xy);
    const Integer r = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
    const Integer s = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
    const ECPPoint q = curve().Add(curve().ScalarMultiply(g_point(), s), curve().ScalarMultiply(p, (r + s) % kNInt));
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of((r + s) % kNInt), aff_of(p), nullptr)) == q);
    sm2::Signature sig;
    sig.r = be_of(r);
    sig.s = be_of(s);
    const Hash256 e = Hash256(be_of(((r - q.x) % kNInt + kNInt) % kNInt));
    REQUIRE(cryptopp_verify(xy, e, sig));
    CHECK(verify_digest(xy, e, sig));
    CHECK(openssl_verify_digest(openssl_key(xy, nullptr).get(), e, sig));
  }
}

// ---------- cache and batch ----------

TEST_CASE("sm2fast: key table cache admits on the second use, hits, and evicts by bytes", "[sm2fast]") {
  Rng rng;
  KeyTableCacheOptions options;
  options.wnaf_width = 6;  // 4 KiB per key
  options.bytes_max = 2 * 4 * 16 * sizeof(Aff);
  options.uses_before_table = 2;
  KeyTableCache cache(options);
  std::vector<SigningKey> keys;
  std::vector<Hash256> digests;
  std::vector<sm2::Signature> sigs;
  for (int i = 0; i < 3; ++i) {
    auto key = SigningKey::from_bytes(rng.bytes32());
    REQUIRE(key.ok());
    digests.push_back(hash_of(rng.bytes32()));
    auto sig = key->sign_digest(digests.back());
    REQUIRE(sig.ok());
    sigs.push_back(sig.value());
    keys.push_back(std::move(key.value()));
  }
  CHECK(verify_digest(keys[0].public_key(), digests[0], sigs[0], &cache));
  CHECK(cache.stats().builds == 0);
  CHECK(verify_digest(keys[0].public_key(), digests[0], sigs[0], &cache));
  CHECK(cache.stats().builds == 1);
  CHECK(verify_digest(keys[0].public_key(), digests[0], sigs[0], &cache));
  CHECK(cache.stats().hits == 1);
  // A cached key must still reject a bad signature.
  CHECK_FALSE(verify_digest(keys[0].public_key(), digests[1], sigs[0], &cache));
  for (int i = 1; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) CHECK(verify_digest(keys[i].public_key(), digests[i], sigs[i], &cache));
  }
  const KeyTableCacheStats stats = cache.stats();
  CHECK(stats.builds == 3);
  CHECK(stats.tables == 2);
  CHECK(stats.evictions == 1);
  CHECK(stats.bytes <= options.bytes_max);
  // Disabled cache: never builds.
  KeyTableCacheOptions off;
  off.bytes_max = 0;
  KeyTableCache disabled(off);
  for (int j = 0; j < 3; ++j) CHECK(verify_digest(keys[0].public_key(), digests[0], sigs[0], &disabled));
  CHECK(disabled.stats().builds == 0);
}

TEST_CASE("sm2fast: batch verification matches one-by-one results on 1, 2 and 4 threads", "[sm2fast]") {
  Rng rng;
  std::vector<SigningKey> keys;
  for (int i = 0; i < 6; ++i) {
    auto key = SigningKey::from_bytes(rng.bytes32());
    REQUIRE(key.ok());
    keys.push_back(std::move(key.value()));
  }
  std::vector<VerifyItem> items;
  std::vector<std::uint8_t> expected;
  for (int i = 0; i < 300; ++i) {
    const SigningKey& key = keys[static_cast<std::size_t>(i) % keys.size()];
    VerifyItem item;
    item.public_key = key.public_key();
    item.digest = hash_of(rng.bytes32());
    auto sig = key.sign_digest(item.digest);
    REQUIRE(sig.ok());
    item.signature = sig.value();
    if (i % 7 == 3) item.digest[0] ^= 1;
    if (i % 11 == 5) item.signature.s = be_of(kNInt);
    if (i % 13 == 6) item.public_key[10] ^= 0x40;
    expected.push_back(verify_digest(item.public_key, item.digest, item.signature) ? 1 : 0);
    items.push_back(item);
  }
  for (unsigned threads : {1u, 2u, 4u}) {
    BatchVerifier verifier(threads);
    KeyTableCache cache;
    std::vector<std::uint8_t> results(items.size(), 7);
    verifier.verify(items, results, &cache);
    CHECK(results == expected);
    std::fill(results.begin(), results.end(), 7);
    verifier.verify(items, results);  // the pool is reusable
    CHECK(results == expected);
    CHECK(cache.stats().hits > 0);
  }
  CHECK(verify_batch(std::span<const VerifyItem>(items).first(5), 2) ==
        std::vector<std::uint8_t>(expected.begin(), expected.begin() + 5));
  CHECK(verify_batch({}, 2).empty());
}

}  // namespace
}  // namespace trestle::crypto::sm2fast
