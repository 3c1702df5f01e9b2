#include "sm2_curve.hpp"
#include "sm2fast/sm2_fast.hpp"

#include <cryptopp/modarith.h>

#include <algorithm>
#include <string>

namespace trestle::crypto::sm2_curve {

const Domain& domain() {
  static const Domain kDomain = [] {
    Domain d;
    d.p = to_integer(kP);
    d.a = to_integer(kA);
    d.b = to_integer(kB);
    d.n = to_integer(kN);
    d.g = CryptoPP::ECPPoint(to_integer(kGx), to_integer(kGy));
    return d;
  }();
  return kDomain;
}

const CryptoPP::ECP& curve() {
  thread_local const CryptoPP::ECP kCurve(domain().p, domain().a, domain().b);
  return kCurve;
}

CryptoPP::Integer to_integer(ByteView big_endian) {
  return CryptoPP::Integer(big_endian.data(), big_endian.size(), CryptoPP::Integer::UNSIGNED,
                           CryptoPP::BIG_ENDIAN_ORDER);
}

void write_bytes32(const CryptoPP::Integer& value, std::span<std::uint8_t, 32> out) {
  value.Encode(out.data(), out.size(), CryptoPP::Integer::UNSIGNED);
}

Bytes32 to_bytes32(const CryptoPP::Integer& value) {
  Bytes32 out;
  write_bytes32(value, out);
  return out;
}

CryptoPP::ECPPoint to_point(const Point64& xy) {
  return CryptoPP::ECPPoint(to_integer(ByteView(xy).first(32)), to_integer(ByteView(xy).last(32)));
}

Point64 from_point(const CryptoPP::ECPPoint& point) {
  Point64 xy;
  write_bytes32(point.x, std::span<std::uint8_t, 32>(xy.data(), 32));
  write_bytes32(point.y, std::span<std::uint8_t, 32>(xy.data() + 32, 32));
  return xy;
}

bool point_valid(const CryptoPP::ECPPoint& point) {
  // ECP::VerifyPoint checks 0 <= x, y < p and the curve equation, but accepts the identity.
  return !point.identity && curve().VerifyPoint(point);
}

bool in_range_1_to(ByteView value32, const Bytes32& max) {
  if (value32.size() != 32) return false;
  // max - value computed byte by byte from the least significant end; a final borrow means
  // value > max. All 32 bytes are always visited.
  unsigned borrow = 0;
  unsigned any_bit = 0;
  for (std::size_t i = 32; i-- > 0;) {
    const unsigned diff = static_cast<unsigned>(max[i]) - value32[i] - borrow;
    borrow = (diff >> 8) & 1;
    any_bit |= value32[i];
  }
  return (borrow == 0) & (any_bit != 0);
}

bool private_scalar_valid(ByteView d32) { return in_range_1_to(d32, kNMinus2); }

Point64 derive_public(ByteView d32) {
  // The dedicated constant-time d*G; derive_public_reference below is the Crypto++ version.
  return sm2fast::derive_public(d32);
}

Point64 derive_public_reference(ByteView d32) {
  // Not constant-time: Crypto++'s scalar multiplication (see sm2_curve.hpp).
  const CryptoPP::Integer d = to_integer(d32);
  return from_point(curve().ScalarMultiply(domain().g, d));
}

namespace {

Error invalid(std::string why) { return Error(ErrorCode::kInvalidArgument, "SM2 public key: " + std::move(why)); }

// The y with y^2 = x^3 + ax + b and the given parity, or nothing when x is not the
// x-coordinate of a point. p = 3 (mod 4), so a square root of c is c^((p+1)/4).
bool decompress(const CryptoPP::Integer& x, bool y_odd, CryptoPP::Integer& y) {
  const Domain& dom = domain();
  const CryptoPP::Integer rhs = ((x * x + dom.a) * x + dom.b) % dom.p;
  const CryptoPP::Integer root = CryptoPP::ModularArithmetic(dom.p).Exponentiate(rhs, (dom.p + 1) >> 2);
  if ((root * root) % dom.p != rhs) return false;
  y = root.IsOdd() == y_odd ? root : dom.p - root;
  // root == 0 would give y = p for odd parity; it cannot happen on a curve of prime order
  // (no point has y = 0), and point_valid below rejects it anyway.
  return true;
}

}  // namespace

Result<Point64> decode_point(ByteView encoded) { return sm2fast::decode_point(encoded); }

Result<Point64> decode_point_reference(ByteView encoded) {
  try {
    CryptoPP::ECPPoint point;
    if (encoded.size() == 65 || encoded.size() == 64) {
      if (encoded.size() == 65 && encoded[0] != 0x04) {
        return invalid("a 65-byte key must start with 04 (uncompressed)");
      }
      const ByteView xy = encoded.last(64);
      point = CryptoPP::ECPPoint(to_integer(xy.first(32)), to_integer(xy.last(32)));
    } else if (encoded.size() == 33) {
      if (encoded[0] != 0x02 && encoded[0] != 0x03) {
        return invalid("a 33-byte key must start with 02 or 03 (compressed)");
      }
      const CryptoPP::Integer x = to_integer(encoded.last(32));
      if (x >= domain().p) return invalid("x-coordinate is not below the field prime");
      CryptoPP::Integer y;
      if (!decompress(x, encoded[0] == 0x03, y)) return invalid("x-coordinate of no point on the curve");
      point = CryptoPP::ECPPoint(x, y);
    } else {
      return invalid("must be 33, 64 or 65 bytes, got " + std::to_string(encoded.size()));
    }
    if (!point_valid(point)) return invalid("not a point on the SM2 curve");
    return from_point(point);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("SM2 public key: arithmetic failed: ") + e.what());
  }
}

}  // namespace trestle::crypto::sm2_curve
