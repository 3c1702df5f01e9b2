#pragma once
// Arithmetic in F_p for SM2's prime p = 2^256 - 2^224 - 2^96 + 2^64 - 1 (GB/T 32918.5).
//
// An element is four 64-bit limbs, least significant first, in Montgomery form (a * 2^256 mod p)
// and always fully reduced into [0, p). Every function here runs in time independent of the
// values (no branches, no memory indexes on data), so the same code serves signing (secrets) and
// verification (public data).
//
// Montgomery reduction is cheap for this p: p = -1 mod 2^64, so the per-word factor
// -p^-1 mod 2^64 is 1, and (t + m*p) / 2^64 = floor(t / 2^64) + m*c with c = (p + 1) / 2^64 =
// 2^192 - 2^160 - 2^32 + 1, whose product with a word m is shifts and subtractions only.
//
// Two implementations: portable C++ on unsigned __int128 (also used in constant evaluation),
// and on x86-64 with GCC/Clang inline assembly (fp_x86_64.inc): multiplication and squaring with
// MULX/ADX when CPUID reports them, addition/subtraction/halving with the base instruction set.
// GCC 12 compiles the portable carry chains poorly (about four times slower), hence the
// assembly. The *_portable functions stay callable so the tests check both against Crypto++.

#include <cstdint>
#include <type_traits>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(TRESTLE_SM2_PORTABLE)
#define TRESTLE_SM2_X86_64_ASM 1
#include <cpuid.h>
#endif

namespace trestle::crypto::sm2fast {

__extension__ typedef unsigned __int128 u128;  // __extension__: GCC/Clang, silences -Wpedantic
using u64 = std::uint64_t;

struct Fe {
  u64 v[4];
};

// p, least significant limb first.
inline constexpr Fe kP = {{0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFF00000000ull, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFEFFFFFFFFull}};

constexpr u64 addc(u64 a, u64 b, u64& carry) {
  const u128 s = static_cast<u128>(a) + b + carry;
  carry = static_cast<u64>(s >> 64);
  return static_cast<u64>(s);
}

constexpr u64 subb(u64 a, u64 b, u64& borrow) {
  const u128 d = static_cast<u128>(a) - b - borrow;
  borrow = static_cast<u64>(d >> 64) & 1;
  return static_cast<u64>(d);
}

// All-ones when bit == 1, zero when bit == 0. Precondition: bit is 0 or 1.
constexpr u64 mask_of(u64 bit) { return 0 - bit; }

// r = mask ? a : b, limb by limb. mask is all-ones or zero.
constexpr void fe_select(Fe& r, u64 mask, const Fe& a, const Fe& b) {
  for (int i = 0; i < 4; ++i) r.v[i] = (a.v[i] & mask) | (b.v[i] & ~mask);
}

// Reduces s + carry * 2^256 (< 2p) into [0, p).
constexpr void fe_reduce_once(Fe& r, const Fe& s, u64 carry) {
  u64 borrow = 0;
  Fe d{};
  for (int i = 0; i < 4; ++i) d.v[i] = subb(s.v[i], kP.v[i], borrow);
  fe_select(r, mask_of(carry | (borrow ^ 1)), d, s);
}

constexpr void fe_add_portable(Fe& r, const Fe& a, const Fe& b) {
  u64 carry = 0;
  Fe s{};
  for (int i = 0; i < 4; ++i) s.v[i] = addc(a.v[i], b.v[i], carry);
  fe_reduce_once(r, s, carry);
}

constexpr void fe_sub_portable(Fe& r, const Fe& a, const Fe& b) {
  u64 borrow = 0;
  Fe d{};
  for (int i = 0; i < 4; ++i) d.v[i] = subb(a.v[i], b.v[i], borrow);
  const u64 mask = mask_of(borrow);
  u64 carry = 0;
  for (int i = 0; i < 4; ++i) r.v[i] = addc(d.v[i], kP.v[i] & mask, carry);
}

// r = a / 2 mod p (portable): adds p when a is odd, then shifts the 257-bit sum right.
constexpr void fe_half_portable(Fe& r, const Fe& a) {
  const u64 mask = mask_of(a.v[0] & 1);
  u64 carry = 0;
  Fe t{};
  for (int i = 0; i < 4; ++i) t.v[i] = addc(a.v[i], kP.v[i] & mask, carry);
  for (int i = 0; i < 3; ++i) r.v[i] = (t.v[i] >> 1) | (t.v[i + 1] << 63);
  r.v[3] = (t.v[3] >> 1) | (carry << 63);
}

// x = floor(x / 2^64) + x0 * c, c = (p + 1) / 2^64, which is (x + x0 * p) / 2^64 exactly.
// x0 * c = x0 * 2^192 + x0 - x0 * 2^32 - x0 * 2^160 = (x0, 0, 0, x0) - (lo, hi, lo, hi) in limbs,
// with lo:hi = x0 * 2^32. The result stays below 2^256: x0 * c < 2^256 - 2^223, x / 2^64 < 2^192.
constexpr void mont_step(u64& x0, u64& x1, u64& x2, u64& x3) {
  const u64 m = x0;
  const u64 lo = m << 32;
  const u64 hi = m >> 32;
  u64 borrow = 0;
  const u64 u0 = subb(m, lo, borrow);
  const u64 u1 = subb(0, hi, borrow);
  const u64 u2 = subb(0, lo, borrow);
  const u64 u3 = subb(m, hi, borrow);
  u64 carry = 0;
  x0 = addc(x1, u0, carry);
  x1 = addc(x2, u1, carry);
  x2 = addc(x3, u2, carry);
  x3 = u3 + carry;
}

// r = t / 2^256 mod p for a 512-bit t < p * 2^256 (Montgomery reduction, REDC).
constexpr void mont_reduce(Fe& r, const u64 (&t)[8]) {
  u64 x0 = t[0], x1 = t[1], x2 = t[2], x3 = t[3];
  mont_step(x0, x1, x2, x3);
  mont_step(x0, x1, x2, x3);
  mont_step(x0, x1, x2, x3);
  mont_step(x0, x1, x2, x3);
  // x0..x3 = (t_lo + M p) / 2^256, so x + t_hi = (t + M p) / 2^256 < 2p.
  u64 carry = 0;
  Fe s{};
  s.v[0] = addc(x0, t[4], carry);
  s.v[1] = addc(x1, t[5], carry);
  s.v[2] = addc(x2, t[6], carry);
  s.v[3] = addc(x3, t[7], carry);
  fe_reduce_once(r, s, carry);
}

// r = a * b / 2^256 mod p (portable).
[[gnu::noinline]] constexpr void fe_mul_portable(Fe& r, const Fe& a, const Fe& b) {
  u64 t[8] = {};
  for (int i = 0; i < 4; ++i) {
    u64 carry = 0;
    for (int j = 0; j < 4; ++j) {
      const u128 acc = static_cast<u128>(a.v[j]) * b.v[i] + t[i + j] + carry;
      t[i + j] = static_cast<u64>(acc);
      carry = static_cast<u64>(acc >> 64);
    }
    t[i + 4] = carry;
  }
  mont_reduce(r, t);
}

// r = a^2 / 2^256 mod p (portable): the six cross products once, doubled, plus the squares.
[[gnu::noinline]] constexpr void fe_sqr_portable(Fe& r, const Fe& a) {
  u64 t[8] = {};
  for (int i = 0; i < 3; ++i) {
    u64 carry = 0;
    for (int j = i + 1; j < 4; ++j) {
      const u128 acc = static_cast<u128>(a.v[j]) * a.v[i] + t[i + j] + carry;
      t[i + j] = static_cast<u64>(acc);
      carry = static_cast<u64>(acc >> 64);
    }
    t[i + 4] = carry;
  }
  u64 top = 0;
  for (int i = 0; i < 8; ++i) {
    const u64 next = t[i] >> 63;
    t[i] = (t[i] << 1) | top;
    top = next;
  }
  u64 carry = 0;
  for (int i = 0; i < 4; ++i) {
    const u128 sq = static_cast<u128>(a.v[i]) * a.v[i];
    t[2 * i] = addc(t[2 * i], static_cast<u64>(sq), carry);
    t[2 * i + 1] = addc(t[2 * i + 1], static_cast<u64>(sq >> 64), carry);
  }
  mont_reduce(r, t);
}

}  // namespace trestle::crypto::sm2fast

#if defined(TRESTLE_SM2_X86_64_ASM)
#include "fp_x86_64.inc"
#endif

namespace trestle::crypto::sm2fast {

// The arithmetic used everywhere: x86-64 assembly where compiled in (MULX/ADX only when the CPU
// has them), the portable code otherwise and in constant evaluation.
[[gnu::always_inline]] constexpr void fe_add(Fe& r, const Fe& a, const Fe& b) {
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (!std::is_constant_evaluated()) {
    fe_add_x86(r, a, b);
    return;
  }
#endif
  fe_add_portable(r, a, b);
}

[[gnu::always_inline]] constexpr void fe_sub(Fe& r, const Fe& a, const Fe& b) {
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (!std::is_constant_evaluated()) {
    fe_sub_x86(r, a, b);
    return;
  }
#endif
  fe_sub_portable(r, a, b);
}

[[gnu::always_inline]] constexpr void fe_neg(Fe& r, const Fe& a) { fe_sub(r, Fe{}, a); }

[[gnu::always_inline]] constexpr void fe_half(Fe& r, const Fe& a) {
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (!std::is_constant_evaluated()) {
    fe_half_x86(r, a);
    return;
  }
#endif
  fe_half_portable(r, a);
}

[[gnu::always_inline]] inline void fe_mul(Fe& r, const Fe& a, const Fe& b) {
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (g_fp_use_adx) {
    fe_mul_adx(r, a, b);
    return;
  }
#endif
  fe_mul_portable(r, a, b);
}

[[gnu::always_inline]] inline void fe_sqr(Fe& r, const Fe& a) {
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (g_fp_use_adx) {
    fe_sqr_adx(r, a);
    return;
  }
#endif
  fe_sqr_portable(r, a);
}

// r = a^(2^count) (count squarings).
inline void fe_sqr_n(Fe& r, const Fe& a, int count) {
  fe_sqr(r, a);
  for (int i = 1; i < count; ++i) fe_sqr(r, r);
}

// R^2 mod p with R = 2^256, for conversions into Montgomery form.
constexpr Fe fe_r2() {
  Fe x = {{1, 0xFFFFFFFFull, 0, 0x100000000ull}};  // R mod p = 2^224 + 2^96 - 2^64 + 1
  for (int i = 0; i < 256; ++i) fe_add(x, x, x);
  return x;
}
inline constexpr Fe kR2 = fe_r2();
inline constexpr Fe kOne = {{1, 0xFFFFFFFFull, 0, 0x100000000ull}};  // 1 in Montgomery form

// Plain integer (limbs, < p) -> Montgomery form.
constexpr Fe fe_to_mont(const Fe& plain) {
  Fe r{};
  fe_mul_portable(r, plain, kR2);
  return r;
}

// Montgomery form -> plain integer in [0, p).
constexpr Fe fe_from_mont(const Fe& a) {
  const u64 t[8] = {a.v[0], a.v[1], a.v[2], a.v[3], 0, 0, 0, 0};
  Fe r{};
  mont_reduce(r, t);
  return r;
}

// All-ones when a == 0, else zero.
constexpr u64 fe_zero_mask(const Fe& a) {
  const u64 any = a.v[0] | a.v[1] | a.v[2] | a.v[3];
  return mask_of(((any | (0 - any)) >> 63) ^ 1);
}

// All-ones when a == b, else zero.
constexpr u64 fe_eq_mask(const Fe& a, const Fe& b) {
  const Fe d = {{a.v[0] ^ b.v[0], a.v[1] ^ b.v[1], a.v[2] ^ b.v[2], a.v[3] ^ b.v[3]}};
  return fe_zero_mask(d);
}

// 32 bytes big-endian -> limbs, no reduction.
constexpr Fe limbs_from_be(const std::uint8_t* in) {
  Fe r{};
  for (int i = 0; i < 4; ++i) {
    u64 w = 0;
    for (int j = 0; j < 8; ++j) w = (w << 8) | in[(3 - i) * 8 + j];
    r.v[i] = w;
  }
  return r;
}

constexpr void limbs_to_be(const Fe& a, std::uint8_t* out) {
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 8; ++j) out[(3 - i) * 8 + j] = static_cast<std::uint8_t>(a.v[i] >> (56 - 8 * j));
  }
}

// All-ones when the plain integer a < m (limbs), else zero. Constant time.
constexpr u64 limbs_lt_mask(const Fe& a, const Fe& m) {
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) subb(a.v[i], m.v[i], borrow);
  return mask_of(borrow);
}

// Curve constants in Montgomery form: a = p - 3, b, and the base point G.
inline constexpr Fe kCurveB =
    fe_to_mont({{0xDDBCBD414D940E93ull, 0xF39789F515AB8F92ull, 0x4D5A9E4BCF6509A7ull, 0x28E9FA9E9D9F5E34ull}});
inline constexpr Fe kGx =
    fe_to_mont({{0x715A4589334C74C7ull, 0x8FE30BBFF2660BE1ull, 0x5F9904466A39C994ull, 0x32C4AE2C1F198119ull}});
inline constexpr Fe kGy =
    fe_to_mont({{0x02DF32E52139F0A0ull, 0xD0A9877CC62A4740ull, 0x59BDCEE36B692153ull, 0xBC3736A2F4F6779Cull}});

// r = a^-1 (r = 0 for a = 0), by Fermat: a^(p-2) along a fixed addition chain, so the sequence
// of operations does not depend on a. fe_inv (modinv.hpp, safegcd) is faster; this one stays as
// a second implementation for the tests. p - 2 in 32-bit words, most significant first:
// FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF FFFFFFFF 00000000 FFFFFFFF FFFFFFFD.
inline void fe_inv_fermat(Fe& r, const Fe& a) {
  Fe x2, x3, x6, x12, x15, x30, x31, x32, t;
  fe_sqr(t, a);
  fe_mul(x2, t, a);  // a^(2^2 - 1)
  fe_sqr(t, x2);
  fe_mul(x3, t, a);
  fe_sqr_n(t, x3, 3);
  fe_mul(x6, t, x3);
  fe_sqr_n(t, x6, 6);
  fe_mul(x12, t, x6);
  fe_sqr_n(t, x12, 3);
  fe_mul(x15, t, x3);
  fe_sqr_n(t, x15, 15);
  fe_mul(x30, t, x15);
  fe_sqr(t, x30);
  fe_mul(x31, t, a);
  fe_sqr(t, x31);
  fe_mul(x32, t, a);
  fe_sqr(t, x31);  // FFFFFFFE
  for (int i = 0; i < 4; ++i) {
    fe_sqr_n(t, t, 32);
    fe_mul(t, t, x32);  // FFFFFFFF
  }
  fe_sqr_n(t, t, 32);  // 00000000
  fe_sqr_n(t, t, 32);
  fe_mul(t, t, x32);  // FFFFFFFF
  fe_sqr_n(t, t, 30);
  fe_mul(t, t, x30);
  fe_sqr_n(t, t, 2);
  fe_mul(r, t, a);  // FFFFFFFD = (2^30 - 1) << 2 | 01
}

// Square root for p = 3 mod 4: r = a^((p+1)/4). Returns all-ones when a is a square (r is then a
// root), zero otherwise. The exponent is a constant, so scanning its bits is data-independent;
// only public data (compressed points) is ever decompressed, so no addition chain was worth it.
inline u64 fe_sqrt(Fe& r, const Fe& a) {
  constexpr u64 kExp[4] = {0x4000000000000000ull, 0xFFFFFFFFC0000000ull, 0xFFFFFFFFFFFFFFFFull,
                           0x3FFFFFFFBFFFFFFFull};  // (p + 1) / 4
  Fe t = kOne;
  for (int bit = 255; bit >= 0; --bit) {
    fe_sqr(t, t);
    if ((kExp[bit / 64] >> (bit % 64)) & 1) fe_mul(t, t, a);
  }
  r = t;
  Fe check;
  fe_sqr(check, r);
  return fe_eq_mask(check, a);
}

}  // namespace trestle::crypto::sm2fast
