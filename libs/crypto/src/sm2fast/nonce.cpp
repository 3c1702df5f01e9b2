#include "nonce.hpp"

#include <algorithm>

// Crypto++'s SM3 does not throw from Update/Final, and it has no branch or table lookup on the
// data it hashes, so the secret key and nonce flow through it in constant time.

namespace trestle::crypto::sm2fast {
namespace {

void update(CryptoPP::SM3& h, ByteView part) {
  if (!part.empty()) h.Update(part.data(), part.size());
}

}  // namespace

void HmacSm3::set_key(const std::array<std::uint8_t, 32>& key) {
  std::uint8_t pad[CryptoPP::SM3::BLOCKSIZE];
  for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<std::uint8_t>((i < 32 ? key[i] : 0) ^ 0x36);
  inner_.Restart();
  inner_.Update(pad, sizeof pad);
  for (std::size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<std::uint8_t>((i < 32 ? key[i] : 0) ^ 0x5c);
  outer_.Restart();
  outer_.Update(pad, sizeof pad);
  secure_wipe(pad, sizeof pad);
}

std::array<std::uint8_t, 32> HmacSm3::mac(ByteView a, ByteView b, ByteView c, ByteView d, ByteView e) const {
  CryptoPP::SM3 inner = inner_;
  for (ByteView part : {a, b, c, d, e}) update(inner, part);
  std::array<std::uint8_t, 32> digest;
  inner.Final(digest.data());
  CryptoPP::SM3 outer = outer_;
  outer.Update(digest.data(), digest.size());
  outer.Final(digest.data());
  return digest;
}

NonceGenerator::NonceGenerator(const std::array<std::uint8_t, 32>& x, const std::array<std::uint8_t, 32>& h1,
                               ByteView extra)
    : mac_(k_) {
  std::fill(v_.begin(), v_.end(), std::uint8_t{0x01});  // V = 0x01 0x01 ..., K = 0x00 0x00 ...
  for (const std::uint8_t tag : {std::uint8_t{0x00}, std::uint8_t{0x01}}) {
    // K = HMAC_K(V || tag || int2octets(x) || bits2octets(h1) || k'); V = HMAC_K(V).
    k_ = mac_.mac(v_, ByteView(&tag, 1), x, h1, extra);
    mac_.set_key(k_);
    v_ = mac_.mac(v_);
  }
}

NonceGenerator::~NonceGenerator() {
  secure_wipe(k_.data(), k_.size());
  secure_wipe(v_.data(), v_.size());
}

std::array<std::uint8_t, 32> NonceGenerator::next() {
  if (!first_) {
    const std::uint8_t zero = 0x00;  // K = HMAC_K(V || 0x00); V = HMAC_K(V)
    k_ = mac_.mac(v_, ByteView(&zero, 1));
    mac_.set_key(k_);
    v_ = mac_.mac(v_);
  }
  first_ = false;
  v_ = mac_.mac(v_);
  return v_;
}

}  // namespace trestle::crypto::sm2fast
