#pragma once
// Per-curve primitives that keys.cpp dispatches to. SM2's live in sm2_curve.cpp (on Crypto++'s
// generic curve arithmetic), secp256k1's in secp256k1.cpp (on libsecp256k1).

#include <array>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::crypto {

using Point64 = std::array<std::uint8_t, 64>;  // x || y, big-endian

namespace sm2_curve {
// True when 1 <= d <= n - 2 (GB/T 32918.1 6.1: the private key lies in [1, n-2]).
bool private_scalar_valid(ByteView d32);
// d * G. Precondition: private_scalar_valid(d32).
Point64 derive_public(ByteView d32);
// Decodes 04||x||y, x||y or 02/03||x and checks the point is on the curve and not infinity.
Result<Point64> decode_point(ByteView encoded);
}  // namespace sm2_curve

namespace secp256k1_curve {
// True when 1 <= d <= n - 1.
bool private_scalar_valid(ByteView d32);
Point64 derive_public(ByteView d32);
Result<Point64> decode_point(ByteView encoded);
}  // namespace secp256k1_curve

}  // namespace trestle::crypto
