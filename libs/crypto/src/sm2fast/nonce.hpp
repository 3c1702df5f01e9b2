#pragma once
// The deterministic nonce of RFC 6979 (section 3.2, with the additional data of section 3.6)
// instantiated with HMAC-SM3, for SM2 signing.

#include <array>
#include <cstdint>

#include <cryptopp/sm3.h>

#include "trestle/core/bytes.hpp"

namespace trestle::crypto::sm2fast {

// HMAC-SM3 (RFC 2104) for 32-byte keys, keeping the hash states after the ipad and opad blocks
// so that each MAC costs two compressions fewer and no allocation. Wipes its state on
// destruction (Crypto++ zeroes the hash objects' blocks).
class HmacSm3 {
 public:
  explicit HmacSm3(const std::array<std::uint8_t, 32>& key) { set_key(key); }
  void set_key(const std::array<std::uint8_t, 32>& key);
  // HMAC over the concatenation of the parts.
  std::array<std::uint8_t, 32> mac(ByteView a, ByteView b = {}, ByteView c = {}, ByteView d = {},
                                   ByteView e = {}) const;

 private:
  CryptoPP::SM3 inner_;
  CryptoPP::SM3 outer_;
};

// RFC 6979 3.2 with hlen = qlen = 256 bits, so one HMAC output is one candidate T, read as
// k = bits2int(T). x is int2octets(d), h1 is bits2octets(e) = int2octets(e mod n), and extra
// (0 or 32 bytes) is the additional data k' of 3.6. Wipes K and V on destruction.
class NonceGenerator {
 public:
  NonceGenerator(const std::array<std::uint8_t, 32>& x, const std::array<std::uint8_t, 32>& h1, ByteView extra);
  NonceGenerator(const NonceGenerator&) = delete;
  NonceGenerator& operator=(const NonceGenerator&) = delete;
  ~NonceGenerator();

  // Step h: the next candidate. The caller checks it (1 <= k <= n-1, and that it signs).
  std::array<std::uint8_t, 32> next();

 private:
  std::array<std::uint8_t, 32> k_{};
  std::array<std::uint8_t, 32> v_{};
  HmacSm3 mac_;
  bool first_ = true;
};

}  // namespace trestle::crypto::sm2fast
