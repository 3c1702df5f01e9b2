// SM2 signatures and encryption: the worked examples of GB/T 32918.5 (GM/T 0003.5), round trips,
// and malformed input. Interoperability with OpenSSL is in sm2_openssl_test.cpp.

#include "trestle/crypto/sm2.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/keys.hpp"

namespace trestle::crypto {
namespace {

using sm2::CiphertextFormat;
using sm2::Signature;

Bytes hex(std::string_view text) {
  auto bytes = from_hex(text);
  REQUIRE(bytes.ok());
  return bytes.value();
}

Hash256 hash_hex(std::string_view text) {
  auto h = fixed_from_hex<32>(text);
  REQUIRE(h.ok());
  return h.value();
}

// The curve order n and the field prime p, big-endian.
const char* const kOrderHex = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
const char* const kPrimeHex = "fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff";

// The worked examples on the recommended curve from GM/T 0003.5-2012 / GB/T 32918.5 (Annex A),
// as reproduced in OpenSSL's test/sm2_internal_test.c and other independent implementations.
const char* const kExampleD = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const char* const kExampleX = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const char* const kExampleY = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const char* const kExampleK = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
const char* const kExampleZa = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3";
const char* const kExampleE = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
const char* const kExampleR = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const char* const kExampleS = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
// Encryption of "encryption standard" to the same key with the same k: C1 = [k]G, C3, C2.
const char* const kExampleC1 =
    "04"
    "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
    "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0";
const char* const kExampleC3 = "59983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766";
const char* const kExampleC2 = "21886CA989CA9C7D58087307CA93092D651EFA";

PrivateKey example_key() {
  auto key = PrivateKey::from_bytes(KeyType::kSm2, hex(kExampleD));
  REQUIRE(key.ok());
  return std::move(key).value();
}

// Deterministic keys and messages, so that a failure can be replayed; nonces still come from
// the operating system inside sign and encrypt.
class TestRandom {
 public:
  explicit TestRandom(std::uint32_t seed) : engine_(seed) {}

  Bytes bytes(std::size_t count) {
    Bytes out(count);
    for (auto& b : out) b = static_cast<std::uint8_t>(engine_());
    return out;
  }
  std::size_t below(std::size_t bound) { return engine_() % bound; }
  PrivateKey key() {
    for (;;) {
      auto key = PrivateKey::from_bytes(KeyType::kSm2, bytes(32));
      if (key.ok()) return std::move(key).value();
    }
  }

 private:
  std::mt19937 engine_;
};

Signature signature_of(std::string_view r_hex, std::string_view s_hex) {
  auto sig = Signature::from_bytes(hex(std::string(r_hex) + std::string(s_hex)));
  REQUIRE(sig.ok());
  return sig.value();
}

Bytes flip_bit(ByteView data, std::size_t bit) {
  Bytes out = to_bytes(data);
  out[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  return out;
}

TEST_CASE("sm2: GB/T 32918.5 signature example (public key, Z_A, e, r, s)", "[sm2]") {
  const PrivateKey key = example_key();
  CHECK(to_hex(key.public_key().x()) == to_hex(hex(kExampleX)));
  CHECK(to_hex(key.public_key().y()) == to_hex(hex(kExampleY)));

  const ByteView message = as_bytes("message digest");
  auto za = sm2::compute_za(key.public_key());  // the default ID is the example's "1234567812345678"
  REQUIRE(za.ok());
  CHECK(za.value() == hash_hex(kExampleZa));
  auto e = sm2::message_digest(key.public_key(), message);
  REQUIRE(e.ok());
  CHECK(e.value() == hash_hex(kExampleE));

  auto sig = sm2::testing::sign_digest_with_nonce(key, e.value(), hex(kExampleK));
  REQUIRE(sig.ok());
  CHECK(to_hex(sig->r) == to_hex(hex(kExampleR)));
  CHECK(to_hex(sig->s) == to_hex(hex(kExampleS)));
  CHECK(to_hex(sig->to_der()) ==
        "3046022100f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
        "022100b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa");

  CHECK(sm2::verify_digest(key.public_key(), e.value(), sig.value()));
  CHECK(sm2::verify(key.public_key(), message, sig.value()));
  CHECK_FALSE(sm2::verify(key.public_key(), as_bytes("message digesT"), sig.value()));
  CHECK_FALSE(sm2::verify(key.public_key(), message, sig.value(), "1234567812345679"));
}

TEST_CASE("sm2: sign_digest_with_nonce rejects nonces outside [1, n-1]", "[sm2]") {
  const PrivateKey key = example_key();
  const Hash256 e = hash_hex(kExampleE);
  const Bytes zero(32, 0);
  CHECK(sm2::testing::sign_digest_with_nonce(key, e, zero).error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(sm2::testing::sign_digest_with_nonce(key, e, hex(kOrderHex)).ok());
  CHECK_FALSE(sm2::testing::sign_digest_with_nonce(key, e, Bytes(32, 0xff)).ok());
  CHECK_FALSE(sm2::testing::sign_digest_with_nonce(key, e, Bytes(31, 1)).ok());
  // n - 1 and 1 are the range's edges and sign.
  Bytes n_minus_1 = hex(kOrderHex);
  n_minus_1.back() -= 1;
  auto high = sm2::testing::sign_digest_with_nonce(key, e, n_minus_1);
  REQUIRE(high.ok());
  CHECK(sm2::verify_digest(key.public_key(), e, high.value()));
  Bytes one(32, 0);
  one.back() = 1;
  auto low = sm2::testing::sign_digest_with_nonce(key, e, one);
  REQUIRE(low.ok());
  CHECK(sm2::verify_digest(key.public_key(), e, low.value()));
}

// Digests chosen (offline, from x1 = x([k]G) of the Annex A nonce k) so that step A5 must
// reject k: e = -x1 mod n gives r = 0, and e = (n - k - x1) mod n gives r + k = n (which would
// otherwise yield s = k and a signature with r + s = n that nobody can verify).
TEST_CASE("sm2: a nonce giving r = 0 or r + k = n is refused", "[sm2]") {
  const PrivateKey key = example_key();
  const Hash256 r_zero = hash_hex("fb14038d7172e8679dfbcdd97188014930a5b08d13bec91c0457e53c0bc0a6b0");
  const Hash256 r_plus_k_is_n = hash_hex("a1ec95659c6c624d8793be9e97c7d37c4168ee92d6e2e44d97032d2e20feea8f");
  for (const Hash256& e : {r_zero, r_plus_k_is_n}) {
    auto sig = sm2::testing::sign_digest_with_nonce(key, e, hex(kExampleK));
    REQUIRE_FALSE(sig.ok());
    CHECK(sig.error().code() == ErrorCode::kInvalidArgument);
    // With a fresh random nonce the same digests sign normally.
    auto random_sig = sm2::sign_digest(key, e);
    REQUIRE(random_sig.ok());
    CHECK(sm2::verify_digest(key.public_key(), e, random_sig.value()));
  }
}

TEST_CASE("sm2: GB/T 32918.5 encryption example decrypts in both layouts", "[sm2]") {
  const PrivateKey key = example_key();
  const std::string expected = "encryption standard";

  const Bytes raw = hex(std::string(kExampleC1) + kExampleC3 + kExampleC2);
  auto plain = sm2::decrypt(key, raw);
  REQUIRE(plain.ok());
  CHECK(std::string(plain->begin(), plain->end()) == expected);

  // The same ciphertext in the ASN.1 form (y1 has its top bit set, hence 02 21 00 ...).
  const Bytes der =
      hex("307c"
          "022004ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
          "022100e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0"
          "042059983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766"
          "041321886ca989ca9c7d58087307ca93092d651efa");
  auto plain_der = sm2::decrypt(key, der, CiphertextFormat::kDer);
  REQUIRE(plain_der.ok());
  CHECK(std::string(plain_der->begin(), plain_der->end()) == expected);

  // The layouts are not interchangeable.
  CHECK(sm2::decrypt(key, der, CiphertextFormat::kC1C3C2).error().code() == ErrorCode::kInvalidArgument);
  CHECK(sm2::decrypt(key, raw, CiphertextFormat::kDer).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("sm2: sign and verify round trips for random keys, messages and user IDs", "[sm2]") {
  TestRandom random(20240601);
  for (int i = 0; i < 24; ++i) {
    const PrivateKey key = random.key();
    const Bytes message = random.bytes(random.below(300));
    const Bytes id_bytes = random.bytes(random.below(40));
    const std::string user_id(id_bytes.begin(), id_bytes.end());
    auto sig = sm2::sign(key, message, user_id);
    REQUIRE(sig.ok());
    CHECK(sm2::verify(key.public_key(), message, sig.value(), user_id));

    auto from_raw = Signature::from_bytes(sig->to_bytes());
    REQUIRE(from_raw.ok());
    CHECK(from_raw.value() == sig.value());
    auto from_der = Signature::from_der(sig->to_der());
    REQUIRE(from_der.ok());
    CHECK(from_der.value() == sig.value());

    // Signing the digest is the same operation as signing the message.
    auto e = sm2::message_digest(key.public_key(), message, user_id);
    REQUIRE(e.ok());
    CHECK(sm2::verify_digest(key.public_key(), e.value(), sig.value()));
  }
}

TEST_CASE("sm2: deterministic nonces repeat, random nonces make every signature different", "[sm2]") {
  const PrivateKey key = example_key();
  auto same1 = sm2::sign(key, as_bytes("same message"));
  auto same2 = sm2::sign(key, as_bytes("same message"));
  REQUIRE(same1.ok());
  REQUIRE(same2.ok());
  CHECK(same1.value() == same2.value());

  auto e = sm2::message_digest(key.public_key(), as_bytes("same message"));
  REQUIRE(e.ok());
  auto a = sm2::sign_digest(key, e.value(), sm2::Nonce::kRandom);
  auto b = sm2::sign_digest(key, e.value(), sm2::Nonce::kRandom);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value() != b.value());
  CHECK(sm2::verify(key.public_key(), as_bytes("same message"), a.value()));
  CHECK(sm2::verify(key.public_key(), as_bytes("same message"), b.value()));
}

TEST_CASE("sm2: user IDs from empty to 8191 bytes; longer is an error", "[sm2]") {
  const PrivateKey key = example_key();
  const ByteView message = as_bytes("payload");
  const std::string longest(8191, 'u');
  const std::string too_long(8192, 'u');

  for (const std::string& id : {std::string(), std::string("ALICE123@YAHOO.COM"), longest}) {
    auto sig = sm2::sign(key, message, id);
    REQUIRE(sig.ok());
    CHECK(sm2::verify(key.public_key(), message, sig.value(), id));
    CHECK_FALSE(sm2::verify(key.public_key(), message, sig.value(), id + "x"));
  }

  auto za_default = sm2::compute_za(key.public_key());
  auto za_empty = sm2::compute_za(key.public_key(), "");
  auto za_longest = sm2::compute_za(key.public_key(), longest);
  REQUIRE(za_default.ok());
  REQUIRE(za_empty.ok());
  REQUIRE(za_longest.ok());
  CHECK(za_default.value() != za_empty.value());
  CHECK(za_longest.value() != za_empty.value());

  auto za_bad = sm2::compute_za(key.public_key(), too_long);
  REQUIRE_FALSE(za_bad.ok());
  CHECK(za_bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(sm2::message_digest(key.public_key(), message, too_long).ok());
  CHECK(sm2::sign(key, message, too_long).error().code() == ErrorCode::kInvalidArgument);
  auto sig = sm2::sign(key, message);
  REQUIRE(sig.ok());
  CHECK_FALSE(sm2::verify(key.public_key(), message, sig.value(), too_long));
}

TEST_CASE("sm2: a changed r, s, message, digest or key fails verification", "[sm2]") {
  TestRandom random(7);
  const PrivateKey key = random.key();
  const PrivateKey other = random.key();
  const Bytes message = random.bytes(64);
  auto sig = sm2::sign(key, message);
  REQUIRE(sig.ok());
  REQUIRE(sm2::verify(key.public_key(), message, sig.value()));
  auto e = sm2::message_digest(key.public_key(), message);
  REQUIRE(e.ok());

  for (std::size_t bit = 0; bit < 256; bit += 17) {
    Signature bad_r = sig.value();
    bad_r.r[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    CHECK_FALSE(sm2::verify(key.public_key(), message, bad_r));
    Signature bad_s = sig.value();
    bad_s.s[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    CHECK_FALSE(sm2::verify(key.public_key(), message, bad_s));
    CHECK_FALSE(sm2::verify_digest(key.public_key(), Hash256::copy_of(flip_bit(e.value(), bit)), sig.value()));
  }
  for (std::size_t bit = 0; bit < message.size() * 8; bit += 13) {
    CHECK_FALSE(sm2::verify(key.public_key(), flip_bit(message, bit), sig.value()));
  }
  CHECK_FALSE(sm2::verify(key.public_key(), Bytes(message.begin(), message.end() - 1), sig.value()));
  CHECK_FALSE(sm2::verify(other.public_key(), message, sig.value()));
  // (r, s) and (s, r) are different signatures.
  Signature swapped{sig->s, sig->r};
  CHECK_FALSE(sm2::verify(key.public_key(), message, swapped));
}

TEST_CASE("sm2: r or s equal to 0, n or above n, or r + s = n, fail verification", "[sm2]") {
  const PrivateKey key = example_key();
  const Hash256 e = hash_hex(kExampleE);
  const Signature good = signature_of(kExampleR, kExampleS);
  REQUIRE(sm2::verify_digest(key.public_key(), e, good));

  const std::string zero(64, '0');
  Bytes n_plus_1 = hex(kOrderHex);
  n_plus_1.back() += 1;
  const std::string r_hex = kExampleR;
  const std::string s_hex = kExampleS;
  for (const std::string& bad : {zero, std::string(kOrderHex), to_hex(n_plus_1), std::string(64, 'f')}) {
    CAPTURE(bad);
    CHECK_FALSE(sm2::verify_digest(key.public_key(), e, signature_of(bad, s_hex)));
    CHECK_FALSE(sm2::verify_digest(key.public_key(), e, signature_of(r_hex, bad)));
  }
  // t = (r + s) mod n = 0 must fail: s = n - r.
  Bytes n = hex(kOrderHex);
  Bytes n_minus_r(32);
  unsigned borrow = 0;
  for (std::size_t i = 32; i-- > 0;) {
    const unsigned diff = static_cast<unsigned>(n[i]) - good.r[i] - borrow;
    n_minus_r[i] = static_cast<std::uint8_t>(diff);
    borrow = (diff >> 8) & 1;
  }
  CHECK_FALSE(sm2::verify_digest(key.public_key(), e, signature_of(r_hex, to_hex(n_minus_r))));
  CHECK_FALSE(sm2::verify_digest(key.public_key(), e, Signature{}));
}

// Constructed vectors where only the range and t checks stand between a forgery and acceptance.
// Derived offline from the standard's equations (k is the Annex A nonce, x1 = x([k]G) its C1 x):
//   r = s = 1:  e = (1 - x1) mod n, d = (k - 1) / 2 mod n, so r = (e + x1) mod n = 1 and
//               s = (k - r d) / (1 + d) = 1.
//   t = 0:      r = 2, s = n - 2, e = (2 - x([n-2]G)) mod n; then [s]G + [t]P = [n-2]G for any P
//               and (e + x1) mod n = r, so only the t != 0 check rejects it.
TEST_CASE("sm2: s + n and t = 0 forgeries are rejected by the range and t checks", "[sm2]") {
  auto key =
      PrivateKey::from_bytes(KeyType::kSm2, hex("2c93b713ea83430d0b34079d6ce016e6779e60fd1e6df26736aa5c06f560de10"));
  REQUIRE(key.ok());
  const Hash256 e = hash_hex("fb14038d7172e8679dfbcdd97188014930a5b08d13bec91c0457e53c0bc0a6b1");
  auto sig = sm2::testing::sign_digest_with_nonce(key.value(), e, hex(kExampleK));
  REQUIRE(sig.ok());
  const std::string one = std::string(63, '0') + "1";
  REQUIRE(sig.value() == signature_of(one, one));
  CHECK(sm2::verify_digest(key->public_key(), e, sig.value()));

  const std::string n_plus_1 = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54124";
  CHECK_FALSE(sm2::verify_digest(key->public_key(), e, signature_of(one, n_plus_1)));
  CHECK_FALSE(sm2::verify_digest(key->public_key(), e, signature_of(n_plus_1, one)));

  const Hash256 e_t0 = hash_hex("a931029e283783fff2a710a8058c45b1d5f5e562613b91fa0a5fc5eb95e283d3");
  const std::string two = std::string(63, '0') + "2";
  const std::string n_minus_2 = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54121";
  CHECK_FALSE(sm2::verify_digest(key->public_key(), e_t0, signature_of(two, n_minus_2)));
  CHECK_FALSE(sm2::verify_digest(example_key().public_key(), e_t0, signature_of(two, n_minus_2)));
}

TEST_CASE("sm2: a secp256k1 key is rejected by every SM2 operation", "[sm2]") {
  TestRandom random(99);
  auto secp = PrivateKey::from_bytes(KeyType::kSecp256k1, hex(kExampleD));
  REQUIRE(secp.ok());
  const Hash256 e = hash_hex(kExampleE);
  const Bytes message = random.bytes(10);

  CHECK(sm2::sign(secp.value(), message).error().code() == ErrorCode::kInvalidArgument);
  CHECK(sm2::sign_digest(secp.value(), e).error().code() == ErrorCode::kInvalidArgument);
  CHECK(sm2::testing::sign_digest_with_nonce(secp.value(), e, hex(kExampleK)).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(sm2::compute_za(secp->public_key()).error().code() == ErrorCode::kInvalidArgument);
  CHECK(sm2::encrypt(secp->public_key(), message).error().code() == ErrorCode::kInvalidArgument);

  // A valid SM2 signature and ciphertext for the same scalar, presented with the secp256k1 key.
  const PrivateKey key = example_key();
  auto sig = sm2::sign(key, message);
  REQUIRE(sig.ok());
  CHECK_FALSE(sm2::verify(secp->public_key(), message, sig.value()));
  CHECK_FALSE(sm2::verify_digest(secp->public_key(), e, signature_of(kExampleR, kExampleS)));
  auto ciphertext = sm2::encrypt(key.public_key(), message);
  REQUIRE(ciphertext.ok());
  CHECK(sm2::decrypt(secp.value(), ciphertext.value()).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("sm2: PublicKey::parse rejects malformed points", "[sm2]") {
  const PrivateKey key = example_key();
  const Bytes xy(key.public_key().xy().begin(), key.public_key().xy().end());
  auto parse = [](ByteView encoded) { return PublicKey::parse(KeyType::kSm2, encoded); };

  REQUIRE(parse(key.public_key().uncompressed()).ok());
  REQUIRE(parse(xy).ok());
  REQUIRE(parse(key.public_key().compressed()).ok());

  SECTION("not on the curve") {
    Bytes off = key.public_key().uncompressed();
    off.back() ^= 1;
    CHECK(parse(off).error().code() == ErrorCode::kInvalidArgument);
    CHECK_FALSE(parse(Bytes(64, 0)).ok());  // (0, 0), and no encoding of infinity is accepted
    CHECK_FALSE(parse(Bytes{0x00}).ok());
    // x = 2 is the x-coordinate of no point: x^3 + ax + b is not a square mod p.
    Bytes x2(33, 0);
    x2[0] = 0x02;
    x2[32] = 2;
    CHECK_FALSE(parse(x2).ok());
    x2[0] = 0x03;
    CHECK_FALSE(parse(x2).ok());
  }
  SECTION("coordinates at or above p") {
    // (0, y0) is on the curve; (p, y0) is the same point mod p but must not be accepted.
    const std::string y0 = "fd4511e81736a60f07e88a83d6cf5a167fae6d1a9c9330e76e232e00f5cdc154";
    REQUIRE(parse(hex(std::string(64, '0') + y0)).ok());
    CHECK_FALSE(parse(hex(std::string(kPrimeHex) + y0)).ok());
    CHECK_FALSE(parse(hex("04" + std::string(kPrimeHex) + y0)).ok());
    // 02 || 0 decodes (y0 is even); 02 || p must not.
    auto compressed_zero = parse(hex("02" + std::string(64, '0')));
    REQUIRE(compressed_zero.ok());
    CHECK(to_hex(compressed_zero->y()) == y0);
    CHECK_FALSE(parse(hex("02" + std::string(kPrimeHex))).ok());
    CHECK_FALSE(parse(hex("03" + std::string(kPrimeHex))).ok());
    CHECK_FALSE(parse(hex(std::string(64, 'f') + y0)).ok());
    CHECK_FALSE(parse(hex(to_hex(key.public_key().x()) + kPrimeHex)).ok());
  }
  SECTION("wrong prefix") {
    for (std::uint8_t prefix : {0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0xff}) {
      Bytes encoded = key.public_key().uncompressed();
      encoded[0] = prefix;
      CHECK_FALSE(parse(encoded).ok());
    }
    for (std::uint8_t prefix : {0x00, 0x01, 0x04, 0x05, 0x06, 0x07}) {
      Bytes encoded = key.public_key().compressed();
      encoded[0] = prefix;
      CHECK_FALSE(parse(encoded).ok());
    }
  }
  SECTION("wrong lengths") {
    const Bytes full = key.public_key().uncompressed();
    for (std::size_t size : {0, 1, 32, 34, 63, 66, 100}) {
      Bytes encoded(size, 0x04);
      std::copy_n(full.begin(), std::min(size, full.size()), encoded.begin());
      CAPTURE(size);
      CHECK(parse(encoded).error().code() == ErrorCode::kInvalidArgument);
    }
  }
}

TEST_CASE("sm2: point compression round trip for both parities", "[sm2]") {
  TestRandom random(31337);
  int odd = 0;
  for (int i = 0; i < 16; ++i) {
    const PrivateKey key = random.key();
    const Bytes compressed = key.public_key().compressed();
    REQUIRE(compressed.size() == 33);
    odd += compressed[0] == 0x03;
    CHECK(compressed[0] == ((key.public_key().y().back() & 1) ? 0x03 : 0x02));
    auto back = PublicKey::parse(KeyType::kSm2, compressed);
    REQUIRE(back.ok());
    CHECK(back.value() == key.public_key());
    auto from_uncompressed = PublicKey::parse(KeyType::kSm2, key.public_key().uncompressed());
    REQUIRE(from_uncompressed.ok());
    CHECK(from_uncompressed.value() == key.public_key());
    // The other parity is the negated point: valid, but a different key.
    Bytes flipped = compressed;
    flipped[0] ^= 0x01;
    auto negated = PublicKey::parse(KeyType::kSm2, flipped);
    REQUIRE(negated.ok());
    CHECK(to_hex(negated->x()) == to_hex(key.public_key().x()));
    CHECK(negated.value() != key.public_key());
  }
  CHECK(odd > 0);
  CHECK(odd < 16);
}

TEST_CASE("sm2: signature encodings are strict", "[sm2]") {
  const std::string r = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3";
  const std::string s = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";
  const std::string good = "3046022100" + r + "022100" + s;
  auto ok = Signature::from_der(hex(good));
  REQUIRE(ok.ok());
  CHECK(ok.value() == signature_of(r, s));

  // Small values are written minimally and read back.
  Signature small;
  small.r[31] = 1;
  small.s[31] = 0x80;
  CHECK(to_hex(small.to_der()) == "300702010102020080");
  auto small_back = Signature::from_der(small.to_der());
  REQUIRE(small_back.ok());
  CHECK(small_back.value() == small);

  const std::vector<std::string> malformed = {
      "",                                             // empty
      "3046022100" + r + "022100" + s + "00",         // trailing byte after the SEQUENCE
      "3047022100" + r + "022100" + s + "00",         // trailing byte inside the SEQUENCE
      "3045022100" + r + "022100" + s.substr(0, 62),  // truncated
      "3046022100" + r + "022100" + s.substr(0, 62),  // length runs past the end
      "3146022100" + r + "022100" + s,                // SET instead of SEQUENCE
      "3046032100" + r + "022100" + s,                // BIT STRING instead of INTEGER
      "30450220" + r + "022100" + s,                  // r negative (top bit set, no 00)
      "30080202000102020001",                         // non-minimal INTEGERs (00 01)
      "300402000200",                                 // empty INTEGERs
      "3047022200" + r + "00" + "022100" + s,         // r wider than 256 bits
      "308146022100" + r + "022100" + s,              // non-minimal length
      "3080022100" + r + "022100" + s + "0000",       // indefinite length
      "30",                                           // tag only
  };
  for (const std::string& bad : malformed) {
    CAPTURE(bad);
    auto parsed = Signature::from_der(hex(bad));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
  }

  CHECK(Signature::from_bytes(hex(r + s)).ok());
  CHECK_FALSE(Signature::from_bytes(hex(r + s + "00")).ok());
  CHECK_FALSE(Signature::from_bytes(hex(r)).ok());
  CHECK_FALSE(Signature::from_bytes({}).ok());
}

TEST_CASE("sm2: encryption round trips in both layouts", "[sm2]") {
  TestRandom random(4242);
  const PrivateKey key = random.key();
  for (std::size_t size : {1, 31, 32, 33, 64, 65, 1000}) {
    CAPTURE(size);
    const Bytes plaintext = random.bytes(size);
    for (CiphertextFormat format : {CiphertextFormat::kC1C3C2, CiphertextFormat::kDer}) {
      auto ciphertext = sm2::encrypt(key.public_key(), plaintext, format);
      REQUIRE(ciphertext.ok());
      if (format == CiphertextFormat::kC1C3C2) {
        CHECK(ciphertext->size() == 65 + 32 + size);
        CHECK(ciphertext->front() == 0x04);
      } else {
        CHECK(ciphertext->front() == 0x30);
      }
      auto decrypted = sm2::decrypt(key, ciphertext.value(), format);
      REQUIRE(decrypted.ok());
      CHECK(decrypted.value() == plaintext);
    }
  }
  // Randomized: the same plaintext encrypts differently each time.
  auto a = sm2::encrypt(key.public_key(), as_bytes("x"));
  auto b = sm2::encrypt(key.public_key(), as_bytes("x"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value() != b.value());
}

TEST_CASE("sm2: empty and oversized plaintexts are rejected", "[sm2]") {
  const PrivateKey key = example_key();
  // GB/T 32918.4 needs klen > 0; Trestle rejects an empty plaintext instead of inventing a form.
  auto empty = sm2::encrypt(key.public_key(), {});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code() == ErrorCode::kInvalidArgument);
  CHECK(sm2::encrypt(key.public_key(), {}, CiphertextFormat::kDer).error().code() == ErrorCode::kInvalidArgument);

  // A C1 || C3 with no C2, in both layouts, is malformed.
  auto one = sm2::encrypt(key.public_key(), as_bytes("a"));
  REQUIRE(one.ok());
  CHECK(sm2::decrypt(key, ByteView(one.value()).first(97)).error().code() == ErrorCode::kInvalidArgument);
  auto one_der = sm2::encrypt(key.public_key(), as_bytes("a"), CiphertextFormat::kDer);
  REQUIRE(one_der.ok());
  Bytes no_c2 = one_der.value();
  no_c2[1] -= 1;                // shorter SEQUENCE ...
  no_c2[no_c2.size() - 2] = 0;  // ... whose last OCTET STRING is empty
  no_c2.pop_back();
  CHECK(sm2::decrypt(key, no_c2, CiphertextFormat::kDer).error().code() == ErrorCode::kInvalidArgument);

  // 64 MiB + 1: refused before any work, in both directions.
  const std::size_t limit = std::size_t{64} << 20;
  Bytes huge(65 + 32 + limit + 1, 0);
  huge[0] = 0x04;
  CHECK(sm2::encrypt(key.public_key(), ByteView(huge).first(limit + 1)).error().code() == ErrorCode::kLimitExceeded);
  CHECK(sm2::decrypt(key, huge).error().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("sm2: truncated or tampered ciphertexts fail to decrypt", "[sm2]") {
  TestRandom random(555);
  const PrivateKey key = random.key();
  const PrivateKey other = random.key();
  const Bytes plaintext = random.bytes(40);
  auto encrypted = sm2::encrypt(key.public_key(), plaintext);
  REQUIRE(encrypted.ok());
  const Bytes& ct = encrypted.value();
  REQUIRE(ct.size() == 65 + 32 + 40);

  SECTION("truncated at every length") {
    for (std::size_t size = 0; size < ct.size(); ++size) {
      CAPTURE(size);
      auto result = sm2::decrypt(key, ByteView(ct).first(size));
      REQUIRE_FALSE(result.ok());
      // Up to C1 || C3 the layout is malformed; a shortened C2 fails the C3 check.
      CHECK(result.error().code() == (size <= 97 ? ErrorCode::kInvalidArgument : ErrorCode::kAuthFailed));
    }
    Bytes longer = ct;
    longer.push_back(0);
    CHECK(sm2::decrypt(key, longer).error().code() == ErrorCode::kAuthFailed);
  }
  SECTION("a bit flipped in C1, C3 or C2") {
    for (std::size_t bit = 0; bit < ct.size() * 8; bit += 3) {
      CAPTURE(bit);
      auto result = sm2::decrypt(key, flip_bit(ct, bit));
      REQUIRE_FALSE(result.ok());
      // A changed C1 is (all but certainly) off the curve; a changed C3 or C2 fails the check.
      CHECK(result.error().code() == (bit < 65 * 8 ? ErrorCode::kInvalidArgument : ErrorCode::kAuthFailed));
    }
  }
  SECTION("C1 replaced by another valid point, or by invalid encodings") {
    Bytes swapped = ct;
    const Bytes other_point = other.public_key().uncompressed();
    std::copy(other_point.begin(), other_point.end(), swapped.begin());
    CHECK(sm2::decrypt(key, swapped).error().code() == ErrorCode::kAuthFailed);

    Bytes compressed_prefix = ct;
    compressed_prefix[0] = 0x02;
    CHECK(sm2::decrypt(key, compressed_prefix).error().code() == ErrorCode::kInvalidArgument);
    Bytes infinity = ct;
    std::fill(infinity.begin() + 1, infinity.begin() + 65, 0);
    CHECK(sm2::decrypt(key, infinity).error().code() == ErrorCode::kInvalidArgument);
    Bytes x_is_p = ct;
    const Bytes p = hex(kPrimeHex);
    std::copy(p.begin(), p.end(), x_is_p.begin() + 1);
    CHECK(sm2::decrypt(key, x_is_p).error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("the wrong private key") { CHECK(sm2::decrypt(other, ct).error().code() == ErrorCode::kAuthFailed); }
}

TEST_CASE("sm2: malformed ASN.1 ciphertexts fail to decrypt", "[sm2]") {
  TestRandom random(556);
  const PrivateKey key = random.key();
  auto encrypted = sm2::encrypt(key.public_key(), random.bytes(20), CiphertextFormat::kDer);
  REQUIRE(encrypted.ok());
  const Bytes& ct = encrypted.value();
  REQUIRE(sm2::decrypt(key, ct, CiphertextFormat::kDer).ok());

  for (std::size_t size = 0; size < ct.size(); ++size) {
    CAPTURE(size);
    CHECK(sm2::decrypt(key, ByteView(ct).first(size), CiphertextFormat::kDer).error().code() ==
          ErrorCode::kInvalidArgument);
  }
  Bytes trailing = ct;
  trailing.push_back(0);
  CHECK(sm2::decrypt(key, trailing, CiphertextFormat::kDer).error().code() == ErrorCode::kInvalidArgument);
  Bytes wrong_tag = ct;
  wrong_tag[0] = 0x31;
  CHECK(sm2::decrypt(key, wrong_tag, CiphertextFormat::kDer).error().code() == ErrorCode::kInvalidArgument);
  // Every single-bit change is caught: as malformed DER, an invalid C1, or a C3 mismatch.
  for (std::size_t bit = 0; bit < ct.size() * 8; bit += 5) {
    CAPTURE(bit);
    CHECK_FALSE(sm2::decrypt(key, flip_bit(ct, bit), CiphertextFormat::kDer).ok());
  }

  // Hand-built, as hex: C3 of 31 or 33 bytes, and C1 coordinates that do not fit 32 bytes.
  auto tlv_hex = [](std::string_view tag, const std::string& content_hex) {
    const auto length = static_cast<std::uint8_t>(content_hex.size() / 2);
    return std::string(tag) + to_hex(ByteView(&length, 1)) + content_hex;
  };
  auto build = [&](const std::string& x1_hex, const std::string& y1_hex, std::size_t c3_size) {
    std::string c3_hex;
    for (std::size_t i = 0; i < c3_size; ++i) c3_hex += "aa";
    return hex(
        tlv_hex("30", tlv_hex("02", x1_hex) + tlv_hex("02", y1_hex) + tlv_hex("04", c3_hex) + tlv_hex("04", "55")));
  };
  const std::string x = to_hex(key.public_key().x());
  const std::string y = to_hex(key.public_key().y());
  // DER INTEGERs are signed: a leading 00 when the top bit is set.
  const std::string x_der = (key.public_key().x()[0] & 0x80) ? "00" + x : x;
  const std::string y_der = (key.public_key().y()[0] & 0x80) ? "00" + y : y;
  // Well-formed with a valid C1 but garbage C3: the check fails.
  CHECK(sm2::decrypt(key, build(x_der, y_der, 32), CiphertextFormat::kDer).error().code() == ErrorCode::kAuthFailed);
  CHECK(sm2::decrypt(key, build(x_der, y_der, 31), CiphertextFormat::kDer).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(sm2::decrypt(key, build(x_der, y_der, 33), CiphertextFormat::kDer).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(sm2::decrypt(key, build("01" + x, y_der, 32), CiphertextFormat::kDer).error().code() ==
        ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace trestle::crypto
