// secp256k1 ECDSA: differential tests against libsecp256k1 used directly and OpenSSL 3's EVP
// ECDSA, RFC 6979 vectors, recovery, and the malleability and range rules.

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/secp256k1.hpp"

using namespace trestle;
using namespace trestle::crypto;

namespace {

constexpr std::string_view kOrderHex = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

Bytes hex(std::string_view text) { return from_hex(text).value(); }

// n - s for a 32-byte big-endian s < n: the other, high-S form of the same signature.
Bytes order_minus(ByteView s) {
  const Bytes n = hex(kOrderHex);
  Bytes out(32);
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[static_cast<std::size_t>(i)] - s[static_cast<std::size_t>(i)] - borrow;
    borrow = d < 0 ? 1 : 0;
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + 256 * borrow);
  }
  return out;
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out = to_bytes(a);
  append(out, b);
  return out;
}

Hash256 random_digest(std::mt19937_64& rng) {
  Hash256 digest;
  for (auto& b : digest) b = static_cast<std::uint8_t>(rng());
  return digest;
}

Hash256 openssl_sha256(std::string_view text) {
  Hash256 digest;
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
  return digest;
}

const secp256k1_context* reference_context() {
  static secp256k1_context* const ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return ctx;
}

bool libsecp_verify(const PublicKey& key, const Hash256& digest, ByteView rs) {
  secp256k1_pubkey pub;
  const Bytes point = key.uncompressed();
  REQUIRE(secp256k1_ec_pubkey_parse(reference_context(), &pub, point.data(), point.size()) == 1);
  secp256k1_ecdsa_signature sig;
  if (secp256k1_ecdsa_signature_parse_compact(reference_context(), &sig, rs.data()) != 1) return false;
  return secp256k1_ecdsa_verify(reference_context(), &sig, digest.data(), &pub) == 1;
}

// An OpenSSL EC key on secp256k1 holding the public point and, if given, the private scalar.
struct EvpKey {
  EVP_PKEY* pkey = nullptr;
  EvpKey(const PublicKey& pub, const PrivateKey* priv) {
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    const Bytes point = pub.uncompressed();
    REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "secp256k1", 0) == 1);
    REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1);
    BIGNUM* d = nullptr;
    if (priv != nullptr) {
      d = BN_bin2bn(priv->secret().data(), 32, nullptr);
      REQUIRE(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1);
    }
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
    REQUIRE(EVP_PKEY_fromdata(ctx, &pkey, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
  }
  ~EvpKey() { EVP_PKEY_free(pkey); }
  EvpKey(const EvpKey&) = delete;
  EvpKey& operator=(const EvpKey&) = delete;

  bool verify(const Hash256& digest, ByteView der) const {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    REQUIRE(EVP_PKEY_verify_init(ctx) == 1);
    const int rc = EVP_PKEY_verify(ctx, der.data(), der.size(), digest.data(), digest.size());
    EVP_PKEY_CTX_free(ctx);
    return rc == 1;
  }

  Bytes sign(const Hash256& digest) const {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
    REQUIRE(EVP_PKEY_sign_init(ctx) == 1);
    std::size_t size = 0;
    REQUIRE(EVP_PKEY_sign(ctx, nullptr, &size, digest.data(), digest.size()) == 1);
    Bytes der(size);
    REQUIRE(EVP_PKEY_sign(ctx, der.data(), &size, digest.data(), digest.size()) == 1);
    der.resize(size);
    EVP_PKEY_CTX_free(ctx);
    return der;
  }
};

// r || s of an OpenSSL DER signature.
Bytes openssl_der_to_rs(ByteView der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(sig != nullptr);
  Bytes rs(64);
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs.data(), 32) == 32);
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs.data() + 32, 32) == 32);
  ECDSA_SIG_free(sig);
  return rs;
}

PrivateKey key_from_hex(std::string_view d) { return PrivateKey::from_bytes(KeyType::kSecp256k1, hex(d)).value(); }

}  // namespace

TEST_CASE("secp256k1: signatures cross-check with libsecp256k1 and OpenSSL both ways, 200 random keys",
          "[secp256k1][openssl]") {
  std::mt19937_64 rng(0x5ec9256);
  int openssl_high_s = 0;
  for (int i = 0; i < 200; ++i) {
    const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Hash256 digest = random_digest(rng);
    const EvpKey evp(key.public_key(), &key);

    // Signed here: verified by libsecp256k1 directly and by OpenSSL.
    auto sig = secp256k1::sign_digest(key, digest);
    REQUIRE(sig.ok());
    CHECK(sig->v() <= 1);
    CHECK(libsecp_verify(key.public_key(), digest, sig->rs()));
    CHECK(evp.verify(digest, sig->to_der()));
    CHECK(secp256k1::verify_digest(key.public_key(), digest, sig->rs()));
    CHECK(secp256k1::verify_digest(key.public_key(), digest, sig->bytes));
    CHECK(secp256k1::verify_digest_der(key.public_key(), digest, sig->to_der()));
    auto recovered = secp256k1::recover(digest, sig->bytes);
    REQUIRE(recovered.ok());
    CHECK(recovered.value() == key.public_key());

    // Signed by OpenSSL (random nonce, s in either half): accepted here once normalized to low-S.
    const Bytes openssl_der = evp.sign(digest);
    Bytes rs = openssl_der_to_rs(openssl_der);
    secp256k1_ecdsa_signature parsed;
    REQUIRE(secp256k1_ecdsa_signature_parse_compact(reference_context(), &parsed, rs.data()) == 1);
    const bool was_high = secp256k1_ecdsa_signature_normalize(reference_context(), &parsed, &parsed) == 1;
    openssl_high_s += was_high ? 1 : 0;
    CHECK(secp256k1::verify_digest_der(key.public_key(), digest, openssl_der) == !was_high);
    CHECK(secp256k1::verify_digest(key.public_key(), digest, rs) == !was_high);
    Bytes low(64);
    secp256k1_ecdsa_signature_serialize_compact(reference_context(), low.data(), &parsed);
    CHECK(secp256k1::verify_digest(key.public_key(), digest, low));
    CHECK_FALSE(secp256k1::verify_digest(key.public_key(), random_digest(rng), low));
  }
  // Both halves occurred, so the high-S branch above was exercised (fails with probability 2^-199).
  CHECK(openssl_high_s > 0);
  CHECK(openssl_high_s < 200);
}

TEST_CASE("secp256k1: signing is deterministic and equals libsecp256k1's RFC 6979 signer", "[secp256k1]") {
  std::mt19937_64 rng(6979);
  for (int i = 0; i < 20; ++i) {
    const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Hash256 digest = random_digest(rng);
    const auto first = secp256k1::sign_digest(key, digest).value();
    const auto second = secp256k1::sign_digest(key, digest).value();
    CHECK(first.bytes == second.bytes);
    CHECK(first.bytes != secp256k1::sign_digest(key, random_digest(rng)).value().bytes);

    secp256k1_ecdsa_recoverable_signature reference;
    REQUIRE(secp256k1_ecdsa_sign_recoverable(reference_context(), &reference, digest.data(), key.secret().data(),
                                             nullptr, nullptr) == 1);
    Bytes expected(65);
    int recid = -1;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(reference_context(), expected.data(), &recid, &reference);
    expected[64] = static_cast<std::uint8_t>(recid);
    CHECK(to_bytes(first.bytes) == expected);
  }
}

TEST_CASE("secp256k1: RFC 6979 vectors with SHA-256 (confirmed against Crypto++'s ECDSA_RFC6979)", "[secp256k1]") {
  struct Vector {
    std::string_view d;
    std::string_view message;
    std::string_view rs;
  };
  const Vector vectors[] = {
      {"0000000000000000000000000000000000000000000000000000000000000001", "Satoshi Nakamoto",
       "934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
       "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"},
      {"0000000000000000000000000000000000000000000000000000000000000001",
       "All those moments will be lost in time, like tears in rain. Time to die...",
       "8600dbd41e348fe5c9465ab92d23e3db8b98b873beecd930736488696438cb6b"
       "547fe64427496db33bf66019dacbf0039c04199abb0122918601db38a72cfc21"},
      {"f8b8af8ce3c7cca5e300d33939540c10d45ce001b8f252bfbc57ba0342904181", "Alan Turing",
       "7063ae83e7f62bbb171798131b4a0564b956930092b33b07b395615d9ec7e15c"
       "58dfcc1e00a35e1572f366ffe34ba0fc47db1e7189759b9fb233c5b05ab388ea"},
      {"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", "Satoshi Nakamoto",
       "fd567d121db66e382991534ada77a6bd3106f0a1098c231e47993447cd6af2d0"
       "6b39cd0eb1bc8603e159ef5c20a5c8ad685a45b06ce9bebed3f153d10d93bed5"},
  };
  for (const Vector& v : vectors) {
    INFO(v.message);
    const PrivateKey key = key_from_hex(v.d);
    const Hash256 digest = openssl_sha256(v.message);
    const auto sig = secp256k1::sign_digest(key, digest).value();
    CHECK(to_hex(sig.rs()) == v.rs);
    CHECK(libsecp_verify(key.public_key(), digest, hex(v.rs)));
    CHECK(secp256k1::recover(digest, sig.bytes).value() == key.public_key());
  }
  // The public key of d = 1 is the generator.
  CHECK(to_hex(key_from_hex(vectors[0].d).public_key().compressed()) ==
        "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
}

TEST_CASE("secp256k1: recovery returns the signer for its v and never for the flipped v", "[secp256k1]") {
  std::mt19937_64 rng(0xeccc);
  int seen_v[2] = {0, 0};
  for (int i = 0; i < 64; ++i) {
    const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Hash256 digest = random_digest(rng);
    auto sig = secp256k1::sign_digest(key, digest).value();
    ++seen_v[sig.v()];
    CHECK(secp256k1::recover(digest, sig.bytes).value() == key.public_key());

    Bytes flipped = to_bytes(sig.bytes);
    flipped[64] ^= 1;
    auto other = secp256k1::recover(digest, flipped);
    if (other.ok()) CHECK(other.value() != key.public_key());
    // The 65-byte form pins v: the flipped one does not verify, though r||s alone does.
    CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, flipped));
    CHECK(secp256k1::verify_digest(key.public_key(), digest, ByteView(flipped).first(64)));
    // Another digest recovers another key.
    auto wrong = secp256k1::recover(random_digest(rng), sig.bytes);
    if (wrong.ok()) CHECK(wrong.value() != key.public_key());
  }
  CHECK(seen_v[0] > 0);
  CHECK(seen_v[1] > 0);
}

TEST_CASE("secp256k1: the high-S twin of a valid signature is rejected everywhere", "[secp256k1]") {
  std::mt19937_64 rng(0x415);
  for (int i = 0; i < 32; ++i) {
    const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Hash256 digest = random_digest(rng);
    const auto sig = secp256k1::sign_digest(key, digest).value();
    const Bytes high_s = order_minus(sig.rs().last(32));
    Bytes rs = concat(sig.rs().first(32), high_s);
    // The twin is mathematically valid: OpenSSL accepts it.
    const EvpKey evp(key.public_key(), nullptr);
    Bytes der;
    {
      ECDSA_SIG* es = ECDSA_SIG_new();
      REQUIRE(ECDSA_SIG_set0(es, BN_bin2bn(rs.data(), 32, nullptr), BN_bin2bn(rs.data() + 32, 32, nullptr)) == 1);
      unsigned char* out = nullptr;
      const int size = i2d_ECDSA_SIG(es, &out);
      der.assign(out, out + size);
      OPENSSL_free(out);
      ECDSA_SIG_free(es);
    }
    CHECK(evp.verify(digest, der));
    CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, rs));
    CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, der));
    for (std::uint8_t v : {0, 1}) {
      Bytes rsv = rs;
      rsv.push_back(v);
      CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, rsv));
      CHECK_FALSE(secp256k1::recover(digest, rsv).ok());
    }
  }
}

TEST_CASE("secp256k1: r or s equal to zero or at least n is rejected", "[secp256k1]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
  const Hash256 digest = openssl_sha256("range");
  const auto sig = secp256k1::sign_digest(key, digest).value();
  const Bytes r = to_bytes(sig.rs().first(32));
  const Bytes s = to_bytes(sig.rs().last(32));
  const Bytes zero(32, 0);
  const std::vector<Bytes> bad_values = {
      zero,
      hex(kOrderHex),
      hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142"),
      hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
  };
  for (const Bytes& bad : bad_values) {
    INFO(to_hex(bad));
    for (const Bytes& rs : {concat(bad, s), concat(r, bad)}) {
      CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, rs));
      Bytes rsv = rs;
      rsv.push_back(sig.v());
      CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, rsv));
      auto recovered = secp256k1::recover(digest, rsv);
      REQUIRE_FALSE(recovered.ok());
      CHECK(recovered.error().code() == ErrorCode::kInvalidArgument);
    }
  }
  CHECK(secp256k1::verify_digest(key.public_key(), digest, sig.bytes));
}

TEST_CASE("secp256k1: malformed lengths, recovery ids and key types are rejected", "[secp256k1]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
  const Hash256 digest = openssl_sha256("lengths");
  const auto sig = secp256k1::sign_digest(key, digest).value();
  const Bytes good = to_bytes(sig.bytes);
  for (std::size_t size : {0u, 1u, 32u, 63u, 66u, 128u}) {
    Bytes wrong = good;
    wrong.resize(size, 0);
    CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, wrong));
    CHECK_FALSE(secp256k1::recover(digest, wrong).ok());
    CHECK_FALSE(secp256k1::RecoverableSignature::from_bytes(wrong).ok());
  }
  CHECK_FALSE(secp256k1::recover(digest, ByteView(good).first(64)).ok());
  for (std::uint8_t v : {2, 3, 27, 28, 255}) {
    Bytes wrong = good;
    wrong[64] = v;
    CHECK_FALSE(secp256k1::verify_digest(key.public_key(), digest, wrong));
    auto recovered = secp256k1::recover(digest, wrong);
    REQUIRE_FALSE(recovered.ok());
    CHECK(recovered.error().message().find("recovery id") != std::string::npos);
    CHECK_FALSE(secp256k1::RecoverableSignature::from_bytes(wrong).ok());
  }
  auto parsed = secp256k1::RecoverableSignature::from_bytes(good);
  REQUIRE(parsed.ok());
  CHECK(parsed->bytes == sig.bytes);

  // SM2 keys are refused for signing and never verify.
  const PrivateKey sm2_key = PrivateKey::generate(KeyType::kSm2).value();
  auto refused = secp256k1::sign_digest(sm2_key, digest);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(secp256k1::verify_digest(sm2_key.public_key(), digest, good));
  CHECK_FALSE(secp256k1::verify_digest(sm2_key.public_key(), digest, ByteView(good).first(64)));
  CHECK_FALSE(secp256k1::verify_digest_der(sm2_key.public_key(), digest, sig.to_der()));
  // Another key does not verify.
  const PrivateKey other = PrivateKey::generate(KeyType::kSecp256k1).value();
  CHECK_FALSE(secp256k1::verify_digest(other.public_key(), digest, good));
  CHECK_FALSE(secp256k1::verify_digest(other.public_key(), digest, ByteView(good).first(64)));
}

TEST_CASE("secp256k1: DER signatures must be strict", "[secp256k1]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
  const Hash256 digest = openssl_sha256("der");
  const auto sig = secp256k1::sign_digest(key, digest).value();
  const Bytes der = sig.to_der();
  REQUIRE(secp256k1::verify_digest_der(key.public_key(), digest, der));
  CHECK(der[0] == 0x30);
  CHECK(der.size() == 2u + der[1]);

  // Trailing byte.
  Bytes trailing = der;
  trailing.push_back(0);
  CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, trailing));
  // Truncations.
  for (std::size_t n = 0; n < der.size(); ++n) {
    CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, ByteView(der).first(n)));
  }
  // Long-form outer length (BER, not DER).
  Bytes long_form = {0x30, 0x81, der[1]};
  long_form.insert(long_form.end(), der.begin() + 2, der.end());
  CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, long_form));
  // A redundant leading zero on r.
  const ByteView r = sig.rs().first(32);
  const ByteView s = sig.rs().last(32);
  Bytes body;
  Bytes padded_r = {0x00, 0x00};
  padded_r.insert(padded_r.end(), r.begin(), r.end());
  body.push_back(0x02);
  body.push_back(static_cast<std::uint8_t>(padded_r.size()));
  append(body, padded_r);
  body.push_back(0x02);
  body.push_back(0x21);
  body.push_back(0x00);
  append(body, s);
  Bytes padded = {0x30, static_cast<std::uint8_t>(body.size())};
  append(padded, body);
  CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, padded));
  // The raw 64/65-byte form is not DER.
  CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, sig.bytes));
  // Negative r: 32 bytes with the top bit set and no 0x00 in front. (s is low-S, so its top bit
  // is clear and it needs no padding.)
  Bytes negative = {0x30, 0x44, 0x02, 0x20};
  append(negative, r);
  negative[4] |= 0x80;
  const Bytes s_tlv = {0x02, 0x20};
  append(negative, s_tlv);
  append(negative, s);
  CHECK_FALSE(secp256k1::verify_digest_der(key.public_key(), digest, negative));
}

TEST_CASE("secp256k1: DER encoding matches OpenSSL's", "[secp256k1][openssl]") {
  for (int i = 0; i < 20; ++i) {
    const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Hash256 digest = openssl_sha256("der " + std::to_string(i));
    const auto sig = secp256k1::sign_digest(key, digest).value();
    const Bytes der = sig.to_der();
    CHECK(openssl_der_to_rs(der) == to_bytes(sig.rs()));
    const unsigned char* p = der.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(es != nullptr);
    unsigned char* out = nullptr;
    const int size = i2d_ECDSA_SIG(es, &out);
    CHECK(Bytes(out, out + size) == der);
    OPENSSL_free(out);
    ECDSA_SIG_free(es);
  }
}
