#include "sm4_block.hpp"

#include <bit>
#include <cassert>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TRESTLE_SM4_AESNI 1
// The AES-NI code is compiled for AES-NI and SSSE3 whatever the build's -march, and only called
// after a run-time check that the CPU has them.
#define TRESTLE_SM4_TARGET __attribute__((target("aes,ssse3")))
#endif

#include "trestle/core/bytes.hpp"

namespace trestle::crypto::sm4 {
namespace {

using Words = std::array<std::uint32_t, 4>;

// GB/T 32907-2016, the S-box (Table 1), row by row.
constexpr std::array<std::uint8_t, 256> kSbox = {
    0xd6, 0x90, 0xe9, 0xfe, 0xcc, 0xe1, 0x3d, 0xb7, 0x16, 0xb6, 0x14, 0xc2, 0x28, 0xfb, 0x2c, 0x05,  //
    0x2b, 0x67, 0x9a, 0x76, 0x2a, 0xbe, 0x04, 0xc3, 0xaa, 0x44, 0x13, 0x26, 0x49, 0x86, 0x06, 0x99,  //
    0x9c, 0x42, 0x50, 0xf4, 0x91, 0xef, 0x98, 0x7a, 0x33, 0x54, 0x0b, 0x43, 0xed, 0xcf, 0xac, 0x62,  //
    0xe4, 0xb3, 0x1c, 0xa9, 0xc9, 0x08, 0xe8, 0x95, 0x80, 0xdf, 0x94, 0xfa, 0x75, 0x8f, 0x3f, 0xa6,  //
    0x47, 0x07, 0xa7, 0xfc, 0xf3, 0x73, 0x17, 0xba, 0x83, 0x59, 0x3c, 0x19, 0xe6, 0x85, 0x4f, 0xa8,  //
    0x68, 0x6b, 0x81, 0xb2, 0x71, 0x64, 0xda, 0x8b, 0xf8, 0xeb, 0x0f, 0x4b, 0x70, 0x56, 0x9d, 0x35,  //
    0x1e, 0x24, 0x0e, 0x5e, 0x63, 0x58, 0xd1, 0xa2, 0x25, 0x22, 0x7c, 0x3b, 0x01, 0x21, 0x78, 0x87,  //
    0xd4, 0x00, 0x46, 0x57, 0x9f, 0xd3, 0x27, 0x52, 0x4c, 0x36, 0x02, 0xe7, 0xa0, 0xc4, 0xc8, 0x9e,  //
    0xea, 0xbf, 0x8a, 0xd2, 0x40, 0xc7, 0x38, 0xb5, 0xa3, 0xf7, 0xf2, 0xce, 0xf9, 0x61, 0x15, 0xa1,  //
    0xe0, 0xae, 0x5d, 0xa4, 0x9b, 0x34, 0x1a, 0x55, 0xad, 0x93, 0x32, 0x30, 0xf5, 0x8c, 0xb1, 0xe3,  //
    0x1d, 0xf6, 0xe2, 0x2e, 0x82, 0x66, 0xca, 0x60, 0xc0, 0x29, 0x23, 0xab, 0x0d, 0x53, 0x4e, 0x6f,  //
    0xd5, 0xdb, 0x37, 0x45, 0xde, 0xfd, 0x8e, 0x2f, 0x03, 0xff, 0x6a, 0x72, 0x6d, 0x6c, 0x5b, 0x51,  //
    0x8d, 0x1b, 0xaf, 0x92, 0xbb, 0xdd, 0xbc, 0x7f, 0x11, 0xd9, 0x5c, 0x41, 0x1f, 0x10, 0x5a, 0xd8,  //
    0x0a, 0xc1, 0x31, 0x88, 0xa5, 0xcd, 0x7b, 0xbd, 0x2d, 0x74, 0xd0, 0x12, 0xb8, 0xe5, 0xb4, 0xb0,  //
    0x89, 0x69, 0x97, 0x4a, 0x0c, 0x96, 0x77, 0x7e, 0x65, 0xb9, 0xf1, 0x09, 0xc5, 0x6e, 0xc6, 0x84,  //
    0x18, 0xf0, 0x7d, 0xec, 0x3a, 0xdc, 0x4d, 0x20, 0x79, 0xee, 0x5f, 0x3e, 0xd7, 0xcb, 0x39, 0x48,  //
};

constexpr bool is_bijection(const std::array<std::uint8_t, 256>& box) {
  std::array<bool, 256> seen{};
  for (std::uint8_t value : box) {
    if (seen[value]) return false;
    seen[value] = true;
  }
  return true;
}
static_assert(is_bijection(kSbox), "a transcription error in the S-box");

// The linear transforms: L of the round function and L' of the key schedule.
constexpr std::uint32_t linear(std::uint32_t b) {
  return b ^ std::rotl(b, 2) ^ std::rotl(b, 10) ^ std::rotl(b, 18) ^ std::rotl(b, 24);
}
constexpr std::uint32_t linear_key(std::uint32_t b) { return b ^ std::rotl(b, 13) ^ std::rotl(b, 23); }

// kTables[j][v] = L(S(v) placed in byte j of a word, byte 0 the most significant). L is linear
// over GF(2), so the round's T(x) = L(tau(x)) is the XOR of the four entries for x's bytes.
using Table = std::array<std::uint32_t, 256>;
constexpr std::array<Table, 4> make_tables() {
  std::array<Table, 4> tables{};
  for (unsigned j = 0; j < 4; ++j) {
    for (unsigned v = 0; v < 256; ++v) tables[j][v] = linear(std::uint32_t{kSbox[v]} << (24 - 8 * j));
  }
  return tables;
}
alignas(64) constexpr std::array<Table, 4> kTables = make_tables();

// System parameters FK, and the fixed parameters CK: byte j of CK[i] is (4i + j) * 7 mod 256.
constexpr Words kFk = {0xa3b1bac6, 0x56aa3350, 0x677d9197, 0xb27022dc};
constexpr std::array<std::uint32_t, kRounds> make_ck() {
  std::array<std::uint32_t, kRounds> ck{};
  for (unsigned i = 0; i < kRounds; ++i) {
    for (unsigned j = 0; j < 4; ++j) ck[i] = (ck[i] << 8) | (((4 * i + j) * 7) & 0xff);
  }
  return ck;
}
constexpr std::array<std::uint32_t, kRounds> kCk = make_ck();
static_assert(kCk[0] == 0x00070e15 && kCk[1] == 0x1c232a31 && kCk[31] == 0x646b7279, "CK as listed in GB/T 32907");

// tau: the S-box on each byte of a word.
inline std::uint32_t tau(std::uint32_t x) {
  return (std::uint32_t{kSbox[x >> 24]} << 24) | (std::uint32_t{kSbox[(x >> 16) & 0xff]} << 16) |
         (std::uint32_t{kSbox[(x >> 8) & 0xff]} << 8) | kSbox[x & 0xff];
}

// The round's T(x) = L(tau(x)), two ways with the same result: through the 4 KiB of T-tables
// (fast), or through the 256-byte S-box and L computed (slower, but each lookup reveals less
// through the cache: a 64-byte line holds 64 S-box entries and only 16 table entries).
inline std::uint32_t round_t(std::uint32_t x) {
  return kTables[0][x >> 24] ^ kTables[1][(x >> 16) & 0xff] ^ kTables[2][(x >> 8) & 0xff] ^ kTables[3][x & 0xff];
}
inline std::uint32_t round_t_sbox(std::uint32_t x) { return linear(tau(x)); }

// The key schedule's T'(x) = L'(tau(x)).
inline std::uint32_t key_t(std::uint32_t x) { return linear_key(tau(x)); }

inline std::uint32_t load_be(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_be(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
inline Words load_block(const std::uint8_t* p) { return {load_be(p), load_be(p + 4), load_be(p + 8), load_be(p + 12)}; }
inline void store_block(std::uint8_t* p, const Words& w) {
  for (unsigned j = 0; j < 4; ++j) store_be(p + 4 * j, w[j]);
}

// Rounds i .. i + 3 on N independent blocks, each x[b] = (X_i, X_i+1, X_i+2, X_i+3) becoming
// (X_i+4, .., X_i+7) in place. Decryption is encryption with the round keys in reverse order.
// With N > 1 the blocks are interleaved so that one block's table lookups overlap another's: a
// single block is a chain of dependent loads.
template <std::uint32_t (*kT)(std::uint32_t), bool kDecrypt, std::size_t N>
inline void four_rounds(const std::array<std::uint32_t, kRounds>& round_keys, std::size_t i, std::array<Words, N>& x) {
  auto key = [&round_keys](std::size_t r) { return round_keys[kDecrypt ? kRounds - 1 - r : r]; };
  const std::uint32_t k0 = key(i);
  const std::uint32_t k1 = key(i + 1);
  const std::uint32_t k2 = key(i + 2);
  const std::uint32_t k3 = key(i + 3);
  for (Words& w : x) w[0] ^= kT(w[1] ^ w[2] ^ w[3] ^ k0);
  for (Words& w : x) w[1] ^= kT(w[2] ^ w[3] ^ w[0] ^ k1);
  for (Words& w : x) w[2] ^= kT(w[3] ^ w[0] ^ w[1] ^ k2);
  for (Words& w : x) w[3] ^= kT(w[0] ^ w[1] ^ w[2] ^ k3);
}

// The 32 rounds and the final reversal R: x[b] holds an input block's words on entry and the
// output block's on return. As in OpenSSL 3.0's portable SM4, the first and last four rounds use
// the S-box instead of the T-tables: their lookup indices are the ones most directly tied to
// known plaintext or ciphertext, so they get the smaller cache footprint. This costs about 15%
// against T-tables in all 32 rounds (CBC encryption, measured on x86-64).
template <bool kDecrypt, std::size_t N>
inline void crypt(const std::array<std::uint32_t, kRounds>& round_keys, std::array<Words, N>& x) {
  four_rounds<round_t_sbox, kDecrypt>(round_keys, 0, x);
  for (std::size_t i = 4; i < kRounds - 4; i += 4) four_rounds<round_t, kDecrypt>(round_keys, i, x);
  four_rounds<round_t_sbox, kDecrypt>(round_keys, kRounds - 4, x);
  for (Words& w : x) w = {w[3], w[2], w[1], w[0]};
}

// Blocks decrypted together by cbc_decrypt (CBC decryption has no chain between block cipher
// calls). Four gave the best throughput on x86-64, measured against 2, 3, 6 and 8.
constexpr std::size_t kDecryptLanes = 4;

// The constant-time S-box: S(x) = post(AES-SubBytes(pre(x))) with pre and post affine over
// GF(2) on bytes (bit i of a byte is (byte >> i) & 1). Why such maps exist: SM4's S-box is
// A1 * inv(A2 * x + c2) + c1 with inv the inversion modulo x^8+x^7+x^6+x^5+x^4+x^2+1 (the
// polynomial 0x1f5); a field isomorphism phi into AES's field (modulo 0x11b), sending x to a root
// beta of 0x1f5 there, carries that inversion to AES's, and SubBytes is AES's inversion followed
// by an affine map. How these were found (a short search script): for the roots beta, the
// circulant matrices M and the constants c, take pre(x) = phi(M * x + c) and
// post = S o pre^-1 o SubBytes^-1, and keep the first (pre, post) for which post is affine. It
// stopped at beta = 0x23, M with column i equal to 0xcb rotated left by i bits (that is,
// 0xcb, 0x97, 0x2f, ...), c = 0xd3 (SM4's own constant). The static_assert below checks the composition against kSbox
// for all 256 inputs at compile time, with an AES S-box computed from its definition, so a wrong table cannot build.
//
// An affine byte map f is applied as f(x) = lo[x & 15] ^ hi[x >> 4] with lo[i] = f(i) and
// hi[i] = f(i << 4) ^ f(0): two PSHUFB lookups in 16-byte tables.
using Nibbles = std::array<std::uint8_t, 16>;
constexpr Nibbles kPreLo = {0x3e, 0xb2, 0x0e, 0x82, 0xbb, 0x37, 0x8b, 0x07,
                            0xa1, 0x2d, 0x91, 0x1d, 0x24, 0xa8, 0x14, 0x98};
constexpr Nibbles kPreHi = {0x00, 0xdc, 0x2e, 0xf2, 0xc5, 0x19, 0xeb, 0x37,
                            0x08, 0xd4, 0x26, 0xfa, 0xcd, 0x11, 0xe3, 0x3f};
constexpr Nibbles kPostLo = {0x6c, 0xd4, 0xa6, 0x1e, 0x52, 0xea, 0x98, 0x20,
                             0x0b, 0xb3, 0xc1, 0x79, 0x35, 0x8d, 0xff, 0x47};
constexpr Nibbles kPostHi = {0x00, 0xe0, 0x50, 0xb0, 0x9d, 0x7d, 0xcd, 0x2d,
                             0xc0, 0x20, 0x90, 0x70, 0x5d, 0xbd, 0x0d, 0xed};

constexpr std::uint8_t nibble_map(const Nibbles& lo, const Nibbles& hi, unsigned x) {
  return static_cast<std::uint8_t>(lo[x & 15] ^ hi[(x >> 4) & 15]);
}

// AES's S-box from its definition (FIPS 197, 5.1.1): inversion modulo x^8+x^4+x^3+x+1, then the
// affine map with constant 0x63.
constexpr std::uint8_t aes_mul(std::uint8_t a, std::uint8_t b) {
  unsigned r = 0;
  unsigned x = a;
  for (unsigned y = b; y != 0; y >>= 1) {
    if ((y & 1) != 0) r ^= x;
    x <<= 1;
    if ((x & 0x100) != 0) x ^= 0x11b;
  }
  return static_cast<std::uint8_t>(r);
}
constexpr std::uint8_t aes_sbox(std::uint8_t x) {
  std::uint8_t inverse = 1;  // x^254 = x^-1 (and 0 for 0)
  for (int i = 0; i < 254; ++i) inverse = aes_mul(inverse, x);
  const unsigned b = inverse;
  unsigned out = 0x63;
  for (unsigned i = 0; i < 8; ++i) {
    out ^= (((b >> i) ^ (b >> ((i + 4) % 8)) ^ (b >> ((i + 5) % 8)) ^ (b >> ((i + 6) % 8)) ^ (b >> ((i + 7) % 8))) & 1)
           << i;
  }
  return static_cast<std::uint8_t>(out);
}

constexpr bool composed_sbox_matches() {
  if (aes_sbox(0x00) != 0x63 || aes_sbox(0x01) != 0x7c || aes_sbox(0x53) != 0xed) return false;
  for (unsigned x = 0; x < 256; ++x) {
    const std::uint8_t computed = nibble_map(kPostLo, kPostHi, aes_sbox(nibble_map(kPreLo, kPreHi, x)));
    if (computed != kSbox[x]) return false;
  }
  return true;
}
static_assert(composed_sbox_matches(), "post(AES-SubBytes(pre(x))) must be the SM4 S-box");

// The rounds run in a changed basis: every state word x is kept as P(x), with P the linear part
// of pre on each byte (pre(x) = P(x) ^ pre(0)). The S-box input of a round is then
// P(X1) ^ P(X2) ^ P(X3) ^ (P(rk) ^ pre(0)) = pre(X1 ^ X2 ^ X3 ^ rk): AESENCLAST's input,
// without a lookup on the serial path. The round output must come out as P(T(x)).
//
// L is folded into the post map. With p = post applied to each byte of a word y,
//   rotl2(p) = shl2(p) ^ rotl8(shr6(p))   (shl2, shr6: shifts within each byte)
// so L(p) = p ^ rotl2(p) ^ rotl10(p) ^ rotl18(p) ^ rotl24(p) expands to
//   L(p) = A ^ rotl8(B) ^ rotl16(B) ^ rotl24(C)
// with the byte maps A = p ^ shl2(p), B = shl2(p) ^ shr6(p), C = p ^ shr6(p). P works on each
// byte, so it commutes with byte rotations: P(L(p)) = P(A) ^ rotl8(P(B)) ^ rotl16(P(B)) ^
// rotl24(P(C)), three pairs of nibble lookups that run in parallel, then byte rotations.
constexpr std::uint8_t pre_linear(unsigned x) {
  return static_cast<std::uint8_t>(nibble_map(kPreLo, kPreHi, x) ^ nibble_map(kPreLo, kPreHi, 0));
}
constexpr std::uint8_t kPreConstant = kPreLo[0] ^ kPreHi[0];

enum class PostPart { kA, kB, kC };
constexpr std::uint8_t post_part(PostPart part, unsigned y) {
  const unsigned p = nibble_map(kPostLo, kPostHi, y);
  const unsigned shl2 = (p << 2) & 0xff;
  const unsigned shr6 = p >> 6;
  switch (part) {
    case PostPart::kA:
      return pre_linear(p ^ shl2);
    case PostPart::kB:
      return pre_linear(shl2 ^ shr6);
    case PostPart::kC:
      return pre_linear(p ^ shr6);
  }
  return 0;
}

struct NibblePair {
  Nibbles lo;
  Nibbles hi;
};
// The nibble tables of any affine byte map f.
template <typename F>
constexpr NibblePair make_nibbles(F f) {
  NibblePair t{};
  for (unsigned i = 0; i < 16; ++i) {
    t.lo[i] = f(i);
    t.hi[i] = static_cast<std::uint8_t>(f(i << 4) ^ f(0));
  }
  return t;
}

constexpr std::uint8_t pre_linear_inverse(unsigned v) {
  for (unsigned x = 0; x < 256; ++x) {
    if (pre_linear(x) == v) return static_cast<std::uint8_t>(x);
  }
  return 0;
}

constexpr std::uint32_t bytewise(std::uint8_t (*f)(unsigned), std::uint32_t y) {
  std::uint32_t out = 0;
  for (unsigned j = 0; j < 32; j += 8) out |= std::uint32_t{f((y >> j) & 0xff)} << j;
  return out;
}
constexpr std::uint8_t post_a(unsigned y) { return post_part(PostPart::kA, y); }
constexpr std::uint8_t post_b(unsigned y) { return post_part(PostPart::kB, y); }
constexpr std::uint8_t post_c(unsigned y) { return post_part(PostPart::kC, y); }
constexpr std::uint8_t post(unsigned y) { return nibble_map(kPostLo, kPostHi, y); }

// The folding, checked on words: every map is affine in y, so y = 0 and the 32 unit words
// suffice. And P is invertible.
constexpr bool folded_round_matches() {
  for (unsigned x = 0; x < 256; ++x) {
    if (pre_linear_inverse(pre_linear(x)) != x) return false;
  }
  for (unsigned bit = 0; bit <= 32; ++bit) {
    const std::uint32_t y = bit == 32 ? 0 : std::uint32_t{1} << bit;
    const std::uint32_t b = bytewise(post_b, y);
    const std::uint32_t folded =
        bytewise(post_a, y) ^ std::rotl(b, 8) ^ std::rotl(b, 16) ^ std::rotl(bytewise(post_c, y), 24);
    if (folded != bytewise(pre_linear, linear(bytewise(post, y)))) return false;
  }
  return true;
}
static_assert(folded_round_matches(), "P(A) ^ rotl8(P(B)) ^ rotl16(P(B)) ^ rotl24(P(C)) must be P(L(post(y)))");

using Shuffle = std::array<std::uint8_t, 16>;

// Byte rotations of each 32-bit lane (lanes little-endian: rotl by 8 moves byte k to k + 1).
constexpr Shuffle rotl_lanes(unsigned bytes) {
  Shuffle s{};
  for (unsigned i = 0; i < 16; ++i) s[i] = static_cast<std::uint8_t>((i & ~3u) | ((i - bytes) & 3));
  return s;
}
static_assert(rotl_lanes(1)[0] == 3 && rotl_lanes(1)[1] == 0 && rotl_lanes(3)[4] == 5);
// AESENCLAST applies ShiftRows before SubBytes: output byte i comes from input byte 5i mod 16.
// PSHUFB with index 13i mod 16 (the inverse permutation) puts every byte back in place.
constexpr Shuffle make_inverse_shift_rows() {
  Shuffle s{};
  for (unsigned i = 0; i < 16; ++i) s[i] = static_cast<std::uint8_t>((13 * i) % 16);
  return s;
}
// first `a`, then `b`, as one PSHUFB index
constexpr Shuffle then(const Shuffle& a, const Shuffle& b) {
  Shuffle s{};
  for (unsigned i = 0; i < 16; ++i) s[i] = a[b[i]];
  return s;
}

struct alignas(16) AesNiConstants {
  NibblePair pre;   // the key schedule's S-box: pre ...
  NibblePair post;  // ... and post around SubBytes
  NibblePair p, p_inverse, a, b, c;
  // Applied to the round's P(A), P(B), P(B), P(C). Four blocks in four lanes: undo ShiftRows,
  // then rotate, as one shuffle that runs in parallel instead of a serial one. One block in
  // all lanes: ShiftRows changed nothing, so rotate only (and nothing for P(A)).
  Shuffle unshift, unshift_rotl8, unshift_rotl16, unshift_rotl24;
  Shuffle rotl8, rotl16, rotl24;
  Shuffle bswap;  // big-endian words <-> little-endian lanes
};
constexpr AesNiConstants make_aesni_constants() {
  const Shuffle unshift = make_inverse_shift_rows();
  Shuffle bswap{};
  for (unsigned i = 0; i < 16; ++i) bswap[i] = static_cast<std::uint8_t>((i & ~3u) | (3 - (i & 3)));
  return {{kPreLo, kPreHi},
          {kPostLo, kPostHi},
          make_nibbles(pre_linear),
          make_nibbles(pre_linear_inverse),
          make_nibbles(post_a),
          make_nibbles(post_b),
          make_nibbles(post_c),
          unshift,
          then(unshift, rotl_lanes(1)),
          then(unshift, rotl_lanes(2)),
          then(unshift, rotl_lanes(3)),
          rotl_lanes(1),
          rotl_lanes(2),
          rotl_lanes(3),
          bswap};
}
constexpr AesNiConstants kAesNi = make_aesni_constants();

#if defined(TRESTLE_SM4_AESNI)

TRESTLE_SM4_TARGET inline __m128i load_constant(const std::array<std::uint8_t, 16>& bytes) {
  return _mm_load_si128(reinterpret_cast<const __m128i*>(bytes.data()));
}

// An affine byte map on every byte of x, by two PSHUFB lookups.
TRESTLE_SM4_TARGET inline __m128i apply(const NibblePair& f, __m128i x) {
  const __m128i mask = _mm_set1_epi8(0x0f);
  const __m128i lo = _mm_and_si128(x, mask);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), mask);
  return _mm_xor_si128(_mm_shuffle_epi8(load_constant(f.lo), lo), _mm_shuffle_epi8(load_constant(f.hi), hi));
}

// tau(x): the S-box on each byte of one word, for the key schedule. All four lanes hold x, so
// ShiftRows (which only moves bytes between lanes of the same row) changes nothing.
TRESTLE_SM4_TARGET std::uint32_t tau_aesni(std::uint32_t x) {
  const __m128i z = apply(kAesNi.pre, _mm_set1_epi32(static_cast<int>(x)));
  return static_cast<std::uint32_t>(
      _mm_cvtsi128_si32(apply(kAesNi.post, _mm_aesenclast_si128(z, _mm_setzero_si128()))));
}

// The round keys in the rounds' basis: P(rk) ^ pre(0) on each byte.
TRESTLE_SM4_TARGET void domain_keys_aesni(const std::array<std::uint32_t, kRounds>& round_keys,
                                          std::array<std::uint32_t, kRounds>& domain_keys) {
  const __m128i constant = _mm_set1_epi8(static_cast<char>(kPreConstant));
  for (std::size_t i = 0; i < kRounds; i += 4) {
    const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(round_keys.data() + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(domain_keys.data() + i), _mm_xor_si128(apply(kAesNi.p, k), constant));
  }
}

// The value unchanged, but opaque to the optimizer: GCC would otherwise reassociate the XOR
// tree at the end of a round into a serial chain that starts after the last shuffle.
TRESTLE_SM4_TARGET inline __m128i opaque(__m128i v) {
  __asm__("" : "+x"(v));
  return v;
}

// The SM4 state of N independent groups of four 32-bit lanes: group.w[j] holds P(word j) of
// four blocks. One block in all four lanes (broadcast) is a valid state too: every step is
// lane-wise or, for ShiftRows, leaves equal lanes equal.
// (Plain arrays: std::array<__m128i, N> would drop __m128i's alignment attribute.)
struct Quad {
  __m128i w[4];
};
template <std::size_t N>
struct Sliced {
  Quad group[N];
};

// The 32 rounds on P-words (the reversal R is left to the caller). Per round, the serial path
// is one XOR, AESENCLAST, the nibble split and lookups, one shuffle and two XORs.
template <bool kDecrypt, bool kBroadcast, std::size_t N>
TRESTLE_SM4_TARGET inline void crypt_sliced(const std::array<std::uint32_t, kRounds>& domain_keys, Sliced<N>& x) {
  auto key = [&domain_keys](std::size_t round) {
    return _mm_set1_epi32(static_cast<int>(domain_keys[kDecrypt ? kRounds - 1 - round : round]));
  };
  const __m128i mask = _mm_set1_epi8(0x0f);
  __m128i input[N];
  for (std::size_t g = 0; g < N; ++g) {
    const __m128i* w = x.group[g].w;
    input[g] = _mm_xor_si128(_mm_xor_si128(w[1], w[2]), _mm_xor_si128(w[3], key(0)));
  }
  for (std::size_t i = 0; i < kRounds; i += 4) {
#pragma GCC unroll 4
    for (std::size_t j = 0; j < 4; ++j) {
      const std::size_t round = i + j;
      for (std::size_t g = 0; g < N; ++g) {
        __m128i* w = x.group[g].w;
        const __m128i y = _mm_aesenclast_si128(input[g], _mm_setzero_si128());
        const __m128i lo = _mm_and_si128(y, mask);
        const __m128i hi = _mm_and_si128(_mm_srli_epi16(y, 4), mask);
        const __m128i a = _mm_xor_si128(_mm_shuffle_epi8(load_constant(kAesNi.a.lo), lo),
                                        _mm_shuffle_epi8(load_constant(kAesNi.a.hi), hi));
        const __m128i b = _mm_xor_si128(_mm_shuffle_epi8(load_constant(kAesNi.b.lo), lo),
                                        _mm_shuffle_epi8(load_constant(kAesNi.b.hi), hi));
        const __m128i c = _mm_xor_si128(_mm_shuffle_epi8(load_constant(kAesNi.c.lo), lo),
                                        _mm_shuffle_epi8(load_constant(kAesNi.c.hi), hi));
        const __m128i a0 = kBroadcast ? a : _mm_shuffle_epi8(a, load_constant(kAesNi.unshift));
        const __m128i b8 = _mm_shuffle_epi8(b, load_constant(kBroadcast ? kAesNi.rotl8 : kAesNi.unshift_rotl8));
        const __m128i b16 = _mm_shuffle_epi8(b, load_constant(kBroadcast ? kAesNi.rotl16 : kAesNi.unshift_rotl16));
        const __m128i c24 = _mm_shuffle_epi8(c, load_constant(kBroadcast ? kAesNi.rotl24 : kAesNi.unshift_rotl24));
        if (round + 1 < kRounds) {
          // The next round's input, X(j+2) ^ X(j+3) ^ X(j+4) ^ key, with X(j+4) = X(j) ^ T
          // folded in so that only two XORs follow the shuffles.
          const __m128i m = _mm_xor_si128(_mm_xor_si128(w[(j + 2) % 4], w[(j + 3) % 4]), key(round + 1));
          const __m128i u = opaque(_mm_xor_si128(opaque(_mm_xor_si128(m, w[j])), a0));
          const __m128i next = _mm_xor_si128(opaque(_mm_xor_si128(u, c24)), opaque(_mm_xor_si128(b8, b16)));
          w[j] = _mm_xor_si128(next, m);
          input[g] = next;
        } else {
          w[j] = _mm_xor_si128(w[j], _mm_xor_si128(_mm_xor_si128(a0, b8), _mm_xor_si128(b16, c24)));
        }
      }
    }
  }
}

// Four blocks to word-sliced lanes and back (the transpose is its own inverse).
TRESTLE_SM4_TARGET inline void transpose(__m128i& x0, __m128i& x1, __m128i& x2, __m128i& x3) {
  const __m128i t0 = _mm_unpacklo_epi32(x0, x1);
  const __m128i t1 = _mm_unpacklo_epi32(x2, x3);
  const __m128i t2 = _mm_unpackhi_epi32(x0, x1);
  const __m128i t3 = _mm_unpackhi_epi32(x2, x3);
  x0 = _mm_unpacklo_epi64(t0, t1);
  x1 = _mm_unpackhi_epi64(t0, t1);
  x2 = _mm_unpacklo_epi64(t2, t3);
  x3 = _mm_unpackhi_epi64(t2, t3);
}

// Blocks as bytes <-> P-words in lanes (bswap and P, or P^-1 and bswap).
TRESTLE_SM4_TARGET inline __m128i to_domain(__m128i block) {
  return apply(kAesNi.p, _mm_shuffle_epi8(block, load_constant(kAesNi.bswap)));
}
TRESTLE_SM4_TARGET inline __m128i from_domain(__m128i words) {
  return _mm_shuffle_epi8(apply(kAesNi.p_inverse, words), load_constant(kAesNi.bswap));
}

TRESTLE_SM4_TARGET inline __m128i load(const std::uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
TRESTLE_SM4_TARGET inline void store(std::uint8_t* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

// One block broadcast to all lanes: w[j] holds P(word j) in every lane.
TRESTLE_SM4_TARGET inline Quad broadcast(__m128i words) {
  return {{_mm_shuffle_epi32(words, 0x00), _mm_shuffle_epi32(words, 0x55), _mm_shuffle_epi32(words, 0xaa),
           _mm_shuffle_epi32(words, 0xff)}};
}

// The output block (as bytes) of a broadcast state after the rounds, with the reversal R.
TRESTLE_SM4_TARGET inline __m128i output_block(const Quad& q) {
  const __m128i low = _mm_unpacklo_epi32(q.w[3], q.w[2]);   // X35, X34
  const __m128i high = _mm_unpacklo_epi32(q.w[1], q.w[0]);  // X33, X32
  return from_domain(_mm_unpacklo_epi64(low, high));
}

template <bool kDecrypt>
TRESTLE_SM4_TARGET inline __m128i crypt_one(const std::array<std::uint32_t, kRounds>& domain_keys, __m128i block) {
  Sliced<1> x = {{broadcast(to_domain(block))}};
  crypt_sliced<kDecrypt, true>(domain_keys, x);
  return output_block(x.group[0]);
}

template <bool kDecrypt>
TRESTLE_SM4_TARGET void block_aesni(const std::array<std::uint32_t, kRounds>& domain_keys, const std::uint8_t* in,
                                    std::uint8_t* out) {
  store(out, crypt_one<kDecrypt>(domain_keys, load(in)));
}

TRESTLE_SM4_TARGET void cbc_encrypt_aesni(const std::array<std::uint32_t, kRounds>& domain_keys, const std::uint8_t* iv,
                                          const std::uint8_t* in, std::uint8_t* out, std::size_t size) {
  // The chaining value stays in the rounds' basis (P is linear, so P(c ^ p) = P(c) ^ P(p)): the
  // serial path from one block to the next is one XOR; the conversions run alongside.
  Sliced<1> x = {{broadcast(to_domain(load(iv)))}};
  for (std::size_t offset = 0; offset < size; offset += kBlockSize) {
    const Quad plaintext = broadcast(to_domain(load(in + offset)));
    Quad& q = x.group[0];
    for (std::size_t j = 0; j < 4; ++j) q.w[j] = _mm_xor_si128(q.w[j], plaintext.w[j]);
    crypt_sliced<false, true>(domain_keys, x);
    store(out + offset, output_block(q));
    q = {{q.w[3], q.w[2], q.w[1], q.w[0]}};  // the reversal R: the ciphertext block's words
  }
}

// Groups of four blocks decrypted together (word-sliced, four blocks per register) in the main
// loop: two groups keep more independent work in flight than one.
constexpr std::size_t kAesNiDecryptGroups = 2;

// 4 * N blocks of CBC decryption; every ciphertext block is read before any output is written.
template <std::size_t N>
TRESTLE_SM4_TARGET inline void cbc_decrypt_groups(const std::array<std::uint32_t, kRounds>& domain_keys, __m128i& chain,
                                                  const std::uint8_t* in, std::uint8_t* out) {
  __m128i c[4 * N];
  for (std::size_t b = 0; b < 4 * N; ++b) c[b] = load(in + 16 * b);
  Sliced<N> x;
  for (std::size_t g = 0; g < N; ++g) {
    __m128i* w = x.group[g].w;
    for (std::size_t b = 0; b < 4; ++b) w[b] = to_domain(c[4 * g + b]);
    transpose(w[0], w[1], w[2], w[3]);
  }
  crypt_sliced<true, false>(domain_keys, x);
  for (std::size_t g = 0; g < N; ++g) {
    const __m128i* w = x.group[g].w;
    __m128i blocks[4] = {w[3], w[2], w[1], w[0]};  // the reversal R
    transpose(blocks[0], blocks[1], blocks[2], blocks[3]);
    for (std::size_t b = 0; b < 4; ++b) {
      const std::size_t index = 4 * g + b;
      const __m128i previous = index == 0 ? chain : c[index - 1];
      store(out + 16 * index, _mm_xor_si128(from_domain(blocks[b]), previous));
    }
  }
  chain = c[4 * N - 1];
}

TRESTLE_SM4_TARGET void cbc_decrypt_aesni(const std::array<std::uint32_t, kRounds>& domain_keys, const std::uint8_t* iv,
                                          const std::uint8_t* in, std::uint8_t* out, std::size_t size) {
  __m128i chain = load(iv);
  std::size_t offset = 0;
  constexpr std::size_t kWide = 4 * kAesNiDecryptGroups * kBlockSize;
  for (; size - offset >= kWide; offset += kWide) {
    cbc_decrypt_groups<kAesNiDecryptGroups>(domain_keys, chain, in + offset, out + offset);
  }
  for (; size - offset >= 4 * kBlockSize; offset += 4 * kBlockSize) {
    cbc_decrypt_groups<1>(domain_keys, chain, in + offset, out + offset);
  }
  for (; offset < size; offset += kBlockSize) {
    const __m128i c = load(in + offset);
    store(out + offset, _mm_xor_si128(crypt_one<true>(domain_keys, c), chain));
    chain = c;
  }
}

#endif  // TRESTLE_SM4_AESNI

}  // namespace

bool is_available(Implementation implementation) {
  switch (implementation) {
    case Implementation::kTable:
      return true;
    case Implementation::kAesNi: {
#if defined(TRESTLE_SM4_AESNI)
      static const bool kAvailable = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("aes") && __builtin_cpu_supports("ssse3");
      }();
      return kAvailable;
#else
      return false;
#endif
    }
  }
  return false;
}

Implementation default_implementation() {
  return is_available(Implementation::kAesNi) ? Implementation::kAesNi : Implementation::kTable;
}

KeySchedule::KeySchedule(std::span<const std::uint8_t, kKeySize> key, Implementation implementation)
    : round_keys_{}, domain_keys_{}, implementation_(implementation) {
  assert(is_available(implementation));
  Words k = load_block(key.data());
  for (unsigned j = 0; j < 4; ++j) k[j] ^= kFk[j];
  for (std::size_t i = 0; i < kRounds; ++i) {
    const std::uint32_t input = k[(i + 1) % 4] ^ k[(i + 2) % 4] ^ k[(i + 3) % 4] ^ kCk[i];
#if defined(TRESTLE_SM4_AESNI)
    const std::uint32_t t = implementation_ == Implementation::kAesNi ? linear_key(tau_aesni(input)) : key_t(input);
#else
    const std::uint32_t t = key_t(input);
#endif
    k[i % 4] ^= t;
    round_keys_[i] = k[i % 4];
  }
  secure_wipe(k.data(), sizeof(k));
#if defined(TRESTLE_SM4_AESNI)
  if (implementation_ == Implementation::kAesNi) domain_keys_aesni(round_keys_, domain_keys_);
#endif
}

KeySchedule::~KeySchedule() {
  secure_wipe(round_keys_.data(), sizeof(round_keys_));
  secure_wipe(domain_keys_.data(), sizeof(domain_keys_));
}

void KeySchedule::encrypt_block(std::span<const std::uint8_t, kBlockSize> in,
                                std::span<std::uint8_t, kBlockSize> out) const {
#if defined(TRESTLE_SM4_AESNI)
  if (implementation_ == Implementation::kAesNi) return block_aesni<false>(domain_keys_, in.data(), out.data());
#endif
  std::array<Words, 1> x = {load_block(in.data())};
  crypt<false>(round_keys_, x);
  store_block(out.data(), x[0]);
}

void KeySchedule::decrypt_block(std::span<const std::uint8_t, kBlockSize> in,
                                std::span<std::uint8_t, kBlockSize> out) const {
#if defined(TRESTLE_SM4_AESNI)
  if (implementation_ == Implementation::kAesNi) return block_aesni<true>(domain_keys_, in.data(), out.data());
#endif
  std::array<Words, 1> x = {load_block(in.data())};
  crypt<true>(round_keys_, x);
  store_block(out.data(), x[0]);
}

void KeySchedule::cbc_encrypt(std::span<const std::uint8_t, kBlockSize> iv, std::span<const std::uint8_t> in,
                              std::span<std::uint8_t> out) const {
  assert(in.size() == out.size() && in.size() % kBlockSize == 0);
#if defined(TRESTLE_SM4_AESNI)
  if (implementation_ == Implementation::kAesNi) {
    return cbc_encrypt_aesni(domain_keys_, iv.data(), in.data(), out.data(), in.size());
  }
#endif
  std::array<Words, 1> x = {load_block(iv.data())};  // the chaining value: the IV, then each output block
  for (std::size_t offset = 0; offset < in.size(); offset += kBlockSize) {
    const Words p = load_block(in.data() + offset);
    for (unsigned j = 0; j < 4; ++j) x[0][j] ^= p[j];
    crypt<false>(round_keys_, x);
    store_block(out.data() + offset, x[0]);
  }
}

void KeySchedule::cbc_decrypt(std::span<const std::uint8_t, kBlockSize> iv, std::span<const std::uint8_t> in,
                              std::span<std::uint8_t> out) const {
  assert(in.size() == out.size() && in.size() % kBlockSize == 0);
#if defined(TRESTLE_SM4_AESNI)
  if (implementation_ == Implementation::kAesNi) {
    return cbc_decrypt_aesni(domain_keys_, iv.data(), in.data(), out.data(), in.size());
  }
#endif
  // Every ciphertext block is read before the output blocks it overlaps are written, so `in`
  // and `out` may be the same buffer.
  Words chain = load_block(iv.data());
  std::size_t offset = 0;
  for (; in.size() - offset >= kDecryptLanes * kBlockSize; offset += kDecryptLanes * kBlockSize) {
    std::array<Words, kDecryptLanes> c;
    for (std::size_t b = 0; b < kDecryptLanes; ++b) c[b] = load_block(in.data() + offset + b * kBlockSize);
    std::array<Words, kDecryptLanes> x = c;
    crypt<true>(round_keys_, x);
    for (std::size_t b = 0; b < kDecryptLanes; ++b) {
      const Words& previous = b == 0 ? chain : c[b - 1];
      for (unsigned j = 0; j < 4; ++j) x[b][j] ^= previous[j];
      store_block(out.data() + offset + b * kBlockSize, x[b]);
    }
    chain = c[kDecryptLanes - 1];
  }
  for (; offset < in.size(); offset += kBlockSize) {
    const Words c = load_block(in.data() + offset);
    std::array<Words, 1> x = {c};
    crypt<true>(round_keys_, x);
    for (unsigned j = 0; j < 4; ++j) x[0][j] ^= chain[j];
    store_block(out.data() + offset, x[0]);
    chain = c;
  }
}

}  // namespace trestle::crypto::sm4
