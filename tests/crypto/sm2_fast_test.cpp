// The dedicated SM2 arithmetic (libs/crypto/src/sm2fast) against independent implementations:
// field and scalar operations against CryptoPP::Integer, point multiplications against
// CryptoPP::ECP, signatures against OpenSSL 3 (EVP, SM2) in both directions, plus the
// GB/T 32918.5 example, edge cases and malformed input.
//
// The default run does a few thousand random cases; TRESTLE_LONG_TESTS=1 runs over 100,000
// sign/verify round trips through OpenSSL. TRESTLE_TEST_SEED=<number> changes the seed.

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

namespace trestle::crypto::sm2fast {
namespace {

using CryptoPP::ECP;
using CryptoPP::ECPPoint;
using CryptoPP::Integer;

bool long_mode() {
  const char* v = std::getenv("TRESTLE_LONG_TESTS");
  return v != nullptr && std::string(v) == "1";
}

// Iterations: `normal` by default, `long_count` under TRESTLE_LONG_TESTS=1.
int iterations(int normal, int long_count) { return long_mode() ? long_count : normal; }

std::uint64_t seed() {
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

Integer int_be(const std::uint8_t* be, std::size_t size = 32) {
  return Integer(be, size, Integer::UNSIGNED, CryptoPP::BIG_ENDIAN_ORDER);
}
Bytes32 be_of(const Integer& v) {
  Bytes32 out;
  v.Encode(out.data(), out.size(), Integer::UNSIGNED);
  return out;
}
Integer int_of(const Fe& limbs) {
  Bytes32 be;
  limbs_to_be(limbs, be.data());
  return int_be(be.data());
}
Integer int_of(const Sc& limbs) { return int_of(Fe{{limbs.v[0], limbs.v[1], limbs.v[2], limbs.v[3]}}); }
Fe fe_of(const Integer& v) { return limbs_from_be(be_of(v).data()); }
Sc sc_of(const Integer& v) { return sc_from_be(be_of(v).data()); }

const Integer kPInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF");
const Integer kNInt("0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123");
const Integer kBInt("0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
const Integer kGxInt("0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
const Integer kGyInt("0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");
const Integer kR("0x10000000000000000000000000000000000000000000000000000000000000000");  // 2^256

const ECP& curve() {
  static const ECP kCurve(kPInt, kPInt - 3, kBInt);
  return kCurve;
}
ECPPoint g_point() { return ECPPoint(kGxInt, kGyInt); }

Point64 xy_of(const ECPPoint& p) {
  Point64 xy;
  p.x.Encode(xy.data(), 32, Integer::UNSIGNED);
  p.y.Encode(xy.data() + 32, 32, Integer::UNSIGNED);
  return xy;
}
ECPPoint point_of(const Point64& xy) { return ECPPoint(int_be(xy.data()), int_be(xy.data() + 32)); }

// Our Jacobian point -> Crypto++ affine point (identity for Z = 0).
ECPPoint to_cryptopp(const Jac& p) {
  if (jac_is_infinity_var(p)) return ECPPoint();
  const Aff a = jac_to_affine(p);
  return ECPPoint(int_of(fe_from_mont(a.x)), int_of(fe_from_mont(a.y)));
}
Aff aff_of(const ECPPoint& p) { return Aff{fe_to_mont(fe_of(p.x)), fe_to_mont(fe_of(p.y))}; }

// Random value in [0, m) plus the edge values every operation must get right.
std::vector<Integer> operands(Rng& rng, const Integer& m, int random_count) {
  std::vector<Integer> v = {Integer::Zero(), Integer::One(), Integer::Two(), m - 1, m - 2, m / 2, m / 2 + 1};
  v.push_back(Integer::Power2(255) % m);
  v.push_back((kR - 1) % m);
  v.push_back(Integer::Power2(224) % m);
  v.push_back(Integer::Power2(64) - 1);
  for (int i = 0; i < random_count; ++i) v.push_back(int_be(rng.bytes32().data()) % m);
  return v;
}

Hash256 hash_of(const Bytes32& b) { return Hash256(b); }

// ---------- OpenSSL helpers (independent SM2 implementation) ----------

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// An OpenSSL SM2 key from x || y and optionally the private scalar.
EvpPkeyPtr openssl_key(const Point64& xy, const Bytes32* d) {
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

Bytes der_of(const sm2::Signature& sig) {
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

sm2::Signature sig_of_der(const Bytes& der) {
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
bool openssl_verify_digest(EVP_PKEY* key, const Hash256& e, const sm2::Signature& sig) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  REQUIRE(EVP_PKEY_verify_init(ctx) == 1);
  const Bytes der = der_of(sig);
  const int rc = EVP_PKEY_verify(ctx, der.data(), der.size(), e.data(), e.size());
  EVP_PKEY_CTX_free(ctx);
  return rc == 1;
}

sm2::Signature openssl_sign_digest(EVP_PKEY* key, const Hash256& e) {
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
bool openssl_verify_message(EVP_PKEY* key, ByteView message, std::string_view id, const sm2::Signature& sig) {
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
Hash256 sm2_digest(const Point64& xy, std::string_view id, ByteView message) {
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
bool cryptopp_verify(const Point64& xy, const Hash256& e, const sm2::Signature& sig) {
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
Integer rfc6979_first_k(const Bytes32& d, const Hash256& e) {
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

TEST_CASE("sm2fast: field operations match CryptoPP::Integer modulo p", "[sm2fast]") {
  Rng rng;
  const auto values = operands(rng, kPInt, iterations(150, 1500));
  const Integer r_inv = kR.InverseMod(kPInt);
  int checked = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Integer& a = values[i];
    const Integer& b = values[(i * 7 + 3) % values.size()];
    const Fe am = fe_to_mont(fe_of(a));
    const Fe bm = fe_to_mont(fe_of(b));
    REQUIRE(int_of(am) == a * kR % kPInt);
    REQUIRE(int_of(fe_from_mont(am)) == a);
    Fe r;
    fe_mul(r, am, bm);
    REQUIRE(int_of(fe_from_mont(r)) == a * b % kPInt);
    fe_mul_portable(r, am, bm);
    REQUIRE(int_of(fe_from_mont(r)) == a * b % kPInt);
    fe_mul_portable(r, fe_of(a), fe_of(b));  // raw Montgomery product a b / 2^256
    REQUIRE(int_of(r) == a * b * r_inv % kPInt);
    fe_sqr(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == a * a % kPInt);
    fe_sqr_portable(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == a * a % kPInt);
    fe_add(r, am, bm);
    REQUIRE(int_of(fe_from_mont(r)) == (a + b) % kPInt);
    fe_sub(r, am, bm);
    REQUIRE(int_of(fe_from_mont(r)) == (a - b + kPInt) % kPInt);
    fe_neg(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == (kPInt - a) % kPInt);
    REQUIRE((fe_zero_mask(am) != 0) == a.IsZero());
    REQUIRE((fe_eq_mask(am, bm) != 0) == (a == b));
    const Integer a_inv = a.IsZero() ? Integer::Zero() : a.InverseMod(kPInt);
    fe_inv(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == a_inv);
    fe_inv_fermat(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == a_inv);
    fe_half(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == a * Integer::Two().InverseMod(kPInt) % kPInt);
    fe_half_portable(r, am);
    REQUIRE(int_of(fe_from_mont(r)) == a * Integer::Two().InverseMod(kPInt) % kPInt);
    fe_add_portable(r, am, bm);
    REQUIRE(int_of(fe_from_mont(r)) == (a + b) % kPInt);
    fe_sub_portable(r, am, bm);
    REQUIRE(int_of(fe_from_mont(r)) == (a - b + kPInt) % kPInt);
    Fe root;
    const bool square = fe_sqrt(root, am) != 0;
    REQUIRE(square == (CryptoPP::Jacobi(a, kPInt) >= 0));
    if (square) REQUIRE(int_of(fe_from_mont(root)) * int_of(fe_from_mont(root)) % kPInt == a);
    ++checked;
  }
  REQUIRE(checked == static_cast<int>(values.size()));
}

TEST_CASE("sm2fast: limb helpers handle 2^256 - 1 and values at p", "[sm2fast]") {
  const Fe all_ones = {{~0ull, ~0ull, ~0ull, ~0ull}};
  CHECK(limbs_lt_mask(all_ones, kP) == 0);
  CHECK(limbs_lt_mask(kP, kP) == 0);
  CHECK(limbs_lt_mask(fe_of(kPInt - 1), kP) == ~0ull);
  // Reducing s + carry * 2^256 < 2p: 2^256 - 1 (carry 0) and p + (p - 1) (carry set).
  Fe r;
  fe_reduce_once(r, all_ones, 0);
  CHECK(int_of(r) == (kR - 1) % kPInt);
  const Integer two_p_minus_1 = 2 * kPInt - 1;
  fe_reduce_once(r, fe_of(two_p_minus_1 - kR), 1);
  CHECK(int_of(r) == kPInt - 1);
  CHECK(int_of(sc_reduce(Sc{{~0ull, ~0ull, ~0ull, ~0ull}})) == (kR - 1) % kNInt);
  CHECK(int_of(sc_reduce(kN)).IsZero());
  Bytes32 be;
  limbs_to_be(all_ones, be.data());
  CHECK(int_be(be.data()) == kR - 1);
}

TEST_CASE("sm2fast: scalar operations match CryptoPP::Integer modulo n", "[sm2fast]") {
  Rng rng;
  const auto values = operands(rng, kNInt, iterations(150, 1500));
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Integer& a = values[i];
    const Integer& b = values[(i * 5 + 1) % values.size()];
    const Sc as = sc_of(a);
    const Sc bs = sc_of(b);
    Sc r;
    sc_add(r, as, bs);
    REQUIRE(int_of(r) == (a + b) % kNInt);
    sc_sub(r, as, bs);
    REQUIRE(int_of(r) == (a - b + kNInt) % kNInt);
    sc_mont_mul(r, sc_to_mont(as), bs);
    REQUIRE(int_of(r) == a * b % kNInt);
    const Integer a_inv = a.IsZero() ? Integer::Zero() : a.InverseMod(kNInt);
    sc_inv(r, sc_to_mont(as));
    REQUIRE(int_of(sc_from_mont(r)) == a_inv);
    sc_inv_fermat(r, sc_to_mont(as));
    REQUIRE(int_of(sc_from_mont(r)) == a_inv);
    sc_mont_mul_portable(r, sc_to_mont(as), bs);
    REQUIRE(int_of(r) == a * b % kNInt);
    REQUIRE((sc_in_range_mask(as, sc_of(kNInt - 1)) != 0) == (a >= 1));
  }
  // Reduction of any 256-bit digest: values in [n, 2^256).
  for (int i = 0; i < iterations(200, 2000); ++i) {
    const Bytes32 raw = rng.bytes32();
    Integer v = int_be(raw.data());
    if (i % 2 == 0) v = kNInt + v % (kR - kNInt);
    REQUIRE(int_of(sc_reduce(sc_of(v))) == v % kNInt);
  }
}

// ---------- points ----------

TEST_CASE("sm2fast: constant-time k*G matches Crypto++ for random and edge scalars", "[sm2fast]") {
  Rng rng;
  std::vector<Integer> scalars = {1, 2, 3, 31, 32, 33, 63, 64, 65, kNInt - 1, kNInt - 2, kNInt - 3, kNInt / 2};
  // Windows of all ones (largest negative digits), a lone top digit, and 2^256 - n, the
  // smallest value whose top window carries.
  scalars.push_back(Integer::Power2(252) - 1);
  scalars.push_back(Integer::Power2(252));
  scalars.push_back(Integer::Power2(255) + Integer::Power2(251));
  scalars.push_back(kR - kNInt);
  scalars.push_back(kNInt - Integer::Power2(200));
  for (int i = 0; i < iterations(150, 3000); ++i) {
    const Integer k = int_be(rng.bytes32().data()) % kNInt;
    if (!k.IsZero()) scalars.push_back(k);
  }
  for (const Integer& k : scalars) {
    INFO("k = " << std::hex << k);
    const ECPPoint want = curve().ScalarMultiply(g_point(), k);
    REQUIRE(to_cryptopp(mul_base_ct(sc_of(k))) == want);
  }
}

TEST_CASE("sm2fast: s*G + t*P matches Crypto++, with and without a key table", "[sm2fast]") {
  Rng rng;
  const ECPPoint g = g_point();
  for (int i = 0; i < iterations(100, 2000); ++i) {
    const Integer d = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
    const ECPPoint p = curve().ScalarMultiply(g, d);
    Integer s = int_be(rng.bytes32().data()) % kNInt;
    Integer t = int_be(rng.bytes32().data()) % kNInt;
    if (i % 10 == 1) s = kNInt - 1;
    if (i % 10 == 2) t = 1;
    if (i % 10 == 3) s = Integer::Zero();
    const ECPPoint want = curve().Add(curve().ScalarMultiply(g, s), curve().ScalarMultiply(p, t));
    const Aff pa = aff_of(p);
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of(t), pa, nullptr)) == want);
    const ChunkTables tables = build_chunk_tables(pa, 4 + i % 5);
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of(t), pa, &tables)) == want);
  }
}

TEST_CASE("sm2fast: s*G + t*P through equal points, opposite points and infinity", "[sm2fast]") {
  Rng rng;
  const ECPPoint g = g_point();
  const Aff ga = aff_of(g);
  const Aff minus_g = aff_of(curve().Inverse(g));
  // P = G and P = -G with tables as wide as G's own: both scalars then have the same digits at
  // the same positions, so the additions meet P + P (doubling) and P + (-P) (infinity) inside
  // the loop, not only at the end.
  const ChunkTables g_tables = build_chunk_tables(ga, kGVerifyWidth);
  const ChunkTables minus_g_tables = build_chunk_tables(minus_g, kGVerifyWidth);
  for (int i = 0; i < iterations(40, 400); ++i) {
    const Integer s = int_be(rng.bytes32().data()) % kNInt;
    const Integer t = i % 2 == 0 ? s : (s + 1) % kNInt;
    const ECPPoint sum_plus = curve().ScalarMultiply(g, (s + t) % kNInt);
    const ECPPoint sum_minus = curve().ScalarMultiply(g, (s - t + kNInt) % kNInt);
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of(t), ga, &g_tables)) == sum_plus);
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of(t), ga, nullptr)) == sum_plus);
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of(t), minus_g, &minus_g_tables)) == sum_minus);
    REQUIRE(to_cryptopp(mul_double_var(sc_of(s), sc_of(t), minus_g, nullptr)) == sum_minus);
  }
  CHECK(to_cryptopp(mul_double_var(sc_of(1), sc_of(1), ga, nullptr)) == curve().Double(g));
  CHECK(jac_is_infinity_var(mul_double_var(sc_of(1), sc_of(kNInt - 1), ga, nullptr)));
  CHECK(jac_is_infinity_var(mul_double_var(sc_of(5), sc_of(5), minus_g, &minus_g_tables)));
  CHECK(jac_is_infinity_var(mul_double_var(sc_of(0), sc_of(0), ga, nullptr)));
}

TEST_CASE("sm2fast: key derivation for d = 1, 2, n-2 and random d matches Crypto++", "[sm2fast]") {
  Rng rng;
  std::vector<Integer> keys = {1, 2, 3, kNInt - 2, kNInt - 3};
  for (int i = 0; i < iterations(50, 1000); ++i) keys.push_back(int_be(rng.bytes32().data()) % (kNInt - 2) + 1);
  for (const Integer& d : keys) {
    const Bytes32 d32 = be_of(d);
    REQUIRE(private_scalar_valid(d32));
    const Point64 pub = derive_public(d32);
    REQUIRE(pub == xy_of(curve().ScalarMultiply(g_point(), d)));
    auto key = SigningKey::from_bytes(d32);
    REQUIRE(key.ok());
    REQUIRE(key->public_key() == pub);
  }
  for (const Integer& bad : {Integer::Zero(), kNInt - 1, kNInt, kR - 1}) {
    CHECK_FALSE(private_scalar_valid(be_of(bad)));
    CHECK_FALSE(SigningKey::from_bytes(be_of(bad)).ok());
  }
  CHECK_FALSE(SigningKey::from_bytes(Bytes(31, 1)).ok());
  CHECK_FALSE(private_scalar_valid(Bytes(33, 1)));
}

TEST_CASE("sm2fast: the portable arithmetic (no MULX/ADX) gives the same points and signatures", "[sm2fast]") {
#if defined(TRESTLE_SM2_X86_64_ASM)
  // Flip the process-wide switch for the duration of this test (Catch2 runs tests one at a time).
  struct Restore {
    bool saved = g_fp_use_adx;
    ~Restore() { g_fp_use_adx = saved; }
  } restore;
  g_fp_use_adx = false;
#endif
  Rng rng;
  for (int i = 0; i < iterations(20, 200); ++i) {
    const Integer k = int_be(rng.bytes32().data()) % (kNInt - 1) + 1;
    const Integer t = int_be(rng.bytes32().data()) % kNInt;
    const ECPPoint p = curve().ScalarMultiply(g_point(), k);
    REQUIRE(to_cryptopp(mul_base_ct(sc_of(k))) == p);
    const ECPPoint want = curve().Add(curve().ScalarMultiply(g_point(), t), curve().ScalarMultiply(p, k));
    REQUIRE(to_cryptopp(mul_double_var(sc_of(t), sc_of(k), aff_of(p), nullptr)) == want);
    auto key = SigningKey::from_bytes(be_of(k % (kNInt - 2) + 1));
    REQUIRE(key.ok());
    const Hash256 e = hash_of(rng.bytes32());
    auto sig = key->sign_digest(e);
    REQUIRE(sig.ok());
    REQUIRE(cryptopp_verify(key->public_key(), e, sig.value()));
    REQUIRE(verify_digest(key->public_key(), e, sig.value()));
  }
}

// ---------- signatures ----------

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
