#include "modinv.hpp"

namespace trestle::crypto::sm2fast {
namespace {

__extension__ typedef __int128 i128;

constexpr std::uint64_t kM62 = ~std::uint64_t{0} >> 2;

struct Signed62 {
  std::int64_t v[5];
};

struct Trans2x2 {
  std::int64_t u, v, q, r;
};

Signed62 to_signed62(const u64 (&a)[4]) {
  return Signed62{
      {static_cast<std::int64_t>(a[0] & kM62), static_cast<std::int64_t>(((a[0] >> 62) | (a[1] << 2)) & kM62),
       static_cast<std::int64_t>(((a[1] >> 60) | (a[2] << 4)) & kM62),
       static_cast<std::int64_t>(((a[2] >> 58) | (a[3] << 6)) & kM62), static_cast<std::int64_t>(a[3] >> 56)}};
}

// Precondition: s is normalized (limbs in [0, 2^62), value in [0, 2^256)).
void from_signed62(u64 (&a)[4], const Signed62& s) {
  const auto l = [&](int i) { return static_cast<std::uint64_t>(s.v[i]); };
  a[0] = l(0) | (l(1) << 62);
  a[1] = (l(1) >> 2) | (l(2) << 60);
  a[2] = (l(2) >> 4) | (l(3) << 58);
  a[3] = (l(3) >> 6) | (l(4) << 56);
}

// 59 divsteps on the low bits of f and g (zeta = -(delta + 1/2)), returning the new zeta and the
// transition matrix scaled by 2^62. Masks only; `volatile` keeps the compiler from turning the
// mask computations back into branches.
std::int64_t divsteps_59(std::int64_t zeta, std::uint64_t f0, std::uint64_t g0, Trans2x2& t) {
  std::uint64_t u = 8, v = 0, q = 0, r = 8;
  volatile std::uint64_t c1, c2;
  std::uint64_t mask1, mask2, f = f0, g = g0, x, y, z;
  for (int i = 3; i < 62; ++i) {
    c1 = static_cast<std::uint64_t>(zeta >> 63);
    mask1 = c1;
    c2 = g & 1;
    mask2 = 0 - c2;
    x = (f ^ mask1) - mask1;
    y = (u ^ mask1) - mask1;
    z = (v ^ mask1) - mask1;
    g += x & mask2;
    q += y & mask2;
    r += z & mask2;
    mask1 &= mask2;
    zeta = (zeta ^ static_cast<std::int64_t>(mask1)) - 1;
    f += g & mask1;
    u += q & mask1;
    v += r & mask1;
    g >>= 1;
    u <<= 1;
    v <<= 1;
  }
  t.u = static_cast<std::int64_t>(u);
  t.v = static_cast<std::int64_t>(v);
  t.q = static_cast<std::int64_t>(q);
  t.r = static_cast<std::int64_t>(r);
  return zeta;
}

// [d, e] = t [d, e] / 2^62 mod m, keeping d, e in (-2m, m).
void update_de(Signed62& d, Signed62& e, const Trans2x2& t, const ModInvInfo& info) {
  const std::int64_t d4 = d.v[4], e4 = e.v[4];
  const std::int64_t u = t.u, v = t.v, q = t.q, r = t.r;
  const std::int64_t sd = d4 >> 63, se = e4 >> 63;
  std::int64_t md = (u & sd) + (v & se);
  std::int64_t me = (q & sd) + (r & se);
  i128 cd = static_cast<i128>(u) * d.v[0] + static_cast<i128>(v) * e.v[0];
  i128 ce = static_cast<i128>(q) * d.v[0] + static_cast<i128>(r) * e.v[0];
  // Choose md, me so that t [d, e] + m [md, me] has 62 zero low bits.
  md -= static_cast<std::int64_t>(
      (info.modulus_inv62 * static_cast<std::uint64_t>(cd) + static_cast<std::uint64_t>(md)) & kM62);
  me -= static_cast<std::int64_t>(
      (info.modulus_inv62 * static_cast<std::uint64_t>(ce) + static_cast<std::uint64_t>(me)) & kM62);
  cd += static_cast<i128>(info.modulus[0]) * md;
  ce += static_cast<i128>(info.modulus[0]) * me;
  cd >>= 62;
  ce >>= 62;
  for (int i = 1; i < 5; ++i) {
    cd += static_cast<i128>(u) * d.v[i] + static_cast<i128>(v) * e.v[i] + static_cast<i128>(info.modulus[i]) * md;
    ce += static_cast<i128>(q) * d.v[i] + static_cast<i128>(r) * e.v[i] + static_cast<i128>(info.modulus[i]) * me;
    d.v[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cd) & kM62);
    e.v[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(ce) & kM62);
    cd >>= 62;
    ce >>= 62;
  }
  d.v[4] = static_cast<std::int64_t>(cd);
  e.v[4] = static_cast<std::int64_t>(ce);
}

// [f, g] = t [f, g] / 2^62 (exact).
void update_fg(Signed62& f, Signed62& g, const Trans2x2& t) {
  const std::int64_t u = t.u, v = t.v, q = t.q, r = t.r;
  i128 cf = static_cast<i128>(u) * f.v[0] + static_cast<i128>(v) * g.v[0];
  i128 cg = static_cast<i128>(q) * f.v[0] + static_cast<i128>(r) * g.v[0];
  cf >>= 62;
  cg >>= 62;
  for (int i = 1; i < 5; ++i) {
    cf += static_cast<i128>(u) * f.v[i] + static_cast<i128>(v) * g.v[i];
    cg += static_cast<i128>(q) * f.v[i] + static_cast<i128>(r) * g.v[i];
    f.v[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cf) & kM62);
    g.v[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cg) & kM62);
    cf >>= 62;
    cg >>= 62;
  }
  f.v[4] = static_cast<std::int64_t>(cf);
  g.v[4] = static_cast<std::int64_t>(cg);
}

// r in (-2m, m) -> [0, m), negated first when sign < 0.
void normalize(Signed62& r, std::int64_t sign, const ModInvInfo& info) {
  const auto carry = [&r] {
    for (int i = 0; i < 4; ++i) {
      r.v[i + 1] += r.v[i] >> 62;
      r.v[i] &= static_cast<std::int64_t>(kM62);
    }
  };
  std::int64_t cond_add = r.v[4] >> 63;
  for (int i = 0; i < 5; ++i) r.v[i] += info.modulus[i] & cond_add;
  const std::int64_t cond_negate = sign >> 63;
  for (int i = 0; i < 5; ++i) r.v[i] = (r.v[i] ^ cond_negate) - cond_negate;
  carry();
  cond_add = r.v[4] >> 63;
  for (int i = 0; i < 5; ++i) r.v[i] += info.modulus[i] & cond_add;
  carry();
}

}  // namespace

void modinv_ct(u64 (&x)[4], const ModInvInfo& info) {
  Signed62 d = {{0, 0, 0, 0, 0}};
  Signed62 e = {{1, 0, 0, 0, 0}};
  Signed62 f = {{info.modulus[0], info.modulus[1], info.modulus[2], info.modulus[3], info.modulus[4]}};
  Signed62 g = to_signed62(x);
  std::int64_t zeta = -1;
  for (int i = 0; i < 10; ++i) {
    Trans2x2 t;
    zeta = divsteps_59(zeta, static_cast<std::uint64_t>(f.v[0]), static_cast<std::uint64_t>(g.v[0]), t);
    update_de(d, e, t, info);
    update_fg(f, g, t);
  }
  // g is now 0 and f = +-1 (for x != 0); d = +-x^-1.
  normalize(d, f.v[4], info);
  from_signed62(x, d);
}

}  // namespace trestle::crypto::sm2fast
