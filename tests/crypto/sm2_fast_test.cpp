// The dedicated SM2 arithmetic (libs/crypto/src/sm2fast) against independent implementations:
// field and scalar operations against CryptoPP::Integer, point multiplications against
// CryptoPP::ECP, signatures against OpenSSL 3 (EVP, SM2) in both directions, plus the
// GB/T 32918.5 example, edge cases and malformed input. This file: field, scalar and point
// arithmetic; sm2_fast_sign_test.cpp: signatures, verification, keys and batches.
//
// The default run does a few thousand random cases; TRESTLE_LONG_TESTS=1 runs over 100,000
// sign/verify round trips through OpenSSL. TRESTLE_TEST_SEED=<number> changes the seed.

#include "sm2_fast_test_util.hpp"

namespace trestle::crypto::sm2fast {
namespace {

using namespace test_util;

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

}  // namespace
}  // namespace trestle::crypto::sm2fast
