// PrivateKey and PublicKey on both curves: derivation cross-checked against independent
// implementations (OpenSSL's EC code for SM2, libsecp256k1 for secp256k1), scalar range edges,
// point parsing with malformed input, and wiping on move.

#include "trestle/crypto/keys.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <secp256k1.h>

#include <catch2/catch.hpp>

#include <memory>
#include <random>
#include <set>
#include <string>

#include "trestle/core/hex.hpp"

namespace trestle::crypto {
namespace {

Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  REQUIRE(bytes.ok());
  return bytes.value();
}

// Curve constants, big-endian hex.
const char* const kSm2N = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
const char* const kSm2P = "fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff";
const char* const kSm2G =
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0";
const char* const kSecpN = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
const char* const kSecpP = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
const char* const kSecpG =
    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";

// value + delta for a 32-byte big-endian value, delta in [-255, 255], wrapping mod 2^256.
Bytes add_small(std::string_view value_hex, int delta) {
  Bytes out = hex(value_hex);
  int carry = delta;
  for (std::size_t i = out.size(); i-- > 0 && carry != 0;) {
    const int sum = out[i] + carry;
    out[i] = static_cast<std::uint8_t>(sum & 0xff);
    carry = sum >> 8;  // arithmetic shift: -1 for a borrow
  }
  return out;
}

Bytes scalar_of(std::uint8_t low_byte) {
  Bytes out(32, 0);
  out[31] = low_byte;
  return out;
}

struct OpenSslFree {
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// d * G on SM2's curve by OpenSSL, encoded uncompressed or compressed.
Bytes openssl_sm2_public(ByteView d, bool compressed) {
  OpenSslPtr<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_sm2));
  REQUIRE(group);
  OpenSslPtr<BIGNUM> scalar(BN_bin2bn(d.data(), static_cast<int>(d.size()), nullptr));
  OpenSslPtr<EC_POINT> point(EC_POINT_new(group.get()));
  REQUIRE(EC_POINT_mul(group.get(), point.get(), scalar.get(), nullptr, nullptr, nullptr) == 1);
  const auto form = compressed ? POINT_CONVERSION_COMPRESSED : POINT_CONVERSION_UNCOMPRESSED;
  Bytes out(compressed ? 33 : 65);
  REQUIRE(EC_POINT_point2oct(group.get(), point.get(), form, out.data(), out.size(), nullptr) == out.size());
  return out;
}

const secp256k1_context* secp_context() {
  static secp256k1_context* const context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  return context;
}

// d * G on secp256k1 by libsecp256k1.
Bytes libsecp256k1_public(ByteView d, bool compressed) {
  secp256k1_pubkey key;
  REQUIRE(secp256k1_ec_pubkey_create(secp_context(), &key, d.data()) == 1);
  Bytes out(compressed ? 33 : 65);
  std::size_t size = out.size();
  REQUIRE(secp256k1_ec_pubkey_serialize(secp_context(), out.data(), &size, &key,
                                        compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED) == 1);
  REQUIRE(size == out.size());
  return out;
}

Bytes reference_public(KeyType type, ByteView d, bool compressed) {
  return type == KeyType::kSm2 ? openssl_sm2_public(d, compressed) : libsecp256k1_public(d, compressed);
}

TEST_CASE("keys: key type names", "[keys]") {
  CHECK(key_type_name(KeyType::kSm2) == "sm2");
  CHECK(key_type_name(KeyType::kSecp256k1) == "secp256k1");
}

TEST_CASE("keys: derived public keys match OpenSSL (SM2) and libsecp256k1 (secp256k1)", "[keys]") {
  std::mt19937 engine(2718);
  for (KeyType type : {KeyType::kSm2, KeyType::kSecp256k1}) {
    CAPTURE(key_type_name(type));
    int checked = 0;
    while (checked < 32) {
      Bytes d(32);
      for (auto& b : d) b = static_cast<std::uint8_t>(engine());
      auto key = PrivateKey::from_bytes(type, d);
      if (!key.ok()) continue;  // out of range: probability below 2^-32
      ++checked;
      CHECK(key->type() == type);
      CHECK(key->public_key().type() == type);
      CHECK(to_hex(key->secret()) == to_hex(d));
      CHECK(to_hex(key->public_key().uncompressed()) == to_hex(reference_public(type, d, false)));
      CHECK(to_hex(key->public_key().compressed()) == to_hex(reference_public(type, d, true)));
    }
  }
}

TEST_CASE("keys: SM2 private keys are exactly [1, n-2]", "[keys]") {
  auto from = [](ByteView d) { return PrivateKey::from_bytes(KeyType::kSm2, d); };

  auto one = from(scalar_of(1));
  REQUIRE(one.ok());
  CHECK(to_hex(one->public_key().xy()) == kSm2G);
  for (int delta : {-2, -3}) {
    const Bytes d = add_small(kSm2N, delta);
    auto key = from(d);
    REQUIRE(key.ok());
    CHECK(to_hex(key->public_key().uncompressed()) == to_hex(openssl_sm2_public(d, false)));
  }
  // (n-2)G = -2G: same x as 2G, y = p - y(2G).
  auto two = from(scalar_of(2));
  auto n_minus_2 = from(add_small(kSm2N, -2));
  REQUIRE(two.ok());
  REQUIRE(n_minus_2.ok());
  CHECK(to_hex(n_minus_2->public_key().x()) == to_hex(two->public_key().x()));
  CHECK(to_hex(n_minus_2->public_key().y()) != to_hex(two->public_key().y()));

  for (const Bytes& bad : {scalar_of(0), add_small(kSm2N, -1), hex(kSm2N), add_small(kSm2N, 1), Bytes(32, 0xff)}) {
    CAPTURE(to_hex(bad));
    auto key = from(bad);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().code() == ErrorCode::kInvalidArgument);
  }
  for (std::size_t size : {0, 1, 31, 33, 64}) {
    CHECK(from(Bytes(size, 1)).error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("keys: secp256k1 private keys are exactly [1, n-1]", "[keys]") {
  auto from = [](ByteView d) { return PrivateKey::from_bytes(KeyType::kSecp256k1, d); };

  auto one = from(scalar_of(1));
  REQUIRE(one.ok());
  CHECK(to_hex(one->public_key().xy()) == kSecpG);
  for (int delta : {-1, -2}) {
    const Bytes d = add_small(kSecpN, delta);
    auto key = from(d);
    REQUIRE(key.ok());
    CHECK(to_hex(key->public_key().uncompressed()) == to_hex(libsecp256k1_public(d, false)));
  }
  // (n-1)G = -G.
  auto minus_one = from(add_small(kSecpN, -1));
  REQUIRE(minus_one.ok());
  CHECK(to_hex(minus_one->public_key().x()) == std::string(kSecpG).substr(0, 64));
  CHECK(minus_one->public_key().compressed()[0] == 0x03);  // y(G) is even, so p - y(G) is odd

  for (const Bytes& bad : {scalar_of(0), hex(kSecpN), add_small(kSecpN, 1), Bytes(32, 0xff)}) {
    CAPTURE(to_hex(bad));
    auto key = from(bad);
    REQUIRE_FALSE(key.ok());
    CHECK(key.error().code() == ErrorCode::kInvalidArgument);
  }
  for (std::size_t size : {0, 1, 31, 33, 64}) {
    CHECK(from(Bytes(size, 1)).error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("keys: generate draws distinct valid keys on both curves", "[keys]") {
  for (KeyType type : {KeyType::kSm2, KeyType::kSecp256k1}) {
    CAPTURE(key_type_name(type));
    std::set<std::string> secrets;
    for (int i = 0; i < 8; ++i) {
      auto key = PrivateKey::generate(type);
      REQUIRE(key.ok());
      CHECK(key->type() == type);
      secrets.insert(to_hex(key->secret()));
      // The same scalar through from_bytes (which checks the range) gives the same public key,
      // and the reference implementation agrees.
      auto again = PrivateKey::from_bytes(type, key->secret());
      REQUIRE(again.ok());
      CHECK(again->public_key() == key->public_key());
      CHECK(to_hex(key->public_key().uncompressed()) == to_hex(reference_public(type, key->secret(), false)));
    }
    CHECK(secrets.size() == 8);
  }
}

TEST_CASE("keys: compressed and uncompressed encodings round trip on both curves", "[keys]") {
  std::mt19937 engine(1618);
  for (KeyType type : {KeyType::kSm2, KeyType::kSecp256k1}) {
    CAPTURE(key_type_name(type));
    for (int i = 0; i < 16; ++i) {
      Bytes d(32);
      for (auto& b : d) b = static_cast<std::uint8_t>(engine());
      auto key = PrivateKey::from_bytes(type, d);
      if (!key.ok()) continue;
      const PublicKey& pub = key->public_key();
      const Bytes xy(pub.xy().begin(), pub.xy().end());
      for (const Bytes& encoded : {pub.uncompressed(), pub.compressed(), xy}) {
        auto parsed = PublicKey::parse(type, encoded);
        REQUIRE(parsed.ok());
        CHECK(parsed.value() == pub);
        CHECK(parsed->type() == type);
      }
      CHECK(pub.uncompressed().size() == 65);
      CHECK(pub.uncompressed()[0] == 0x04);
      CHECK(to_hex(ByteView(pub.uncompressed()).subspan(1)) == to_hex(xy));
      CHECK(to_hex(pub.x()) + to_hex(pub.y()) == to_hex(xy));
    }
  }
}

TEST_CASE("keys: PublicKey::parse rejects malformed points on both curves", "[keys]") {
  auto sm2_key = PrivateKey::from_bytes(KeyType::kSm2, scalar_of(7));
  auto secp_key = PrivateKey::from_bytes(KeyType::kSecp256k1, scalar_of(7));
  REQUIRE(sm2_key.ok());
  REQUIRE(secp_key.ok());

  for (const PublicKey* pub : {&sm2_key->public_key(), &secp_key->public_key()}) {
    const KeyType type = pub->type();
    CAPTURE(key_type_name(type));
    auto parse = [type](ByteView encoded) { return PublicKey::parse(type, encoded); };

    for (std::size_t size : {0, 1, 2, 32, 34, 63, 66, 129}) {
      CAPTURE(size);
      CHECK(parse(Bytes(size, 0x04)).error().code() == ErrorCode::kInvalidArgument);
    }
    // 06/07 are X9.62 "hybrid" prefixes: libsecp256k1 accepts them, Trestle does not.
    for (std::uint8_t prefix : {0x00, 0x02, 0x03, 0x05, 0x06, 0x07}) {
      Bytes encoded = pub->uncompressed();
      encoded[0] = prefix;
      CHECK_FALSE(parse(encoded).ok());
    }
    for (std::uint8_t prefix : {0x00, 0x04, 0x05, 0x06, 0x07}) {
      Bytes encoded = pub->compressed();
      encoded[0] = prefix;
      CHECK_FALSE(parse(encoded).ok());
    }
    Bytes off_curve = pub->uncompressed();
    off_curve[64] ^= 0x01;
    CHECK(parse(off_curve).error().code() == ErrorCode::kInvalidArgument);
    CHECK_FALSE(parse(Bytes(64, 0)).ok());
    CHECK_FALSE(parse(Bytes(65, 0)).ok());
    CHECK_FALSE(parse(Bytes(65, 0xff)).ok());
  }

  // Each curve's point is not a point of the other.
  CHECK_FALSE(PublicKey::parse(KeyType::kSecp256k1, sm2_key->public_key().uncompressed()).ok());
  CHECK_FALSE(PublicKey::parse(KeyType::kSm2, secp_key->public_key().uncompressed()).ok());

  // An x-coordinate at or above p that is congruent to a valid one. SM2: (0, y0) is on the
  // curve; secp256k1: (1, y1) is. Adding p to x must not be accepted.
  const std::string sm2_y0 = "fd4511e81736a60f07e88a83d6cf5a167fae6d1a9c9330e76e232e00f5cdc154";
  REQUIRE(PublicKey::parse(KeyType::kSm2, hex(std::string(64, '0') + sm2_y0)).ok());
  CHECK_FALSE(PublicKey::parse(KeyType::kSm2, hex(std::string(kSm2P) + sm2_y0)).ok());
  CHECK_FALSE(PublicKey::parse(KeyType::kSm2, hex("02" + std::string(kSm2P))).ok());
  const std::string secp_y1 = "4218f20ae6c646b363db68605822fb14264ca8d2587fdd6fbc750d587e76a7ee";
  const std::string secp_one = std::string(63, '0') + "1";
  REQUIRE(PublicKey::parse(KeyType::kSecp256k1, hex(secp_one + secp_y1)).ok());
  const std::string secp_p_plus_1 = to_hex(add_small(kSecpP, 1));
  CHECK_FALSE(PublicKey::parse(KeyType::kSecp256k1, hex(secp_p_plus_1 + secp_y1)).ok());
  CHECK_FALSE(PublicKey::parse(KeyType::kSecp256k1, hex("02" + secp_p_plus_1)).ok());
  // x = 0 is on no secp256k1 point (0^3 + 7 is not a square mod p).
  CHECK_FALSE(PublicKey::parse(KeyType::kSecp256k1, hex("02" + std::string(64, '0'))).ok());
}

TEST_CASE("keys: moving a PrivateKey wipes the source", "[keys]") {
  const Bytes d = hex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8");
  for (KeyType type : {KeyType::kSm2, KeyType::kSecp256k1}) {
    CAPTURE(key_type_name(type));
    auto made = PrivateKey::from_bytes(type, d);
    REQUIRE(made.ok());
    PrivateKey source = std::move(made).value();
    const PublicKey pub = source.public_key();

    PrivateKey moved(std::move(source));
    CHECK(to_hex(moved.secret()) == to_hex(d));
    CHECK(moved.public_key() == pub);
    // Reading a moved-from key is deliberate here: the contract is that its secret is gone.
    CHECK(to_hex(source.secret()) == std::string(64, '0'));  // NOLINT(bugprone-use-after-move)

    auto other = PrivateKey::from_bytes(type, scalar_of(5));
    REQUIRE(other.ok());
    PrivateKey target = std::move(other).value();
    target = std::move(moved);
    CHECK(to_hex(target.secret()) == to_hex(d));
    CHECK(target.public_key() == pub);
    CHECK(to_hex(moved.secret()) == std::string(64, '0'));  // NOLINT(bugprone-use-after-move)
  }
}

}  // namespace
}  // namespace trestle::crypto
