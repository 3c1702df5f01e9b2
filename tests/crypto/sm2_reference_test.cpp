// The public SM2 API runs the dedicated arithmetic in libs/crypto/src/sm2fast/; these tests
// hold it to the Crypto++ reference implementation on random and edge inputs.
#include <catch2/catch.hpp>

#include <random>

#include "sm2_curve.hpp"
#include "sm2_reference.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/crypto/sm2.hpp"

using namespace trestle;
using namespace trestle::crypto;

namespace {

Hash256 random_digest(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& b : h) b = static_cast<std::uint8_t>(rng());
  return h;
}

}  // namespace

TEST_CASE("sm2 reference: fast and reference implementations agree on sign and verify", "[sm2][reference]") {
  std::mt19937_64 rng(20261125);
  for (int i = 0; i < 150; ++i) {
    auto key = PrivateKey::generate(KeyType::kSm2);
    REQUIRE(key.ok());
    const Hash256 e = random_digest(rng);

    auto fast = sm2::sign_digest(key.value(), e);
    REQUIRE(fast.ok());
    CHECK(sm2::reference::verify_digest(key.value().public_key(), e, fast.value()));

    auto slow = sm2::reference::sign_digest(key.value(), e);
    REQUIRE(slow.ok());
    CHECK(sm2::verify_digest(key.value().public_key(), e, slow.value()));

    // A tampered signature fails in both.
    sm2::Signature bad = fast.value();
    bad.s[31] ^= 1;
    CHECK_FALSE(sm2::verify_digest(key.value().public_key(), e, bad));
    CHECK_FALSE(sm2::reference::verify_digest(key.value().public_key(), e, bad));
  }
}

TEST_CASE("sm2 reference: deterministic nonces repeat, random nonces do not", "[sm2][reference]") {
  auto key = PrivateKey::generate(KeyType::kSm2);
  REQUIRE(key.ok());
  Hash256 e;
  e[0] = 1;
  auto a = sm2::sign_digest(key.value(), e, sm2::Nonce::kDeterministic);
  auto b = sm2::sign_digest(key.value(), e, sm2::Nonce::kDeterministic);
  auto c = sm2::sign_digest(key.value(), e, sm2::Nonce::kRandom);
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(a.value() == b.value());
  CHECK_FALSE(a.value() == c.value());
  CHECK(sm2::verify_digest(key.value().public_key(), e, c.value()));
}

TEST_CASE("sm2 reference: fixed-nonce signing matches the reference", "[sm2][reference]") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50; ++i) {
    auto key = PrivateKey::generate(KeyType::kSm2);
    REQUIRE(key.ok());
    const Hash256 e = random_digest(rng);
    auto k = random_bytes(32);
    REQUIRE(k.ok());
    auto fast = sm2::testing::sign_digest_with_nonce(key.value(), e, k.value());
    auto slow = sm2::reference::sign_digest_with_nonce(key.value(), e, k.value());
    REQUIRE(fast.ok() == slow.ok());
    if (fast.ok()) CHECK(fast.value() == slow.value());
  }
}

TEST_CASE("sm2 reference: key derivation and point decoding agree", "[sm2][reference][malformed]") {
  std::mt19937_64 rng(99);
  for (int i = 0; i < 100; ++i) {
    auto d = random_bytes(32);
    REQUIRE(d.ok());
    if (!sm2_curve::private_scalar_valid(d.value())) continue;
    const Point64 fast = sm2_curve::derive_public(d.value());
    CHECK(fast == sm2_curve::derive_public_reference(d.value()));

    Bytes uncompressed{0x04};
    uncompressed.insert(uncompressed.end(), fast.begin(), fast.end());
    Bytes compressed{static_cast<std::uint8_t>((fast[63] & 1) ? 0x03 : 0x02)};
    compressed.insert(compressed.end(), fast.begin(), fast.begin() + 32);
    for (const Bytes& encoded : {uncompressed, compressed}) {
      auto a = sm2_curve::decode_point(encoded);
      auto b = sm2_curve::decode_point_reference(encoded);
      REQUIRE((a.ok() && b.ok()));
      CHECK(a.value() == b.value());
    }
    // Random corruptions: both accept or both reject, and agree on the point.
    for (int j = 0; j < 8; ++j) {
      Bytes bad = (j % 2) ? compressed : uncompressed;
      bad[1 + rng() % (bad.size() - 1)] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      if (j == 7) bad[0] ^= 0x40;
      auto a = sm2_curve::decode_point(bad);
      auto b = sm2_curve::decode_point_reference(bad);
      REQUIRE(a.ok() == b.ok());
      if (a.ok()) CHECK(a.value() == b.value());
    }
  }
}

TEST_CASE("sm2 reference: Verifier batches match one-by-one results", "[sm2][reference]") {
  std::mt19937_64 rng(3);
  sm2::Verifier verifier(sm2::VerifierOptions{.threads = 2});
  std::vector<sm2::VerifyRequest> requests;
  std::vector<bool> expected;
  std::vector<PrivateKey> keys;
  for (int i = 0; i < 4; ++i) keys.push_back(PrivateKey::generate(KeyType::kSm2).value());
  auto other = PrivateKey::generate(KeyType::kSecp256k1).value();
  for (int i = 0; i < 200; ++i) {
    const PrivateKey& key = keys[static_cast<std::size_t>(i) % keys.size()];
    const Hash256 e = random_digest(rng);
    sm2::Signature sig = sm2::sign_digest(key, e).value();
    const bool tamper = rng() % 3 == 0;
    if (tamper) sig.r[5] ^= 0x10;
    requests.push_back({key.public_key(), e, sig});
    expected.push_back(!tamper);
  }
  // A secp256k1 key never verifies as SM2.
  requests.push_back({other.public_key(), Hash256{}, sm2::Signature{}});
  expected.push_back(false);

  for (int round = 0; round < 3; ++round) {  // later rounds use the key tables
    CHECK(verifier.verify_batch(requests) == expected);
  }
  for (std::size_t i = 0; i < requests.size(); ++i) {
    CHECK(verifier.verify_digest(requests[i].key, requests[i].digest, requests[i].signature) == expected[i]);
  }
  CHECK(verifier.threads() >= 1);
}
