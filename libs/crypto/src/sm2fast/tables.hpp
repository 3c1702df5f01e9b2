#pragma once
// Precomputed multiples of the base point G (and, for cached keys, of a public key), built
// once on first use: the signing comb (86 KiB) in about 0.5 ms, the verification tables
// (256 KiB) in about 1 ms.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "point.hpp"

namespace trestle::crypto::sm2fast {

// Fixed-base comb for constant-time k*G: a scalar is recoded into kCombWindows signed digits of
// kCombBits bits (|digit| <= 2^(kCombBits-1)), and entry[i][j] = (j + 1) * 2^(kCombBits * i) * G
// in affine form. 43 windows of 6 bits cover 258 bits: a 256-bit scalar plus the recoding's
// final carry bit.
inline constexpr int kCombBits = 6;
inline constexpr int kCombWindows = 43;
inline constexpr int kCombEntries = 1 << (kCombBits - 1);
struct CombTable {
  Aff entry[kCombWindows][kCombEntries];
};
const CombTable& comb_table();

// Tables for variable-time multiplication of a fixed point B by a 256-bit scalar split into
// four 64-bit chunks: chunk c's table holds the odd multiples 1, 3, ..., 2^(width-1) - 1 of
// 2^(64c) * B, in affine form, so chunk c's wNAF digits (width `width`) need only 65 doublings.
struct ChunkTables {
  int width = 0;              // wNAF width, 2..12
  std::size_t per_chunk = 0;  // 2^(width - 2) entries per chunk
  std::vector<Aff> entries;   // chunk c, odd multiple 2i + 1 at [c * per_chunk + i]

  const Aff& at(int chunk, int digit_abs) const {
    return entries[static_cast<std::size_t>(chunk) * per_chunk + static_cast<std::size_t>(digit_abs >> 1)];
  }
  std::size_t bytes() const { return entries.size() * sizeof(Aff); }
};
// Builds the tables for a finite point b. Variable time (b is public).
ChunkTables build_chunk_tables(const Aff& b, int width);
// Width 12: 4 x 1024 points, 256 KiB, about 20 additions of multiples of G per verification.
// (Width 8 needs 16 KiB and 29 additions and verifies about 5% slower; libsecp256k1's default G
// table is 1 MiB.)
inline constexpr int kGVerifyWidth = 12;
const ChunkTables& g_verify_tables();

}  // namespace trestle::crypto::sm2fast
