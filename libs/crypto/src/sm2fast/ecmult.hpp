#pragma once
// Scalar multiplications: constant-time k*G for signing and key derivation, and the
// variable-time double multiplication s*G + t*P for verification.

#include <cstdint>

#include "fn.hpp"
#include "point.hpp"
#include "tables.hpp"

namespace trestle::crypto::sm2fast {

// k * G in constant time (comb_table, Booth-recoded signed digits, masked table scans).
// Precondition: 1 <= k <= n - 1 (plain form). The result is finite.
Jac mul_base_ct(const Sc& k);

// s*G + t*P, variable time. p_tables: P's ChunkTables when cached, else null (then a small
// table of P's odd multiples is built per call). Scalars plain, below n; p finite.
Jac mul_double_var(const Sc& s, const Sc& t, const Aff& p, const ChunkTables* p_tables);

// Width-w non-adjacent form of a `bits`-bit value: digits[i] is 0 or odd with
// |digits[i]| < 2^(w-1), and value = sum digits[i] * 2^i. Precondition: the top bit
// (bit bits-1) of the value is 0, so the digits fit in `bits` positions; digits has `bits`
// entries. Returns one past the highest non-zero position (0 for the value 0). Variable time.
int wnaf(std::int16_t* digits, const u64* limbs, int bits, int w);

}  // namespace trestle::crypto::sm2fast
