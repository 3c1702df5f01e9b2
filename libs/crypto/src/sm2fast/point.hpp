#pragma once
// Points of SM2's curve y^2 = x^3 - 3x + b over F_p, coordinates in Montgomery form.
//
// Jacobian (X, Y, Z) stands for the affine (X/Z^2, Y/Z^3); Z = 0 is the point at infinity.
// The curve has prime order n and cofactor 1, so no finite point has y = 0 and doubling a
// finite point never yields infinity.
//
// The *_var functions may branch on their inputs and are for public data only (verification,
// table building). jac_add_affine_unchecked has no branches; it is correct only when the caller
// rules out the special cases (see its comment), which the constant-time comb does.

#include "fp.hpp"
#include "modinv.hpp"

namespace trestle::crypto::sm2fast {

struct Jac {
  Fe x, y, z;
};

struct Aff {
  Fe x, y;
};

// A Jacobian point with Z^2 and Z^3 cached, for table entries added many times.
struct JacZ {
  Fe x, y, z, zz, zzz;
};

inline bool jac_is_infinity_var(const Jac& p) { return fe_zero_mask(p.z) != 0; }

inline Jac jac_infinity() { return Jac{kOne, kOne, Fe{}}; }

inline Jac jac_from_affine(const Aff& a) { return Jac{a.x, a.y, kOne}; }

// r = 2p for a = -3, constant time, 4M + 4S: with L = (3/2)(X - Z^2)(X + Z^2) and
// beta = X Y^2, X3 = L^2 - 2 beta, Y3 = L (beta - X3) - Y^4, Z3 = Y Z. This is dbl-2001-b's
// result scaled by 1/2 (X by 1/4, Y by 1/8, Z by 1/2: the same point); the halving replaces the
// multiplications by 3, 4 and 8, which saves eight additions. Infinity (Z = 0) doubles to Z = 0.
// r may alias p.
inline void jac_double(Jac& r, const Jac& p) {
  Fe delta, gamma, beta, l, t0, t1;
  fe_sqr(delta, p.z);
  fe_sqr(gamma, p.y);
  fe_mul(beta, p.x, gamma);
  fe_sub(t0, p.x, delta);
  fe_add(t1, p.x, delta);
  fe_mul(t0, t0, t1);
  fe_half(t1, t0);
  fe_add(l, t0, t1);
  fe_mul(r.z, p.y, p.z);  // p is not read after this (aliasing)
  fe_sqr(t0, l);
  fe_add(t1, beta, beta);
  fe_sub(r.x, t0, t1);
  fe_sub(t0, beta, r.x);
  fe_mul(t0, l, t0);
  fe_sqr(t1, gamma);
  fe_sub(r.y, t0, t1);
}

// r = p + q for q affine (8M + 3S), with no branches. Correct only when p is finite and
// p != +-q; the result is meaningless otherwise (the caller selects around those cases).
// r may alias p.
inline void jac_add_affine_unchecked(Jac& r, const Jac& p, const Aff& q) {
  Fe z1z1, u2, s2, h, rr, hh, hhh, v, t;
  fe_sqr(z1z1, p.z);
  fe_mul(u2, q.x, z1z1);
  fe_mul(s2, q.y, p.z);
  fe_mul(s2, s2, z1z1);
  fe_sub(h, u2, p.x);
  fe_sub(rr, s2, p.y);
  fe_sqr(hh, h);
  fe_mul(hhh, h, hh);
  fe_mul(v, p.x, hh);
  fe_mul(r.z, p.z, h);
  fe_mul(t, p.y, hhh);  // read p.y before r.y is written (aliasing)
  fe_sqr(u2, rr);
  fe_sub(u2, u2, hhh);
  fe_sub(u2, u2, v);
  fe_sub(r.x, u2, v);  // X3 = R^2 - H^3 - 2V
  fe_sub(v, v, r.x);
  fe_mul(v, rr, v);
  fe_sub(r.y, v, t);  // Y3 = R (V - X3) - Y1 H^3
}

// r = p + q for q affine, any p (infinity, equal or opposite points). Variable time.
inline void jac_add_affine_var(Jac& r, const Jac& p, const Aff& q) {
  if (jac_is_infinity_var(p)) {
    r = jac_from_affine(q);
    return;
  }
  Fe z1z1, u2, s2, h, rr;
  fe_sqr(z1z1, p.z);
  fe_mul(u2, q.x, z1z1);
  fe_mul(s2, q.y, p.z);
  fe_mul(s2, s2, z1z1);
  fe_sub(h, u2, p.x);
  fe_sub(rr, s2, p.y);
  if (fe_zero_mask(h) != 0) {
    if (fe_zero_mask(rr) != 0) {
      jac_double(r, p);
    } else {
      r = jac_infinity();
    }
    return;
  }
  Fe hh, hhh, v, t;
  fe_sqr(hh, h);
  fe_mul(hhh, h, hh);
  fe_mul(v, p.x, hh);
  fe_mul(r.z, p.z, h);
  fe_mul(t, p.y, hhh);
  fe_sqr(u2, rr);
  fe_sub(u2, u2, hhh);
  fe_sub(u2, u2, v);
  fe_sub(r.x, u2, v);
  fe_sub(v, v, r.x);
  fe_mul(v, rr, v);
  fe_sub(r.y, v, t);
}

inline JacZ jacz_from_jac(const Jac& p) {
  JacZ r{p.x, p.y, p.z, Fe{}, Fe{}};
  fe_sqr(r.zz, p.z);
  fe_mul(r.zzz, r.zz, p.z);
  return r;
}

// r = p + q for any p and a finite q with cached Z powers (11M + 3S). Variable time.
// `negate_q` adds -q instead.
inline void jac_add_jacz_var(Jac& r, const Jac& p, const JacZ& q, bool negate_q) {
  Fe qy = q.y;
  if (negate_q) fe_neg(qy, qy);
  if (jac_is_infinity_var(p)) {
    r = Jac{q.x, qy, q.z};
    return;
  }
  Fe z1z1, u1, u2, s1, s2, h, rr;
  fe_sqr(z1z1, p.z);
  fe_mul(u1, p.x, q.zz);
  fe_mul(u2, q.x, z1z1);
  fe_mul(s1, p.y, q.zzz);
  fe_mul(s2, qy, p.z);
  fe_mul(s2, s2, z1z1);
  fe_sub(h, u2, u1);
  fe_sub(rr, s2, s1);
  if (fe_zero_mask(h) != 0) {
    if (fe_zero_mask(rr) != 0) {
      jac_double(r, p);
    } else {
      r = jac_infinity();
    }
    return;
  }
  Fe hh, hhh, v, t;
  fe_sqr(hh, h);
  fe_mul(hhh, h, hh);
  fe_mul(v, u1, hh);
  fe_mul(r.z, p.z, q.z);
  fe_mul(r.z, r.z, h);
  fe_mul(t, s1, hhh);
  fe_sqr(u2, rr);
  fe_sub(u2, u2, hhh);
  fe_sub(u2, u2, v);
  fe_sub(r.x, u2, v);
  fe_sub(v, v, r.x);
  fe_mul(v, rr, v);
  fe_sub(r.y, v, t);
}

// r = p + q for Jacobian points, any inputs. Variable time.
inline void jac_add_var(Jac& r, const Jac& p, const Jac& q) {
  if (jac_is_infinity_var(q)) {
    r = p;
    return;
  }
  jac_add_jacz_var(r, p, jacz_from_jac(q), false);
}

// Affine coordinates of a finite p: x = X/Z^2, y = Y/Z^3. Constant time.
inline Aff jac_to_affine(const Jac& p) {
  Fe zinv, zinv2, zinv3;
  fe_inv(zinv, p.z);
  fe_sqr(zinv2, zinv);
  fe_mul(zinv3, zinv2, zinv);
  Aff r;
  fe_mul(r.x, p.x, zinv2);
  fe_mul(r.y, p.y, zinv3);
  return r;
}

// All-ones when the affine point satisfies y^2 = x^3 - 3x + b, else zero.
inline u64 aff_on_curve_mask(const Aff& a) {
  Fe lhs, rhs, t;
  fe_sqr(lhs, a.y);
  fe_sqr(rhs, a.x);
  fe_mul(rhs, rhs, a.x);
  fe_add(t, a.x, a.x);
  fe_add(t, t, a.x);
  fe_sub(rhs, rhs, t);
  fe_add(rhs, rhs, kCurveB);
  return fe_eq_mask(lhs, rhs);
}

// Converts finite Jacobian points to affine with one inversion (Montgomery's trick): 3(n-1)
// multiplications plus one inversion. `scratch` holds count elements. Variable time in count
// only. Precondition: every Z is non-zero.
void batch_to_affine(const Jac* in, Aff* out, Fe* scratch, std::size_t count);

}  // namespace trestle::crypto::sm2fast
