#include "ecmult.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace trestle::crypto::sm2fast {
namespace {

// Bits [pos, pos + count) of a 256-bit value, count <= 57; bits past 255 read as 0. pos is public.
u64 get_bits(const u64* limbs, int pos, int count) {
  const int limb = pos / 64;
  const int offset = pos % 64;
  u64 w = limb < 4 ? limbs[limb] >> offset : 0;
  if (offset + count > 64 && limb + 1 < 4) w |= limbs[limb + 1] << (64 - offset);
  return w & ((u64{1} << count) - 1);
}

// All-ones when a == b for small non-negative values (< 2^63), else zero.
u64 small_eq_mask(u64 a, u64 b) { return mask_of(((a ^ b) - 1) >> 63); }

}  // namespace

// Booth recoding: window i reads bits [6i - 1, 6i + 5] (bit -1 is 0) as w and yields the digit
// d_i = ((w + 1) >> 1) - 64 * bit6(w) in [-32, 32]. The digits of windows below i sum to
// a_i = (k mod 2^(6i)) - bit_(6i-1)(k) * 2^(6i), which lies in [-2^(6i-1), 2^(6i-1)); over all 43
// windows they sum to k (bits 256 and 257 are 0).
//
// Why the unchecked addition is safe: before window i the accumulator is a_i * G; it is the
// point at infinity exactly when a_i = 0, i.e. when every earlier digit was 0, which the
// acc_infinity mask tracks. Adding Q = d_i 2^(6i) G (d_i != 0) hits a special case only if
// a_i = +-d_i 2^(6i) mod n. For i < 42, 0 < |a_i -+ d_i 2^(6i)| < 33 * 2^246 < n, so never. For
// the last window, a_42 + d_42 2^252 = k is in [1, n-1], so not -Q; and a_42 - d_42 2^252, in
// [-16.5 * 2^252, 0), could only be -n, which needs d_42 2^252 within 2^251 of n, so d_42 = 16
// and k = 2^257 - n > n: impossible. Zero digits and the infinite accumulator are handled by
// masked selects, so every window costs one table scan and one addition.
Jac mul_base_ct(const Sc& k) {
  static_assert(kCombBits == 6 && kCombWindows == 43, "the argument above is for 43 windows of 6 bits");
  const CombTable& table = comb_table();
  Jac acc = jac_infinity();
  u64 acc_infinity = ~u64{0};
  for (int i = 0; i < kCombWindows; ++i) {
    const u64 w =
        i == 0 ? (k.v[0] << 1) & ((u64{2} << kCombBits) - 1) : get_bits(k.v, kCombBits * i - 1, kCombBits + 1);
    const std::int64_t digit =
        static_cast<std::int64_t>((w + 1) >> 1) - static_cast<std::int64_t>((w >> kCombBits) << kCombBits);
    const u64 negative = static_cast<u64>(digit >> 63);  // all-ones when digit < 0
    const u64 magnitude = (static_cast<u64>(digit) ^ negative) - negative;

    Aff q{};
    for (int j = 0; j < kCombEntries; ++j) {
      const u64 hit = small_eq_mask(magnitude, static_cast<u64>(j + 1));
      const Aff& e = table.entry[i][j];
      for (int l = 0; l < 4; ++l) {
        q.x.v[l] |= e.x.v[l] & hit;
        q.y.v[l] |= e.y.v[l] & hit;
      }
    }
    Fe neg_y;
    fe_neg(neg_y, q.y);
    fe_select(q.y, negative, neg_y, q.y);

    Jac sum;
    jac_add_affine_unchecked(sum, acc, q);
    const Jac fresh = jac_from_affine(q);
    fe_select(sum.x, acc_infinity, fresh.x, sum.x);
    fe_select(sum.y, acc_infinity, fresh.y, sum.y);
    fe_select(sum.z, acc_infinity, fresh.z, sum.z);
    const u64 zero_digit = small_eq_mask(magnitude, 0);
    fe_select(acc.x, zero_digit, acc.x, sum.x);
    fe_select(acc.y, zero_digit, acc.y, sum.y);
    fe_select(acc.z, zero_digit, acc.z, sum.z);
    acc_infinity &= zero_digit;
  }
  return acc;
}

int wnaf(std::int16_t* digits, const u64* limbs, int bits, int w) {
  assert(w >= 2 && w <= 8 + 4 && bits <= 257);
  std::fill(digits, digits + bits, std::int16_t{0});
  u64 carry = 0;
  int bit = 0;
  int length = 0;
  while (bit < bits) {
    if (((get_bits(limbs, bit, 1)) ^ carry) == 0) {
      ++bit;
      continue;
    }
    const int now = std::min(w, bits - bit);
    std::int64_t word = static_cast<std::int64_t>(get_bits(limbs, bit, now) + carry);
    carry = static_cast<u64>(word >> (w - 1)) & 1;
    word -= static_cast<std::int64_t>(carry << w);
    digits[bit] = static_cast<std::int16_t>(word);
    length = bit + 1;
    bit += now;
  }
  assert(carry == 0);
  return length;
}

namespace {

// Odd multiples P, 3P, ..., 15P for the per-call table (width 5).
constexpr int kPWidth = 5;
constexpr int kPTableSize = 1 << (kPWidth - 2);

void add_digit_affine(Jac& acc, const Aff& entry, int digit) {
  if (digit > 0) {
    jac_add_affine_var(acc, acc, entry);
  } else {
    Aff neg = entry;
    fe_neg(neg.y, neg.y);
    jac_add_affine_var(acc, acc, neg);
  }
}

// 64-bit chunk c of a scalar as a 65-bit wNAF (bit 64 is 0).
int chunk_wnaf(std::int16_t* digits, const Sc& s, int c, int w) {
  const u64 limbs[4] = {s.v[c], 0, 0, 0};
  return wnaf(digits, limbs, 65, w);
}

}  // namespace

Jac mul_double_var(const Sc& s, const Sc& t, const Aff& p, const ChunkTables* p_tables) {
  const ChunkTables& g = g_verify_tables();
  std::int16_t s_digits[4][65];
  int top = 0;
  for (int c = 0; c < 4; ++c) top = std::max(top, chunk_wnaf(s_digits[c], s, c, g.width));

  Jac acc = jac_infinity();
  if (p_tables != nullptr) {
    std::int16_t t_digits[4][65];
    for (int c = 0; c < 4; ++c) top = std::max(top, chunk_wnaf(t_digits[c], t, c, p_tables->width));
    for (int i = top - 1; i >= 0; --i) {
      if (!jac_is_infinity_var(acc)) jac_double(acc, acc);
      for (int c = 0; c < 4; ++c) {
        if (const int d = s_digits[c][i]; d != 0) add_digit_affine(acc, g.at(c, d < 0 ? -d : d), d);
        if (const int d = t_digits[c][i]; d != 0) add_digit_affine(acc, p_tables->at(c, d < 0 ? -d : d), d);
      }
    }
    return acc;
  }

  JacZ p_table[kPTableSize];
  {
    Jac cur = jac_from_affine(p);
    Jac twice;
    jac_double(twice, cur);
    const JacZ twice_z = jacz_from_jac(twice);
    p_table[0] = JacZ{p.x, p.y, kOne, kOne, kOne};
    for (int i = 1; i < kPTableSize; ++i) {
      jac_add_jacz_var(cur, cur, twice_z, false);
      p_table[i] = jacz_from_jac(cur);
    }
  }
  std::int16_t t_digits[257];
  const int t_top = wnaf(t_digits, t.v, 257, kPWidth);
  top = std::max(top, t_top);
  for (int i = top - 1; i >= 0; --i) {
    if (!jac_is_infinity_var(acc)) jac_double(acc, acc);
    if (const int d = t_digits[i]; d != 0) jac_add_jacz_var(acc, acc, p_table[(d < 0 ? -d : d) >> 1], d < 0);
    if (i < 65) {
      for (int c = 0; c < 4; ++c) {
        if (const int d = s_digits[c][i]; d != 0) add_digit_affine(acc, g.at(c, d < 0 ? -d : d), d);
      }
    }
  }
  return acc;
}

}  // namespace trestle::crypto::sm2fast
