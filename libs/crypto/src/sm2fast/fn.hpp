#pragma once
// Arithmetic modulo the order n of SM2's base point (GB/T 32918.5):
// n = FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF 7203DF6B 21C6052B 53BBF409 39D54123.
//
// A scalar is four 64-bit limbs, least significant first. Plain scalars are in [0, n); the
// Montgomery multiplication works on values in Montgomery form (a * 2^256 mod n), and the comment
// of each function says which form it takes. Everything runs in time independent of the values:
// signing feeds secrets (d, k) through these functions.

#include <cstdint>

#include "fp.hpp"
#include "trestle/core/bytes.hpp"

namespace trestle::crypto::sm2fast {

struct Sc {
  u64 v[4];
};

inline constexpr Sc kN = {{0x53BBF40939D54123ull, 0x7203DF6B21C6052Bull, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFEFFFFFFFFull}};
// -n^-1 mod 2^64, the per-word factor of Montgomery reduction.
inline constexpr u64 kN0 = 0x327F9E8872350975ull;

constexpr void sc_select(Sc& r, u64 mask, const Sc& a, const Sc& b) {
  for (int i = 0; i < 4; ++i) r.v[i] = (a.v[i] & mask) | (b.v[i] & ~mask);
}

// r = s + carry * 2^256 reduced by one conditional subtraction of n. Precondition: the value
// is below 2n.
constexpr void sc_reduce_once(Sc& r, const Sc& s, u64 carry) {
  u64 borrow = 0;
  Sc d{};
  for (int i = 0; i < 4; ++i) d.v[i] = subb(s.v[i], kN.v[i], borrow);
  sc_select(r, mask_of(carry | (borrow ^ 1)), d, s);
}

// Any 256-bit value (e.g. a digest) reduced into [0, n); 2^256 < 2n, so one subtraction does.
constexpr Sc sc_reduce(const Sc& a) {
  Sc r{};
  sc_reduce_once(r, a, 0);
  return r;
}

constexpr void sc_add(Sc& r, const Sc& a, const Sc& b) {
  u64 carry = 0;
  Sc s{};
  for (int i = 0; i < 4; ++i) s.v[i] = addc(a.v[i], b.v[i], carry);
  sc_reduce_once(r, s, carry);
}

constexpr void sc_sub(Sc& r, const Sc& a, const Sc& b) {
  u64 borrow = 0;
  Sc d{};
  for (int i = 0; i < 4; ++i) d.v[i] = subb(a.v[i], b.v[i], borrow);
  const u64 mask = mask_of(borrow);
  u64 carry = 0;
  for (int i = 0; i < 4; ++i) r.v[i] = addc(d.v[i], kN.v[i] & mask, carry);
}

// r = a * b / 2^256 mod n (CIOS Montgomery multiplication, portable). Preconditions: a, b < n.
[[gnu::noinline]] constexpr void sc_mont_mul_portable(Sc& r, const Sc& a, const Sc& b) {
  u64 t[6] = {};
  for (int i = 0; i < 4; ++i) {
    u64 carry = 0;
    for (int j = 0; j < 4; ++j) {
      const u128 acc = static_cast<u128>(a.v[j]) * b.v[i] + t[j] + carry;
      t[j] = static_cast<u64>(acc);
      carry = static_cast<u64>(acc >> 64);
    }
    u64 c2 = 0;
    t[4] = addc(t[4], carry, c2);
    t[5] = c2;
    const u64 m = t[0] * kN0;
    u128 acc = static_cast<u128>(m) * kN.v[0] + t[0];
    carry = static_cast<u64>(acc >> 64);
    for (int j = 1; j < 4; ++j) {
      acc = static_cast<u128>(m) * kN.v[j] + t[j] + carry;
      t[j - 1] = static_cast<u64>(acc);
      carry = static_cast<u64>(acc >> 64);
    }
    u64 c3 = 0;
    t[3] = addc(t[4], carry, c3);
    t[4] = t[5] + c3;
  }
  sc_reduce_once(r, Sc{{t[0], t[1], t[2], t[3]}}, t[4]);
}

#if defined(TRESTLE_SM2_X86_64_ASM)
// x0..x4 += a * bi, then one Montgomery step with m = x0 * (-n^-1) mod 2^64; the result is in
// x1..x5 (x0 becomes 0). MULX with two carry chains (ADCX for low halves, ADOX for high).
inline void sc_adx_round(u64& x0, u64& x1, u64& x2, u64& x3, u64& x4, u64& x5, const Sc& a, u64 bi) {
  u64 lo, hi;
  __asm__(
      "xorl %k[lo], %k[lo]\n\t"
      "mulxq %[a0], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x0]\n\t"
      "adoxq %[hi], %[x1]\n\t"
      "mulxq %[a1], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x1]\n\t"
      "adoxq %[hi], %[x2]\n\t"
      "mulxq %[a2], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x2]\n\t"
      "adoxq %[hi], %[x3]\n\t"
      "mulxq %[a3], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x3]\n\t"
      "adoxq %[hi], %[x4]\n\t"
      "movl $0, %k[x5]\n\t"
      "movl $0, %k[lo]\n\t"
      "adcxq %[lo], %[x4]\n\t"
      "adoxq %[lo], %[x5]\n\t"
      "adcxq %[lo], %[x5]\n\t"
      "movq %[x0], %%rdx\n\t"
      "imulq %[k0], %%rdx\n\t"
      "xorl %k[lo], %k[lo]\n\t"
      "mulxq %[n0], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x0]\n\t"
      "adoxq %[hi], %[x1]\n\t"
      "mulxq %[n1], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x1]\n\t"
      "adoxq %[hi], %[x2]\n\t"
      "mulxq %[n2], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x2]\n\t"
      "adoxq %[hi], %[x3]\n\t"
      "mulxq %[n3], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[x3]\n\t"
      "adoxq %[hi], %[x4]\n\t"
      "movl $0, %k[lo]\n\t"
      "adcxq %[lo], %[x4]\n\t"
      "adoxq %[lo], %[x5]\n\t"
      "adcxq %[lo], %[x5]\n\t"
      : [x0] "+&r"(x0), [x1] "+&r"(x1), [x2] "+&r"(x2), [x3] "+&r"(x3), [x4] "+&r"(x4), [x5] "=&r"(x5), [lo] "=&r"(lo),
        [hi] "=&r"(hi), "+&d"(bi)
      : [a0] "m"(a.v[0]), [a1] "m"(a.v[1]), [a2] "m"(a.v[2]), [a3] "m"(a.v[3]), [n0] "m"(kN.v[0]), [n1] "m"(kN.v[1]),
        [n2] "m"(kN.v[2]), [n3] "m"(kN.v[3]), [k0] "m"(kN0)
      : "cc");
}

inline void sc_mont_mul_adx(Sc& r, const Sc& a, const Sc& b) {
  u64 x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0, x5;
  const u64 b0 = b.v[0], b1 = b.v[1], b2 = b.v[2], b3 = b.v[3];
  sc_adx_round(x0, x1, x2, x3, x4, x5, a, b0);
  sc_adx_round(x1, x2, x3, x4, x5, x0, a, b1);
  sc_adx_round(x2, x3, x4, x5, x0, x1, a, b2);
  sc_adx_round(x3, x4, x5, x0, x1, x2, a, b3);
  u64 t0 = x4, t1 = x5, t2 = x0, t3 = x1, top = x2;
  __asm__(
      "subq %[n0], %[t0]\n\t"
      "sbbq %[n1], %[t1]\n\t"
      "sbbq %[n2], %[t2]\n\t"
      "sbbq %[n3], %[t3]\n\t"
      "sbbq $0, %[top]\n\t"
      "cmovcq %[s0], %[t0]\n\t"
      "cmovcq %[s1], %[t1]\n\t"
      "cmovcq %[s2], %[t2]\n\t"
      "cmovcq %[s3], %[t3]\n\t"
      : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [top] "+&r"(top)
      : [s0] "r"(x4), [s1] "r"(x5), [s2] "r"(x0), [s3] "r"(x1), [n0] "m"(kN.v[0]), [n1] "m"(kN.v[1]), [n2] "m"(kN.v[2]),
        [n3] "m"(kN.v[3])
      : "cc");
  r.v[0] = t0;
  r.v[1] = t1;
  r.v[2] = t2;
  r.v[3] = t3;
}
#endif

// r = a * b / 2^256 mod n. Preconditions: a, b < n.
[[gnu::always_inline]] constexpr void sc_mont_mul(Sc& r, const Sc& a, const Sc& b) {
#if defined(TRESTLE_SM2_X86_64_ASM)
  if (!std::is_constant_evaluated() && g_fp_use_adx) {
    sc_mont_mul_adx(r, a, b);
    return;
  }
#endif
  sc_mont_mul_portable(r, a, b);
}

// 2^512 mod n, for conversions into Montgomery form.
constexpr Sc sc_r2() {
  Sc x{};
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) x.v[i] = subb(0, kN.v[i], borrow);  // 2^256 - n = 2^256 mod n
  for (int i = 0; i < 256; ++i) sc_add(x, x, x);
  return x;
}
inline constexpr Sc kScR2 = sc_r2();

constexpr Sc sc_to_mont(const Sc& plain) {
  Sc r{};
  sc_mont_mul(r, plain, kScR2);
  return r;
}

constexpr Sc sc_from_mont(const Sc& a) {
  Sc r{};
  sc_mont_mul(r, a, Sc{{1, 0, 0, 0}});
  return r;
}

constexpr u64 sc_zero_mask(const Sc& a) {
  const u64 any = a.v[0] | a.v[1] | a.v[2] | a.v[3];
  return mask_of(((any | (0 - any)) >> 63) ^ 1);
}

constexpr u64 sc_eq_mask(const Sc& a, const Sc& b) {
  return sc_zero_mask(Sc{{a.v[0] ^ b.v[0], a.v[1] ^ b.v[1], a.v[2] ^ b.v[2], a.v[3] ^ b.v[3]}});
}

// All-ones when 1 <= a <= max, else zero. Constant time.
constexpr u64 sc_in_range_mask(const Sc& a, const Sc& max) {
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) subb(max.v[i], a.v[i], borrow);  // borrow: a > max
  return ~mask_of(borrow) & ~sc_zero_mask(a);
}

constexpr Sc sc_from_be(const std::uint8_t* in) {
  const Fe f = limbs_from_be(in);
  return Sc{{f.v[0], f.v[1], f.v[2], f.v[3]}};
}

constexpr void sc_to_be(const Sc& a, std::uint8_t* out) { limbs_to_be(Fe{{a.v[0], a.v[1], a.v[2], a.v[3]}}, out); }

// r = a^-1 in Montgomery form (input and output in Montgomery form; r = 0 for a = 0), by Fermat:
// a^(n-2) along a fixed chain. The exponent is a public constant, so the table index below is
// not secret. n - 2 = FFFFFFFE FFFFFFFF FFFFFFFF FFFFFFFF | 7203DF6B 21C6052B 53BBF409 39D54121:
// the upper half by runs of ones, the lower half by a fixed 4-bit window. sc_inv (modinv.hpp,
// safegcd) is faster; this one stays as a second implementation for the tests.
inline void sc_inv_fermat(Sc& r, const Sc& a) {
  auto sqr_n = [](Sc& x, int count) {
    for (int i = 0; i < count; ++i) sc_mont_mul(x, x, x);
  };
  Sc pow[16];  // pow[i] = a^i, i >= 1
  pow[1] = a;
  for (int i = 2; i < 16; ++i) sc_mont_mul(pow[i], pow[i - 1], a);
  Sc x4 = pow[15];  // a^(2^4 - 1)
  Sc x8 = x4;
  sqr_n(x8, 4);
  sc_mont_mul(x8, x8, x4);
  Sc x16 = x8;
  sqr_n(x16, 8);
  sc_mont_mul(x16, x16, x8);
  Sc x31 = x16;
  sqr_n(x31, 8);
  sc_mont_mul(x31, x31, x8);  // 2^24 - 1
  sqr_n(x31, 4);
  sc_mont_mul(x31, x31, x4);  // 2^28 - 1
  sqr_n(x31, 3);
  sc_mont_mul(x31, x31, pow[7]);  // 2^31 - 1
  Sc x32 = x31;
  sqr_n(x32, 1);
  sc_mont_mul(x32, x32, a);
  Sc t = x31;
  sqr_n(t, 1);  // FFFFFFFE
  for (int i = 0; i < 3; ++i) {
    sqr_n(t, 32);
    sc_mont_mul(t, t, x32);
  }
  constexpr u64 kLow[2] = {0x53BBF40939D54121ull, 0x7203DF6B21C6052Bull};
  for (int nibble = 31; nibble >= 0; --nibble) {
    sqr_n(t, 4);
    const unsigned digit = static_cast<unsigned>(kLow[nibble / 16] >> (4 * (nibble % 16))) & 15;
    if (digit != 0) sc_mont_mul(t, t, pow[digit]);
  }
  r = t;
  secure_wipe(pow, sizeof pow);
}

}  // namespace trestle::crypto::sm2fast
