#pragma once
// Constant-time modular inversion by Bernstein and Yang's safegcd ("Fast constant-time gcd
// computation and modular inversion", 2019), in the form libsecp256k1 uses (modinv64): values
// as five signed 62-bit limbs, 10 batches of 59 divsteps (590 suffice for any modulus below
// 2^256), each batch's 2x2 transition matrix computed from the low 64 bits only and then applied
// to the full numbers. The number of steps and the memory accesses are fixed; every
// data-dependent choice is a mask. About four times faster than Fermat's a^(m-2).

#include <cstdint>

#include "fn.hpp"
#include "fp.hpp"

namespace trestle::crypto::sm2fast {

struct ModInvInfo {
  std::int64_t modulus[5];      // signed-62 limbs of the odd modulus m < 2^256
  std::uint64_t modulus_inv62;  // m^-1 mod 2^62
};

// x = x^-1 mod m for a plain value x in [0, m) as four 64-bit limbs; 0 maps to 0.
void modinv_ct(u64 (&x)[4], const ModInvInfo& info);

constexpr ModInvInfo modinv_info(const Fe& m) {
  constexpr std::uint64_t kM62 = ~std::uint64_t{0} >> 2;
  std::uint64_t inv = m.v[0];  // m * m = 1 mod 8; each Newton step doubles the correct bits
  for (int i = 0; i < 5; ++i) inv *= 2 - m.v[0] * inv;
  return ModInvInfo{
      {static_cast<std::int64_t>(m.v[0] & kM62), static_cast<std::int64_t>(((m.v[0] >> 62) | (m.v[1] << 2)) & kM62),
       static_cast<std::int64_t>(((m.v[1] >> 60) | (m.v[2] << 4)) & kM62),
       static_cast<std::int64_t>(((m.v[2] >> 58) | (m.v[3] << 6)) & kM62), static_cast<std::int64_t>(m.v[3] >> 56)},
      inv & kM62};
}
inline constexpr ModInvInfo kModInvP = modinv_info(kP);
inline constexpr ModInvInfo kModInvN = modinv_info(Fe{{kN.v[0], kN.v[1], kN.v[2], kN.v[3]}});

// R^3 mod p and mod n (R = 2^256): multiplying the inverse of a Montgomery-form aR, which is
// a^-1 R^-1, by R^3 in Montgomery arithmetic gives a^-1 R, the inverse in Montgomery form.
inline constexpr Fe kFeR3 = [] {
  Fe r{};
  fe_mul_portable(r, kR2, kR2);
  return r;
}();
inline constexpr Sc kScR3 = [] {
  Sc r{};
  sc_mont_mul_portable(r, kScR2, kScR2);
  return r;
}();

// r = a^-1 in Montgomery form (0 for 0), constant time.
inline void fe_inv(Fe& r, const Fe& a) {
  u64 x[4] = {a.v[0], a.v[1], a.v[2], a.v[3]};
  modinv_ct(x, kModInvP);
  fe_mul(r, Fe{{x[0], x[1], x[2], x[3]}}, kFeR3);
}

inline void sc_inv(Sc& r, const Sc& a) {
  u64 x[4] = {a.v[0], a.v[1], a.v[2], a.v[3]};
  modinv_ct(x, kModInvN);
  sc_mont_mul(r, Sc{{x[0], x[1], x[2], x[3]}}, kScR3);
  secure_wipe(x, sizeof x);
}

}  // namespace trestle::crypto::sm2fast
