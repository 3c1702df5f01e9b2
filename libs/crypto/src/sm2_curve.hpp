#pragma once
// SM2's recommended curve (GB/T 32918.5) on Crypto++'s generic arithmetic, shared by
// sm2_curve.cpp (keys) and sm2.cpp (signatures, encryption). This is the readable reference
// implementation; it favours following the standard step by step over speed.
//
// Side channels: CryptoPP::Integer and CryptoPP::ECP are not constant-time (their running time
// and memory accesses depend on the values, including secret scalars). Trestle's own code here
// avoids branching on secrets where it can (range checks, comparisons, wiping); a dedicated
// constant-time implementation is the planned replacement for hot paths.
//
// Crypto++ Integers keep their words in SecBlocks, which are zeroed when freed, so secret
// Integers need no explicit wipe; secret bytes in our own buffers do.

#include <cryptopp/ecp.h>
#include <cryptopp/integer.h>

#include <array>
#include <cstdint>
#include <span>

#include "curves.hpp"
#include "trestle/core/bytes.hpp"

namespace trestle::crypto::sm2_curve {

using Bytes32 = std::array<std::uint8_t, 32>;

// Domain parameters of the recommended curve y^2 = x^3 + ax + b over F_p, with base point
// G = (gx, gy) of prime order n and cofactor 1; big-endian.
inline constexpr Bytes32 kP = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
                               0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr Bytes32 kA = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
                               0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc};
inline constexpr Bytes32 kB = {0x28, 0xe9, 0xfa, 0x9e, 0x9d, 0x9f, 0x5e, 0x34, 0x4d, 0x5a, 0x9e,
                               0x4b, 0xcf, 0x65, 0x09, 0xa7, 0xf3, 0x97, 0x89, 0xf5, 0x15, 0xab,
                               0x8f, 0x92, 0xdd, 0xbc, 0xbd, 0x41, 0x4d, 0x94, 0x0e, 0x93};
inline constexpr Bytes32 kN = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff, 0xff, 0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6,
                               0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x23};
inline constexpr Bytes32 kGx = {0x32, 0xc4, 0xae, 0x2c, 0x1f, 0x19, 0x81, 0x19, 0x5f, 0x99, 0x04,
                                0x46, 0x6a, 0x39, 0xc9, 0x94, 0x8f, 0xe3, 0x0b, 0xbf, 0xf2, 0x66,
                                0x0b, 0xe1, 0x71, 0x5a, 0x45, 0x89, 0x33, 0x4c, 0x74, 0xc7};
inline constexpr Bytes32 kGy = {0xbc, 0x37, 0x36, 0xa2, 0xf4, 0xf6, 0x77, 0x9c, 0x59, 0xbd, 0xce,
                                0xe3, 0x6b, 0x69, 0x21, 0x53, 0xd0, 0xa9, 0x87, 0x7c, 0xc6, 0x2a,
                                0x47, 0x40, 0x02, 0xdf, 0x32, 0xe5, 0x21, 0x39, 0xf0, 0xa0};

// The parameters as Integers, built once. Immutable and safe to share between threads.
struct Domain {
  CryptoPP::Integer p;
  CryptoPP::Integer a;
  CryptoPP::Integer b;
  CryptoPP::Integer n;
  CryptoPP::ECPPoint g;
};
const Domain& domain();

// The curve over F_p. Crypto++ curve and field objects keep scratch values in mutable members,
// so they are not safe to share between threads: each thread gets its own instance.
const CryptoPP::ECP& curve();

// Big-endian bytes -> non-negative Integer (any length).
CryptoPP::Integer to_integer(ByteView big_endian);
// Integer -> 32 bytes big-endian. Precondition: 0 <= value < 2^256.
Bytes32 to_bytes32(const CryptoPP::Integer& value);
void write_bytes32(const CryptoPP::Integer& value, std::span<std::uint8_t, 32> out);

// Affine point <-> x || y. to_point precondition: `xy` is a validated point on the curve (as in
// every PublicKey of type kSm2). from_point precondition: `point` is not the identity.
CryptoPP::ECPPoint to_point(const Point64& xy);
Point64 from_point(const CryptoPP::ECPPoint& point);

// True when x and y are below p, the point satisfies the curve equation and is not infinity.
bool point_valid(const CryptoPP::ECPPoint& point);

// True when 1 <= value <= max, both 32-byte big-endian. Runs in time independent of the
// values (no early exit), so it may be used on secret scalars.
bool in_range_1_to(ByteView value32, const Bytes32& max);

// n - 1 and n - 2: the largest nonce k (GB/T 32918.2 6.1 A3) and the largest private key
// (GB/T 32918.1 6.1).
inline constexpr Bytes32 kNMinus1 = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6,
                                     0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x22};
inline constexpr Bytes32 kNMinus2 = {0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6,
                                     0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5, 0x41, 0x21};

// The Crypto++ versions of curves.hpp's derive_public and decode_point, which run the dedicated
// code in sm2fast/; tests compare the two.
Point64 derive_public_reference(ByteView d32);
Result<Point64> decode_point_reference(ByteView encoded);

}  // namespace trestle::crypto::sm2_curve
