#pragma once
// Shared by the sm2fast tests: CryptoPP::Integer / ECP and OpenSSL 3 (EVP, SM2) as the independent
// implementations, conversions to and from the dedicated arithmetic, and the long-run switch
// (TRESTLE_LONG_TESTS=1; TRESTLE_TEST_SEED=<number> changes the seed).

#include <cryptopp/ecp.h>
#include <cryptopp/integer.h>
#include <cryptopp/nbtheory.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sm2fast/batch_verify.hpp"
#include "sm2fast/ecmult.hpp"
#include "sm2fast/key_cache.hpp"
#include "sm2fast/modinv.hpp"
#include "sm2fast/sm2_fast.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/hash.hpp"

namespace trestle::crypto::sm2fast::test_util {

using CryptoPP::ECP;
using CryptoPP::ECPPoint;
using CryptoPP::Integer;

inline bool long_mode() {
  const char* v = std::getenv("TRESTLE_LONG_TESTS");
  return v != nullptr && std::string(v) == "1";
}

// Iterations: `normal` by default, `long_count` under TRESTLE_LONG_TESTS=1.
inline int iterations(int normal, int long_count) { return long_mode() ? long_count : normal; }

inline std::uint64_t seed() {
  const char* v = std::getenv("TRESTLE_TEST_SEED");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 0x534d32u;
}

struct Rng {
  std::mt19937_64 gen{seed()};
  Bytes32 bytes32() {
    Bytes32 out;
    for (std::size_t i = 0; i < 32; i += 8) {
      const std::uint64_t w = gen();
      for (int j = 0; j < 8; ++j) out[i + static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(w >> (8 * j));
    }
    return out;
  }
  Bytes bytes(std::size_t count) {
    Bytes out(count);
    for (auto& b : out) b = static_cast<std::uint8_t>(gen());
    return out;
  }
};

inline Integer int_be(const std::uint8_t* be, std::size_t size = 32) {
  return Integer(be, size, Integer::UNSIGNED, CryptoPP::BIG_ENDIAN_ORDER);
}
inline Bytes32 be_of(const Integer& v) {
  Bytes32 out;
  v.Encode(out.data(), out.size(), Integer::UNSIGNED);
  return out;
}
inline Integer int_of(const Fe& limbs) {
  Bytes32 be;
  limbs_to_be(limbs, be.data());
  return int_be(be.data());
}
inline Integer int_of(const Sc& limbs) { return int_of(Fe{{limbs.v[0], limbs.v[1], limbs.v[2], limbs.v[3]}}); }
inline Fe fe_of(const Integer& v) { return limbs_from_be(be_of(v).data()); }
inline Sc sc_of(const Integer& v) { return sc_from_be(be_of(v).data()); }

inline const Integer kPInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
inline const Integer kNInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
inline const Integer kBInt("0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
inline const Integer kGxInt("0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
inline const Integer kGyInt("0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
inline const Integer kR("0x10000000000000000000000000000000000000000000000000000000000000000");  // 2^256

inline const ECP& curve() {
  static const ECP kCurve(kPInt, kPInt - 3, kBInt);
  return kCurve;
}
inline ECPPoint g_point() { return ECPPoint(kGxInt, kGyInt); }

inline Point64 xy_of(const ECPPoint& p) {
  Point64 xy;
  p.x.Encode(xy.data(), 32, Integer::UNSIGNED);
  p.y.Encode(xy.data() + 32, 32, Integer::UNSIGNED);
  return xy;
}
inline ECPPoint point_of(const Point64& xy) { return ECPPoint(int_be(xy.data()), int_be(xy.data() + 32)); }

// Our Jacobian point -> Crypto++ affine point (identity for Z = 0).
inline ECPPoint to_cryptopp(const Jac& p) {
  if (jac_is_infinity_var(p)) return ECPPoint();
  const Aff a = jac_to_affine(p);
  return ECPPoint(int_of(fe_from_mont(a.x)), int_of(fe_from_mont(a.y)));
}
inline Aff aff_of(const ECPPoint& p) { return Aff{fe_to_mont(fe_of(p.x)), fe_to_mont(fe_of(p.y))}; }

// Random value in [0, m) plus the edge values every operation must get right.
inline std::vector<Integer> operands(Rng& rng, const Integer& m, int random_count) {
  std::vector<Integer> v = {Integer::Zero(), Integer::One(), Integer::Two(), m - 1, m - 2, m / 2, m / 2 + 1};
  v.push_back(Integer::Power2(255) % m);
  v.push_back((kR - 1) % m);
  v.push_back(Integer::Power2(224) % m);
  v.push_back(Integer::Power2(64) - 1);
  for (int i = 0; i < random_count; ++i) v.push_back(int_be(rng.bytes32().data()) % m);
  return v;
}

inline Hash256 hash_of(const Bytes32& b) { return Hash256(b); }

// ---------- OpenSSL helpers (independent SM2 implementation) ----------

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// An OpenSSL SM2 key from x || y and optionally the private scalar.
inline EvpPkeyPtr openssl_key(const Point64& xy, const Bytes32* d) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  REQUIRE(bld != nullptr);
  std::uint8_t pub[65] = {0x04};
  std::copy(xy.begin(), xy.end(), pub + 1);
  BIGNUM* priv = d != nullptr ? BN_bin2bn(d->data(), 32, nullptr) : nullptr;
  REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) == 1);
  REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) == 1);
  if (priv != nullptr) REQUIRE(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) == 1);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  EVP_PKEY* key = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx, &key, d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) == 1);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(priv);
  return EvpPkeyPtr(key);
}

inline Bytes der_of(const sm2::Signature& sig) {
  ECDSA_SIG* s = ECDSA_SIG_new();
  ECDSA_SIG_set0(s, BN_bin2bn(sig.r.data(), 32, nullptr), BN_bin2bn(sig.s.data(), 32, nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(s, &der);
  REQUIRE(len > 0);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(s);
  return out;
}

inline sm2::Signature sig_of_der(const Bytes& der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  REQUIRE(s != nullptr);
  sm2::Signature out;
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_r(s), out.r.data(), 32) == 32);
  REQUIRE(BN_bn2binpad(ECDSA_SIG_get0_s(s), out.s.data(), 32) == 32);
  ECDSA_SIG_free(s);
  return out;
}

// OpenSSL's SM2 verification of (r, s) on the digest e (no Z_A step: e is what is signed).
inline bool openssl_verify_digest(EVP_PKEY* key, const Hash256& e, const sm2::Signature& sig) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  REQUIRE(EVP_PKEY_verify_init(ctx) == 1);
  const Bytes der = der_of(sig);
  const int rc = EVP_PKEY_verify(ctx, der.data(), der.size(), e.data(), e.size());
  EVP_PKEY_CTX_free(ctx);
  return rc == 1;
}

inline sm2::Signature openssl_sign_digest(EVP_PKEY* key, const Hash256& e) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  REQUIRE(EVP_PKEY_sign_init(ctx) == 1);
  Bytes der(80);
  std::size_t len = der.size();
  REQUIRE(EVP_PKEY_sign(ctx, der.data(), &len, e.data(), e.size()) == 1);
  der.resize(len);
  EVP_PKEY_CTX_free(ctx);
  return sig_of_der(der);
}

// Full message verification by OpenSSL: SM3(Z_A || M) with the user ID, as a peer would do it.
inline bool openssl_verify_message(EVP_PKEY* key, ByteView message, std::string_view id, const sm2::Signature& sig) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  REQUIRE(EVP_PKEY_CTX_set1_id(ctx, id.data(), id.size()) == 1);
  EVP_MD_CTX_set_pkey_ctx(md, ctx);
  REQUIRE(EVP_DigestVerifyInit(md, nullptr, EVP_sm3(), nullptr, key) == 1);
  const Bytes der = der_of(sig);
  const int rc = EVP_DigestVerify(md, der.data(), der.size(), message.data(), message.size());
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(ctx);
  return rc == 1;
}

// Z_A and e = SM3(Z_A || M), written out from GB/T 32918.2 5.5 with our SM3.
inline Hash256 sm2_digest(const Point64& xy, std::string_view id, ByteView message) {
  Bytes za_input = {static_cast<std::uint8_t>((id.size() * 8) >> 8), static_cast<std::uint8_t>(id.size() * 8)};
  append(za_input, as_bytes(id));
  for (const Integer& v : {kPInt - 3, kBInt, kGxInt, kGyInt}) append(za_input, be_of(v));
  append(za_input, xy);
  const Hash256 za = sm3(za_input);
  Bytes e_input = za.to_vector();
  append(e_input, message);
  return sm3(e_input);
}

// The signature equation checked with Crypto++ integers: r = (e + x1) mod n with
// (x1, y1) = s*G + (r + s)*P, and r, s in [1, n-1].
inline bool cryptopp_verify(const Point64& xy, const Hash256& e, const sm2::Signature& sig) {
  const Integer r = int_be(sig.r.data());
  const Integer s = int_be(sig.s.data());
  if (r < 1 || r >= kNInt || s < 1 || s >= kNInt) return false;
  const Integer t = (r + s) % kNInt;
  if (t.IsZero()) return false;
  const ECPPoint sum = curve().Add(curve().ScalarMultiply(g_point(), s), curve().ScalarMultiply(point_of(xy), t));
  if (sum.identity) return false;
  return (int_be(e.data()) + sum.x) % kNInt == r;
}

// RFC 6979 with HMAC-SM3, written independently on OpenSSL's HMAC: the first candidate nonce.
inline Integer rfc6979_first_k(const Bytes32& d, const Hash256& e) {
  auto mac = [](const Bytes& key, const Bytes& data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    REQUIRE(HMAC(EVP_sm3(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out, &len) != nullptr);
    return Bytes(out, out + len);
  };
  const Bytes h1 = to_bytes(be_of(int_be(e.data()) % kNInt));
  Bytes v(32, 0x01);
  Bytes k(32, 0x00);
  for (std::uint8_t tag : {std::uint8_t{0}, std::uint8_t{1}}) {
    Bytes data = v;
    data.push_back(tag);
    append(data, d);
    append(data, h1);
    k = mac(k, data);
    v = mac(k, v);
  }
  v = mac(k, v);
  return int_be(v.data());
}

// ---------- field and scalar arithmetic ----------

}  // namespace trestle::crypto::sm2fast::test_util
