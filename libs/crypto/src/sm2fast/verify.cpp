// SM2 verification (GB/T 32918.2 section 7) and public-key decoding. Everything here works on
// public data and may branch on it.

#include <exception>
#include <memory>

#include "ecmult.hpp"
#include "key_cache.hpp"
#include "sm2_fast.hpp"

namespace trestle::crypto::sm2fast {
namespace {

constexpr Sc kNMinus1 = {{kN.v[0] - 1, kN.v[1], kN.v[2], kN.v[3]}};

// x || y -> affine point in Montgomery form; false when a coordinate is >= p or the point is
// off the curve.
bool parse_xy(const std::uint8_t* xy, Aff& out) {
  const Fe x = limbs_from_be(xy);
  const Fe y = limbs_from_be(xy + 32);
  if ((limbs_lt_mask(x, kP) & limbs_lt_mask(y, kP)) == 0) return false;
  out = Aff{fe_to_mont(x), fe_to_mont(y)};
  return aff_on_curve_mask(out) != 0;
}

Error point_error(const char* what) { return Error(ErrorCode::kInvalidArgument, std::string("SM2 point: ") + what); }

}  // namespace

bool point_valid(const Point64& xy) {
  Aff unused;
  return parse_xy(xy.data(), unused);
}

Result<Point64> decode_point(ByteView encoded) {
  Point64 xy{};
  if ((encoded.size() == 65 && encoded[0] == 0x04) || encoded.size() == 64) {
    std::copy(encoded.end() - 64, encoded.end(), xy.begin());
    Aff unused;
    if (!parse_xy(xy.data(), unused)) return point_error("not on the curve, or a coordinate is not below p");
    return xy;
  }
  if (encoded.size() == 33 && (encoded[0] == 0x02 || encoded[0] == 0x03)) {
    const Fe x_plain = limbs_from_be(encoded.data() + 1);
    if (limbs_lt_mask(x_plain, kP) == 0) return point_error("x is not below p");
    const Fe x = fe_to_mont(x_plain);
    Fe rhs, t;
    fe_sqr(rhs, x);
    fe_mul(rhs, rhs, x);
    fe_add(t, x, x);
    fe_add(t, t, x);
    fe_sub(rhs, rhs, t);
    fe_add(rhs, rhs, kCurveB);  // x^3 - 3x + b
    Fe y;
    if (fe_sqrt(y, rhs) == 0) return point_error("no point with this x on the curve");
    Fe y_plain = fe_from_mont(y);
    if ((y_plain.v[0] & 1) != static_cast<u64>(encoded[0] & 1)) {
      fe_neg(y, y);
      y_plain = fe_from_mont(y);
    }
    limbs_to_be(x_plain, xy.data());
    limbs_to_be(y_plain, xy.data() + 32);
    return xy;
  }
  return point_error("expected 04||x||y (65 bytes), x||y (64) or 02/03||x (33)");
}

static bool verify_unguarded(const Point64& public_key, const Hash256& e, const sm2::Signature& signature,
                             KeyTableCache* cache) {
  const Sc r = sc_from_be(signature.r.data());
  const Sc s = sc_from_be(signature.s.data());
  if ((sc_in_range_mask(r, kNMinus1) & sc_in_range_mask(s, kNMinus1)) == 0) return false;
  Sc t;
  sc_add(t, r, s);
  if (sc_zero_mask(t) != 0) return false;
  Aff p;
  if (!parse_xy(public_key.data(), p)) return false;

  std::shared_ptr<const ChunkTables> tables;
  if (cache != nullptr) tables = cache->acquire(public_key, p);
  const Jac sum = mul_double_var(s, t, p, tables.get());
  if (jac_is_infinity_var(sum)) return false;

  // R = (e + x1) mod n must equal r, i.e. x1 = r - e (mod n), with x1 = X / Z^2 in [0, p). As
  // p < 2n, x1 is c = (r - e) mod n or c + n (if below p). Comparing X with c * Z^2 avoids the
  // inversion that computing x1 would take.
  Sc c;
  sc_sub(c, r, sc_reduce(sc_from_be(e.data())));
  Fe z2, cz;
  fe_sqr(z2, sum.z);
  fe_mul(cz, fe_to_mont(Fe{{c.v[0], c.v[1], c.v[2], c.v[3]}}), z2);
  if (fe_eq_mask(cz, sum.x) != 0) return true;
  u64 carry = 0;
  Fe c_plus_n;
  for (int i = 0; i < 4; ++i) c_plus_n.v[i] = addc(c.v[i], kN.v[i], carry);
  if (carry != 0 || limbs_lt_mask(c_plus_n, kP) == 0) return false;
  fe_mul(cz, fe_to_mont(c_plus_n), z2);
  return fe_eq_mask(cz, sum.x) != 0;
}

bool verify_digest(const Point64& public_key, const Hash256& e, const sm2::Signature& signature, KeyTableCache* cache) {
  // The only exception possible is std::bad_alloc, when G's tables (first call) or a key's table
  // cannot be allocated; verification then fails closed.
  try {
    return verify_unguarded(public_key, e, signature, cache);
  } catch (const std::exception&) {
    return false;
  }
}

bool verify_digest(const Point64& public_key, const Hash256& e, const sm2::Signature& signature) {
  return verify_digest(public_key, e, signature, nullptr);
}

}  // namespace trestle::crypto::sm2fast
