// SM2 key derivation and signing (GB/T 32918.2 section 6), constant time in the private key and
// the nonce. The only branches on secret-derived values are on flags declassified first, each
// public by design: "this key is out of range" and "this nonce gives r = 0, r + k = n or
// s = 0, take the next one" (a rejected nonce is discarded, so its flag reveals nothing used).

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>

#include "ct.hpp"
#include "ecmult.hpp"
#include "nonce.hpp"
#include "sm2_fast.hpp"
#include "trestle/crypto/random.hpp"

namespace trestle::crypto::sm2fast {
namespace {

constexpr Sc kNMinus1 = {{kN.v[0] - 1, kN.v[1], kN.v[2], kN.v[3]}};
constexpr Sc kNMinus2 = {{kN.v[0] - 2, kN.v[1], kN.v[2], kN.v[3]}};

Sc to_sc(const std::array<std::uint64_t, 4>& limbs) { return Sc{{limbs[0], limbs[1], limbs[2], limbs[3]}}; }

// One signing attempt with nonce k (plain, in [1, n-1]); e is reduced mod n. Writes (r, s) and
// returns true, or returns false when the standard says to pick another k.
bool try_sign(const Sc& d, const Sc& inv_1_plus_d, const Sc& e, const Sc& k, sm2::Signature& out) {
  const Jac kg = mul_base_ct(k);
  Fe zinv, zinv2, x;
  fe_inv(zinv, kg.z);
  fe_sqr(zinv2, zinv);
  fe_mul(x, kg.x, zinv2);
  const Fe x_plain = fe_from_mont(x);
  Sc r;
  sc_add(r, e, sc_reduce(Sc{{x_plain.v[0], x_plain.v[1], x_plain.v[2], x_plain.v[3]}}));
  Sc r_plus_k;
  sc_add(r_plus_k, r, k);
  Sc rd;
  sc_mont_mul(rd, sc_to_mont(r), d);  // r * d (d plain, r in Montgomery form)
  Sc diff;
  sc_sub(diff, k, rd);
  Sc s;
  sc_mont_mul(s, inv_1_plus_d, diff);  // (1 + d)^-1 (k - r d)
  const u64 reject = sc_zero_mask(r) | sc_zero_mask(r_plus_k) | sc_zero_mask(s);
  sc_to_be(r, out.r.data());
  sc_to_be(s, out.s.data());
  secure_wipe(&r_plus_k, sizeof r_plus_k);
  secure_wipe(&rd, sizeof rd);
  secure_wipe(&diff, sizeof diff);
  return public_flag(reject) == 0;
}

// Runs f, turning an exception into an error. The only one possible is std::bad_alloc, when the
// comb table cannot be allocated on first use.
template <typename F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string(what) + ": " + e.what());
  }
}

Error out_of_range_key() {
  return Error(ErrorCode::kInvalidArgument, "SM2 private key: expected 32 bytes with 1 <= d <= n-2");
}

}  // namespace

bool private_scalar_valid(ByteView d32) {
  if (d32.size() != 32) return false;
  return sc_in_range_mask(sc_from_be(d32.data()), kNMinus2) != 0;
}

Point64 derive_public(ByteView d32) {
  Sc d = sc_from_be(d32.data());
  const Aff a = jac_to_affine(mul_base_ct(d));
  Point64 xy;
  limbs_to_be(fe_from_mont(a.x), xy.data());
  limbs_to_be(fe_from_mont(a.y), xy.data() + 32);
  secure_wipe(&d, sizeof d);
  return xy;
}

Result<SigningKey> SigningKey::from_bytes(ByteView d32) {
  return guarded("SM2 key", [&]() -> Result<SigningKey> {
    auto key = from_bytes_without_public_key(d32);
    if (!key.ok()) return key.error();
    key->public_key_ = derive_public(d32);
    declassify(key->public_key_.data(), key->public_key_.size());
    return key;
  });
}

Result<SigningKey> SigningKey::from_bytes_without_public_key(ByteView d32) {
  if (d32.size() != 32) return out_of_range_key();
  Sc d = sc_from_be(d32.data());
  if (public_flag(sc_in_range_mask(d, kNMinus2)) == 0) {
    secure_wipe(&d, sizeof d);
    return out_of_range_key();
  }
  SigningKey key;
  std::memcpy(key.d_bytes_.data(), d32.data(), 32);
  std::memcpy(key.d_.data(), d.v, sizeof d.v);
  Sc one_plus_d;
  sc_add(one_plus_d, d, Sc{{1, 0, 0, 0}});  // d <= n-2, so 1 + d is in [2, n-1]
  Sc inv;
  sc_inv(inv, sc_to_mont(one_plus_d));
  std::memcpy(key.inv_1_plus_d_.data(), inv.v, sizeof inv.v);
  secure_wipe(&d, sizeof d);
  secure_wipe(&one_plus_d, sizeof one_plus_d);
  secure_wipe(&inv, sizeof inv);
  return key;
}

SigningKey::SigningKey(SigningKey&& other) noexcept
    : d_(other.d_), inv_1_plus_d_(other.inv_1_plus_d_), d_bytes_(other.d_bytes_), public_key_(other.public_key_) {
  other.wipe();
}

SigningKey& SigningKey::operator=(SigningKey&& other) noexcept {
  if (this != &other) {
    d_ = other.d_;
    inv_1_plus_d_ = other.inv_1_plus_d_;
    d_bytes_ = other.d_bytes_;
    public_key_ = other.public_key_;
    other.wipe();
  }
  return *this;
}

SigningKey::~SigningKey() { wipe(); }

void SigningKey::wipe() {
  secure_wipe(d_.data(), sizeof d_);
  secure_wipe(inv_1_plus_d_.data(), sizeof inv_1_plus_d_);
  secure_wipe(d_bytes_.data(), d_bytes_.size());
}

Result<sm2::Signature> SigningKey::sign_digest(const Hash256& e, NonceMode mode) const {
  return guarded("SM2 signing", [&] { return sign_digest_unguarded(e, mode); });
}

Result<sm2::Signature> SigningKey::sign_digest_unguarded(const Hash256& e, NonceMode mode) const {
  const Sc e_mod_n = sc_reduce(sc_from_be(e.data()));
  Bytes32 h1;  // bits2octets(h1) = int2octets(e mod n)
  sc_to_be(e_mod_n, h1.data());
  Bytes32 extra{};
  const bool with_extra = mode == NonceMode::kRandom;
  if (with_extra) {
    if (Status st = fill_random(extra); !st.ok()) return st.error();
  }
  NonceGenerator nonces(d_bytes_, h1, with_extra ? ByteView(extra) : ByteView());
  secure_wipe(extra.data(), extra.size());
  Sc d = to_sc(d_);
  Sc inv = to_sc(inv_1_plus_d_);
  sm2::Signature signature;
  bool done = false;
  // Each candidate fails with probability about 2^-32 (k >= n) plus 3 * 2^-256, so this loop
  // runs once in practice; it is bounded anyway, and the bound is never reached by chance.
  for (int attempt = 0; attempt < 64 && !done; ++attempt) {
    Bytes32 candidate = nonces.next();
    Sc k = sc_from_be(candidate.data());
    done = public_flag(sc_in_range_mask(k, kNMinus1)) != 0 && try_sign(d, inv, e_mod_n, k, signature);
    secure_wipe(candidate.data(), candidate.size());
    secure_wipe(&k, sizeof k);
  }
  secure_wipe(&d, sizeof d);
  secure_wipe(&inv, sizeof inv);
  if (!done) return Error(ErrorCode::kInternal, "SM2 signing: no usable nonce in 64 attempts");
  return signature;
}

Result<sm2::Signature> SigningKey::sign_digest_with_nonce(const Hash256& e, ByteView k32) const {
  return guarded("SM2 signing", [&] { return sign_digest_with_nonce_unguarded(e, k32); });
}

Result<sm2::Signature> SigningKey::sign_digest_with_nonce_unguarded(const Hash256& e, ByteView k32) const {
  if (k32.size() != 32) return Error(ErrorCode::kInvalidArgument, "SM2 nonce: expected 32 bytes");
  const Sc k = sc_from_be(k32.data());
  if (public_flag(sc_in_range_mask(k, kNMinus1)) == 0) {
    return Error(ErrorCode::kInvalidArgument, "SM2 nonce: k must be in [1, n-1]");
  }
  Sc d = to_sc(d_);
  Sc inv = to_sc(inv_1_plus_d_);
  sm2::Signature signature;
  const bool done = try_sign(d, inv, sc_reduce(sc_from_be(e.data())), k, signature);
  secure_wipe(&d, sizeof d);
  secure_wipe(&inv, sizeof inv);
  if (!done) return Error(ErrorCode::kInvalidArgument, "SM2 nonce: this k gives r = 0, r + k = n or s = 0");
  return signature;
}

Result<sm2::Signature> sign_digest(ByteView d32, const Hash256& e, NonceMode mode) {
  auto key = SigningKey::from_bytes_without_public_key(d32);
  if (!key.ok()) return key.error();
  return key.value().sign_digest(e, mode);
}

}  // namespace trestle::crypto::sm2fast
