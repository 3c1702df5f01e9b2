// PEM key files against OpenSSL 3 in both directions, for SM2 and secp256k1, and malformed input.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "der.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/keys.hpp"

using namespace trestle;
using namespace trestle::crypto;

namespace {

constexpr KeyType kBothCurves[] = {KeyType::kSm2, KeyType::kSecp256k1};

Bytes hex(std::string_view text) { return from_hex(text).value(); }

// An owned OpenSSL key.
struct Pkey {
  EVP_PKEY* p = nullptr;
  explicit Pkey(EVP_PKEY* key) : p(key) {}
  Pkey(Pkey&& other) noexcept : p(other.p) { other.p = nullptr; }
  Pkey(const Pkey&) = delete;
  Pkey& operator=(const Pkey&) = delete;
  Pkey& operator=(Pkey&&) = delete;
  ~Pkey() { EVP_PKEY_free(p); }
};

Pkey openssl_generate(KeyType type) {
  EVP_PKEY* key = type == KeyType::kSm2 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")
                                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
  REQUIRE(key != nullptr);
  return Pkey(key);
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  return out;
}

std::string openssl_pkcs8(const Pkey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey(bio, key.p, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return drain(bio);
}

std::string openssl_traditional(const Pkey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PrivateKey_traditional(bio, key.p, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return drain(bio);
}

std::string openssl_public(const Pkey& key) {
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PUBKEY(bio, key.p) == 1);
  return drain(bio);
}

// OpenSSL's own PEM framing and base64, independent of ours.
std::string openssl_pem(const std::string& label, ByteView der) {
  // PEM_write_bio refuses empty data.
  if (der.empty()) return "-----BEGIN " + label + "-----\n-----END " + label + "-----\n";
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio(bio, label.c_str(), "", der.data(), static_cast<long>(der.size())) > 0);
  return drain(bio);
}

Bytes openssl_pem_body(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long size = 0;
  REQUIRE(PEM_read_bio(bio, &name, &header, &data, &size) == 1);
  Bytes out(data, data + size);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  BIO_free(bio);
  return out;
}

Pkey openssl_read_private(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Pkey(key);
}

Pkey openssl_read_public(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Pkey(key);
}

Bytes openssl_private_scalar(const Pkey& key) {
  BIGNUM* d = nullptr;
  REQUIRE(EVP_PKEY_get_bn_param(key.p, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1);
  Bytes out(32);
  REQUIRE(BN_bn2binpad(d, out.data(), 32) == 32);
  BN_clear_free(d);
  return out;
}

Bytes openssl_public_point(const Pkey& key) {
  // Uncompressed, whatever format the key is set to write.
  Bytes out(65);
  std::size_t size = 0;
  REQUIRE(EVP_PKEY_get_octet_string_param(key.p, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), out.size(), &size) ==
          1);
  out.resize(size);
  if (size == 33) {
    // Compressed: ask for the affine coordinates instead.
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key.p, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1);
    REQUIRE(EVP_PKEY_get_bn_param(key.p, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1);
    out.assign(65, 0);
    out[0] = 0x04;
    REQUIRE(BN_bn2binpad(x, out.data() + 1, 32) == 32);
    REQUIRE(BN_bn2binpad(y, out.data() + 33, 32) == 32);
    BN_free(x);
    BN_free(y);
  }
  return out;
}

std::string openssl_group(const Pkey& key) {
  char name[64] = {};
  std::size_t size = 0;
  REQUIRE(EVP_PKEY_get_utf8_string_param(key.p, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &size) == 1);
  return std::string(name, size);
}

std::string expected_group(KeyType type) { return type == KeyType::kSm2 ? "SM2" : "secp256k1"; }

ByteView curve_oid(KeyType type) {
  return type == KeyType::kSm2 ? ByteView(der::kOidSm2) : ByteView(der::kOidSecp256k1);
}

// ECPrivateKey with a caller-chosen scalar (any length), optional [0] curve and [1] point.
Bytes ec_private_key_der(ByteView d, const KeyType* curve, const Bytes* point) {
  Bytes body;
  der::write_small_integer(body, 1);
  der::write_tlv(body, der::kOctetString, d);
  if (curve != nullptr) der::write_tlv(body, der::kContext0, der::tlv(der::kOid, curve_oid(*curve)));
  if (point != nullptr) {
    Bytes bits;
    der::write_bit_string(bits, *point);
    der::write_tlv(body, der::kContext1, bits);
  }
  return der::tlv(der::kSequence, body);
}

Bytes pkcs8_der(ByteView algorithm_identifier, ByteView ec_private_key) {
  Bytes body;
  der::write_small_integer(body, 0);
  append(body, algorithm_identifier);
  der::write_tlv(body, der::kOctetString, ec_private_key);
  return der::tlv(der::kSequence, body);
}

Bytes algorithm_id(ByteView algorithm_oid, ByteView curve) {
  Bytes body;
  der::write_tlv(body, der::kOid, algorithm_oid);
  if (!curve.empty()) der::write_tlv(body, der::kOid, curve);
  return der::tlv(der::kSequence, body);
}

Bytes spki_der(ByteView algorithm_identifier, ByteView point) {
  Bytes body = to_bytes(algorithm_identifier);
  der::write_bit_string(body, point);
  return der::tlv(der::kSequence, body);
}

void check_same_key(const PrivateKey& ours, const Pkey& theirs, KeyType type) {
  CHECK(ours.type() == type);
  CHECK(to_bytes(ours.secret()) == openssl_private_scalar(theirs));
  CHECK(ours.public_key().uncompressed() == openssl_public_point(theirs));
}

Error private_error(const std::string& pem) {
  auto key = private_key_from_pem(pem);
  REQUIRE_FALSE(key.ok());
  CHECK(key.error().code() == ErrorCode::kInvalidArgument);
  return key.error();
}

bool contains(const Error& error, std::string_view text) { return error.message().find(text) != std::string::npos; }

}  // namespace

TEST_CASE("pem: keys written here are read by OpenSSL with the same scalar and point, 50 per curve", "[pem][openssl]") {
  for (KeyType type : kBothCurves) {
    for (int i = 0; i < 50; ++i) {
      const PrivateKey key = PrivateKey::generate(type).value();
      const std::string pem = private_key_to_pem(key);
      CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
      const Pkey theirs = openssl_read_private(pem);
      REQUIRE(theirs.p != nullptr);
      CHECK(openssl_group(theirs) == expected_group(type));
      check_same_key(key, theirs, type);
      // Byte-identical to what OpenSSL writes for the same key.
      CHECK(openssl_pkcs8(theirs) == pem);

      const std::string public_pem = public_key_to_pem(key.public_key());
      const Pkey their_public = openssl_read_public(public_pem);
      REQUIRE(their_public.p != nullptr);
      CHECK(openssl_group(their_public) == expected_group(type));
      CHECK(openssl_public_point(their_public) == key.public_key().uncompressed());
      CHECK(openssl_public(their_public) == public_pem);

      auto back = private_key_from_pem(pem);
      REQUIRE(back.ok());
      CHECK(to_bytes(back->secret()) == to_bytes(key.secret()));
      CHECK(public_key_from_pem(public_pem).value() == key.public_key());
    }
  }
}

TEST_CASE("pem: PKCS#8 and SEC1 keys written by OpenSSL are read here, 50 per curve", "[pem][openssl]") {
  for (KeyType type : kBothCurves) {
    for (int i = 0; i < 50; ++i) {
      const Pkey theirs = openssl_generate(type);
      const std::string pkcs8 = openssl_pkcs8(theirs);
      const std::string sec1 = openssl_traditional(theirs);
      CHECK(sec1.rfind("-----BEGIN EC PRIVATE KEY-----\n", 0) == 0);

      auto from_pkcs8 = private_key_from_pem(pkcs8);
      REQUIRE(from_pkcs8.ok());
      check_same_key(from_pkcs8.value(), theirs, type);
      auto from_sec1 = private_key_from_pem(sec1);
      REQUIRE(from_sec1.ok());
      check_same_key(from_sec1.value(), theirs, type);

      auto public_key = public_key_from_pem(openssl_public(theirs));
      REQUIRE(public_key.ok());
      CHECK(public_key->type() == type);
      CHECK(public_key->uncompressed() == openssl_public_point(theirs));
    }
  }
}

TEST_CASE("pem: OpenSSL keys without an embedded or with a compressed public point are read", "[pem][openssl]") {
  for (KeyType type : kBothCurves) {
    {
      const Pkey theirs = openssl_generate(type);
      REQUIRE(EVP_PKEY_set_int_param(theirs.p, OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 0) == 1);
      for (const std::string& pem : {openssl_pkcs8(theirs), openssl_traditional(theirs)}) {
        CHECK(openssl_pem_body(pem).size() < 80);  // no point inside
        auto key = private_key_from_pem(pem);
        REQUIRE(key.ok());
        check_same_key(key.value(), theirs, type);
      }
    }
    {
      const Pkey theirs = openssl_generate(type);
      REQUIRE(EVP_PKEY_set_utf8_string_param(theirs.p, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed") == 1);
      for (const std::string& pem : {openssl_pkcs8(theirs), openssl_traditional(theirs)}) {
        auto key = private_key_from_pem(pem);
        REQUIRE(key.ok());
        check_same_key(key.value(), theirs, type);
      }
      const std::string public_pem = openssl_public(theirs);
      CHECK(openssl_pem_body(public_pem).size() < 80);  // compressed point
      auto public_key = public_key_from_pem(public_pem);
      REQUIRE(public_key.ok());
      CHECK(public_key->uncompressed() == openssl_public_point(theirs));
    }
  }
}

TEST_CASE("pem: SM2 keys whose algorithm is the SM2 OID (as OpenSSL 3.0-3.1 wrote them) are read", "[pem][openssl]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSm2).value();
  const Bytes point = key.public_key().uncompressed();
  const Bytes inner = ec_private_key_der(key.secret(), nullptr, &point);
  for (bool with_curve : {true, false}) {
    const Bytes algorithm = algorithm_id(der::kOidSm2, with_curve ? ByteView(der::kOidSm2) : ByteView{});
    const std::string pem = openssl_pem("PRIVATE KEY", pkcs8_der(algorithm, inner));
    auto ours = private_key_from_pem(pem);
    REQUIRE(ours.ok());
    CHECK(to_bytes(ours->secret()) == to_bytes(key.secret()));
    if (with_curve) {
      // OpenSSL 3.0 itself still reads this form.
      const Pkey theirs = openssl_read_private(pem);
      REQUIRE(theirs.p != nullptr);
      check_same_key(ours.value(), theirs, KeyType::kSm2);
    }
    const std::string public_pem = openssl_pem("PUBLIC KEY", spki_der(algorithm, point));
    auto public_key = public_key_from_pem(public_pem);
    REQUIRE(public_key.ok());
    CHECK(public_key.value() == key.public_key());
  }
  // The SM2 algorithm OID with the secp256k1 curve is contradictory.
  const Bytes contradictory = algorithm_id(der::kOidSm2, der::kOidSecp256k1);
  CHECK_FALSE(private_key_from_pem(openssl_pem("PRIVATE KEY", pkcs8_der(contradictory, inner))).ok());
  CHECK_FALSE(public_key_from_pem(openssl_pem("PUBLIC KEY", spki_der(contradictory, point))).ok());
}

TEST_CASE("pem: an SM2 key written by OpenSSL 3.1's `genpkey -algorithm sm2` is read", "[pem][openssl]") {
  // Published in openssl/openssl#20973: AlgorithmIdentifier { sm2 OID, sm2 OID }.
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGIAgEAMBQGCCqBHM9VAYItBggqgRzPVQGCLQRtMGsCAQEEIPwnYlC0IWz13PYD\n"
      "xisvfTJmzqJaKvVffqr0PGeQlEa9oUQDQgAEokJlXF9eQgJO6hvnvps0YQ8HPZot\n"
      "6MCvh13WqDddbpZ0qey387GJ2PFBUghhucF9bu0bBZa52a6/Dbqc9gYfyA==\n"
      "-----END PRIVATE KEY-----\n";
  auto key = private_key_from_pem(pem);
  REQUIRE(key.ok());
  const Pkey theirs = openssl_read_private(pem);
  REQUIRE(theirs.p != nullptr);
  check_same_key(key.value(), theirs, KeyType::kSm2);
  CHECK(to_hex(key->secret()).substr(0, 8) == "fc276250");
}

TEST_CASE("pem: the EC PARAMETERS block of `openssl ecparam -genkey` is accepted when it matches", "[pem][openssl]") {
  const Pkey theirs = openssl_generate(KeyType::kSecp256k1);
  const std::string sec1 = openssl_traditional(theirs);
  const std::string secp_params = openssl_pem("EC PARAMETERS", der::tlv(der::kOid, der::kOidSecp256k1));
  const std::string sm2_params = openssl_pem("EC PARAMETERS", der::tlv(der::kOid, der::kOidSm2));
  CHECK(secp_params == "-----BEGIN EC PARAMETERS-----\nBgUrgQQACg==\n-----END EC PARAMETERS-----\n");
  auto key = private_key_from_pem(secp_params + sec1);
  REQUIRE(key.ok());
  check_same_key(key.value(), theirs, KeyType::kSecp256k1);
  CHECK(contains(private_error(sm2_params + sec1), "different curve"));
  CHECK_FALSE(private_key_from_pem(secp_params).ok());  // parameters alone hold no key
}

TEST_CASE("pem: line endings and surrounding whitespace are tolerated", "[pem]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
  const std::string pem = private_key_to_pem(key);
  std::string crlf;
  for (char c : pem) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  std::string one_line = pem;
  // Join the base64 lines into one (OpenSSL accepts lines of any length too).
  const std::size_t body_start = one_line.find('\n') + 1;
  const std::size_t body_end = one_line.find("-----END");
  std::string body = one_line.substr(body_start, body_end - body_start);
  body.erase(std::remove(body.begin(), body.end(), '\n'), body.end());
  one_line = one_line.substr(0, body_start) + body + "\n" + one_line.substr(body_end);
  for (const std::string& text : {crlf, "\n\n  " + pem + "\n\t\n", pem.substr(0, pem.size() - 1), one_line}) {
    auto read = private_key_from_pem(text);
    REQUIRE(read.ok());
    CHECK(to_bytes(read->secret()) == to_bytes(key.secret()));
  }
}

TEST_CASE("pem: wrong labels, headers and encrypted keys are rejected", "[pem][openssl]") {
  const Pkey theirs = openssl_generate(KeyType::kSm2);
  const Bytes pkcs8 = openssl_pem_body(openssl_pkcs8(theirs));
  const std::string public_pem = openssl_public(theirs);

  CHECK(contains(private_error(openssl_pem("RSA PRIVATE KEY", pkcs8)), "RSA PRIVATE KEY"));
  CHECK_FALSE(private_key_from_pem(openssl_pem("CERTIFICATE", pkcs8)).ok());
  CHECK_FALSE(private_key_from_pem(public_pem).ok());
  CHECK_FALSE(public_key_from_pem(openssl_pkcs8(theirs)).ok());
  CHECK_FALSE(public_key_from_pem(public_pem + public_pem).ok());
  // A PKCS#8 body under the SEC1 label is the wrong structure.
  CHECK_FALSE(private_key_from_pem(openssl_pem("EC PRIVATE KEY", pkcs8)).ok());
  // Two keys in one file.
  CHECK(contains(private_error(openssl_pkcs8(theirs) + openssl_pkcs8(theirs)), "more than one"));

  // Encrypted PKCS#8 and encrypted traditional PEM (with Proc-Type headers).
  BIO* bio = BIO_new(BIO_s_mem());
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio, theirs.p, EVP_aes_256_cbc(), "secret", 6, nullptr, nullptr) == 1);
  CHECK(contains(private_error(drain(bio)), "encrypted"));
  const Pkey secp = openssl_generate(KeyType::kSecp256k1);
  bio = BIO_new(BIO_s_mem());
  unsigned char password[] = "secret";
  REQUIRE(PEM_write_bio_PrivateKey_traditional(bio, secp.p, EVP_aes_128_cbc(), password, 6, nullptr, nullptr) == 1);
  const std::string traditional_encrypted = drain(bio);
  REQUIRE(traditional_encrypted.find("Proc-Type") != std::string::npos);
  CHECK(contains(private_error(traditional_encrypted), "headers"));
}

TEST_CASE("pem: bad base64 and bad framing are rejected", "[pem]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSm2).value();
  const std::string pem = private_key_to_pem(key);
  const std::size_t body = pem.find('\n') + 1;
  const std::size_t end = pem.find("-----END");
  auto with_body = [&](const std::string& new_body) { return pem.substr(0, body) + new_body + "\n" + pem.substr(end); };
  std::string base64 = pem.substr(body, end - body);
  base64.erase(std::remove(base64.begin(), base64.end(), '\n'), base64.end());
  REQUIRE(base64.size() % 4 == 0);
  REQUIRE(private_key_from_pem(with_body(base64)).ok());

  std::vector<std::string> bad_bodies;
  for (char junk : {'!', '-', '.', '_', '\0', '\x80', ':'}) {
    std::string b = base64;
    b[10] = junk;
    bad_bodies.push_back(b);
  }
  bad_bodies.push_back(base64.substr(0, base64.size() - 1));             // length not a multiple of 4
  bad_bodies.push_back(base64.substr(0, 20) + "=" + base64.substr(21));  // '=' in the middle
  bad_bodies.push_back(base64 + "AAAA");                                 // data after the end of the DER
  bad_bodies.push_back(base64 + "====");                                 // padding only
  bad_bodies.push_back("");
  for (const std::string& b : bad_bodies) {
    INFO(b);
    CHECK_FALSE(private_key_from_pem(with_body(b)).ok());
  }

  const std::vector<std::string> bad_texts = {
      "",
      "   \n",
      "hello",
      "text before\n" + pem,
      pem + "text after\n",
      pem.substr(0, end),                                                    // no END line
      pem.substr(0, end) + "-----END EC PRIVATE KEY-----\n",                 // END label differs
      "-----BEGIN PRIVATE KEY-----" + pem.substr(body - 1, end - body + 1),  // END missing entirely
      pem.substr(0, body - 1) + " junk" + pem.substr(body - 1),              // text after BEGIN
      pem.substr(0, pem.size() - 1) + "x\n",                                 // text after END
      "-----BEGIN PRIVATE KEY",                                              // unterminated BEGIN
      "-----BEGIN " + std::string(100, 'A') + "-----\n" + pem,               // label too long
      std::string(70 * 1024, ' ') + pem,                                     // over the size limit
  };
  for (const std::string& text : bad_texts) {
    INFO(text.substr(0, 80));
    CHECK_FALSE(private_key_from_pem(text).ok());
    CHECK_FALSE(public_key_from_pem(text).ok());
  }
  std::mt19937_64 rng(0x9e3);
  for (int i = 0; i < 200; ++i) {
    std::string noise(static_cast<std::size_t>(rng() % 300), '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    CHECK_FALSE(private_key_from_pem(noise).ok());
    CHECK_FALSE(public_key_from_pem(noise).ok());
  }
}

TEST_CASE("pem: non-canonical base64 padding bits are rejected though OpenSSL ignores them", "[pem][openssl]") {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (KeyType type : kBothCurves) {
    // A SubjectPublicKeyInfo is 88 or 91 bytes (1 mod 3), so its base64 ends in "==" and the
    // last data character carries 4 bits that must be zero.
    const PrivateKey key = PrivateKey::generate(type).value();
    const std::string pem = public_key_to_pem(key.public_key());
    const std::size_t padding = pem.find("==\n");
    REQUIRE(padding != std::string::npos);
    const std::size_t last = padding - 1;
    const std::size_t value = kAlphabet.find(pem[last]);
    REQUIRE(value % 16 == 0);
    for (std::size_t low = 1; low < 16; low += 7) {
      std::string bad = pem;
      bad[last] = kAlphabet[value | low];
      // The same DER for a lenient decoder...
      CHECK(openssl_pem_body(bad) == openssl_pem_body(pem));
      // ...but not canonical base64.
      auto read = public_key_from_pem(bad);
      REQUIRE_FALSE(read.ok());
      CHECK(contains(read.error(), "canonical"));
    }
  }
}

TEST_CASE("pem: every truncation of the DER is rejected", "[pem][openssl]") {
  for (KeyType type : kBothCurves) {
    const Pkey theirs = openssl_generate(type);
    for (const std::string& pem : {openssl_pkcs8(theirs), openssl_traditional(theirs)}) {
      const Bytes der = openssl_pem_body(pem);
      const std::string label = pem.substr(11, pem.find("-----", 11) - 11);
      for (std::size_t n = 0; n < der.size(); ++n) {
        CHECK_FALSE(private_key_from_pem(openssl_pem(label, ByteView(der).first(n))).ok());
      }
      CHECK(private_key_from_pem(openssl_pem(label, der)).ok());
    }
    const Bytes spki = openssl_pem_body(openssl_public(theirs));
    for (std::size_t n = 0; n < spki.size(); ++n) {
      CHECK_FALSE(public_key_from_pem(openssl_pem("PUBLIC KEY", ByteView(spki).first(n))).ok());
    }
  }
}

TEST_CASE("pem: other curves and explicit parameters are rejected", "[pem][openssl]") {
  EVP_PKEY* p256_raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  REQUIRE(p256_raw != nullptr);
  const Pkey p256(p256_raw);
  CHECK(contains(private_error(openssl_pkcs8(p256)), "1.2.840.10045.3.1.7"));
  CHECK(contains(private_error(openssl_traditional(p256)), "unsupported curve"));
  auto public_key = public_key_from_pem(openssl_public(p256));
  REQUIRE_FALSE(public_key.ok());
  CHECK(contains(public_key.error(), "unsupported curve"));

  for (KeyType type : kBothCurves) {
    const Pkey theirs = openssl_generate(type);
    REQUIRE(EVP_PKEY_set_utf8_string_param(theirs.p, OSSL_PKEY_PARAM_EC_ENCODING, "explicit") == 1);
    CHECK(contains(private_error(openssl_pkcs8(theirs)), "explicit"));
    CHECK(contains(private_error(openssl_traditional(theirs)), "explicit"));
    CHECK_FALSE(public_key_from_pem(openssl_public(theirs)).ok());
  }
  // An RSA key.
  EVP_PKEY* rsa_raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  REQUIRE(rsa_raw != nullptr);
  const Pkey rsa(rsa_raw);
  CHECK_FALSE(private_key_from_pem(openssl_pkcs8(rsa)).ok());
  CHECK(contains(public_key_from_pem(openssl_public(rsa)).error(), "unsupported key algorithm"));
}

TEST_CASE("pem: scalars out of range and mismatched public keys are rejected", "[pem]") {
  const std::string sm2_n = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
  const std::string k1_n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
  struct Case {
    KeyType type;
    std::string d;
  };
  const std::vector<Case> bad = {
      {KeyType::kSm2, std::string(64, '0')},
      {KeyType::kSm2, sm2_n},
      {KeyType::kSm2, "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54122"},  // n - 1
      {KeyType::kSm2, std::string(64, 'f')},
      {KeyType::kSecp256k1, std::string(64, '0')},
      {KeyType::kSecp256k1, k1_n},
      {KeyType::kSecp256k1, std::string(64, 'f')},
      {KeyType::kSecp256k1, "01" + std::string(64, '0')},  // 33 bytes
      {KeyType::kSecp256k1, ""},                           // empty
  };
  for (const Case& c : bad) {
    INFO(c.d);
    const Bytes sec1 = ec_private_key_der(hex(c.d), &c.type, nullptr);
    CHECK_FALSE(private_key_from_pem(openssl_pem("EC PRIVATE KEY", sec1)).ok());
    const Bytes inner = ec_private_key_der(hex(c.d), nullptr, nullptr);
    const Bytes algorithm = algorithm_id(der::kOidEcPublicKey, curve_oid(c.type));
    CHECK_FALSE(private_key_from_pem(openssl_pem("PRIVATE KEY", pkcs8_der(algorithm, inner))).ok());
  }
  // Edge values that are valid: 1, n - 1 (secp256k1), n - 2 (SM2), and a short scalar padded.
  for (const Case& c :
       std::vector<Case>{{KeyType::kSm2, std::string(63, '0') + "1"},
                         {KeyType::kSm2, "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54121"},
                         {KeyType::kSecp256k1, "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"},
                         {KeyType::kSecp256k1, "07"}}) {
    INFO(c.d);
    auto key = private_key_from_pem(openssl_pem("EC PRIVATE KEY", ec_private_key_der(hex(c.d), &c.type, nullptr)));
    REQUIRE(key.ok());
    Bytes expected(32 - c.d.size() / 2, 0);
    append(expected, hex(c.d));
    CHECK(to_bytes(key->secret()) == expected);
  }

  for (KeyType type : kBothCurves) {
    const PrivateKey key = PrivateKey::generate(type).value();
    const PrivateKey other = PrivateKey::generate(type).value();
    const Bytes wrong_point = other.public_key().uncompressed();
    const Bytes right_point = key.public_key().uncompressed();
    CHECK(contains(private_error(openssl_pem("EC PRIVATE KEY", ec_private_key_der(key.secret(), &type, &wrong_point))),
                   "does not match"));
    const Bytes algorithm = algorithm_id(der::kOidEcPublicKey, curve_oid(type));
    CHECK(contains(private_error(openssl_pem(
                       "PRIVATE KEY", pkcs8_der(algorithm, ec_private_key_der(key.secret(), nullptr, &wrong_point)))),
                   "does not match"));
    // A point that is not on the curve, a bare x||y, and a [0] curve that contradicts PKCS#8's.
    Bytes off_curve = right_point;
    off_curve[64] ^= 1;
    CHECK_FALSE(
        private_key_from_pem(openssl_pem("EC PRIVATE KEY", ec_private_key_der(key.secret(), &type, &off_curve))).ok());
    const Bytes bare(right_point.begin() + 1, right_point.end());
    CHECK_FALSE(
        private_key_from_pem(openssl_pem("EC PRIVATE KEY", ec_private_key_der(key.secret(), &type, &bare))).ok());
    const KeyType other_type = type == KeyType::kSm2 ? KeyType::kSecp256k1 : KeyType::kSm2;
    CHECK(contains(private_error(openssl_pem(
                       "PRIVATE KEY", pkcs8_der(algorithm, ec_private_key_der(key.secret(), &other_type, nullptr)))),
                   "different curve"));
    // SEC1 without [0] names no curve.
    CHECK(
        contains(private_error(openssl_pem("EC PRIVATE KEY", ec_private_key_der(key.secret(), nullptr, &right_point))),
                 "curve"));
    CHECK(private_key_from_pem(openssl_pem("EC PRIVATE KEY", ec_private_key_der(key.secret(), &type, &right_point)))
              .ok());
    // SPKI with an invalid point.
    CHECK_FALSE(public_key_from_pem(openssl_pem("PUBLIC KEY", spki_der(algorithm, off_curve))).ok());
    CHECK_FALSE(public_key_from_pem(openssl_pem("PUBLIC KEY", spki_der(algorithm, bare))).ok());
    CHECK(public_key_from_pem(openssl_pem("PUBLIC KEY", spki_der(algorithm, right_point))).ok());
  }
}

TEST_CASE("pem: random byte mutations of a key never crash and never yield another key", "[pem]") {
  std::mt19937_64 rng(0xbadbeef);
  for (KeyType type : kBothCurves) {
    const PrivateKey key = PrivateKey::generate(type).value();
    const Bytes der = openssl_pem_body(private_key_to_pem(key));
    const Bytes spki = openssl_pem_body(public_key_to_pem(key.public_key()));
    for (int i = 0; i < 400; ++i) {
      Bytes mutated = der;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) mutated[rng() % mutated.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      auto read = private_key_from_pem(openssl_pem("PRIVATE KEY", mutated));
      if (read.ok()) CHECK(to_bytes(read->secret()) == to_bytes(key.secret()));

      Bytes mutated_public = spki;
      mutated_public[rng() % mutated_public.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      auto read_public = public_key_from_pem(openssl_pem("PUBLIC KEY", mutated_public));
      if (read_public.ok()) CHECK(read_public.value() == key.public_key());
    }
  }
}
