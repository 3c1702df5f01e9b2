#include <secp256k1.h>

#include <array>
#include <cassert>
#include <cstring>

#include "curves.hpp"
#include "secp256k1_context.hpp"
#include "trestle/crypto/random.hpp"

namespace trestle::crypto {

const secp256k1_context_struct* secp_context() {
  static const ::secp256k1_context* const context = [] {
    ::secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::array<std::uint8_t, 32> seed{};
    // Blinding only hardens against side channels; without OS randomness the context still works.
    if (fill_random(seed).ok()) {
      [[maybe_unused]] const int randomized = secp256k1_context_randomize(ctx, seed.data());
    }
    secure_wipe(seed.data(), seed.size());
    return ctx;
  }();
  return context;
}

namespace secp256k1_curve {

bool private_scalar_valid(ByteView d32) {
  return d32.size() == 32 && secp256k1_ec_seckey_verify(secp_context(), d32.data()) == 1;
}

namespace {
Point64 serialize(const secp256k1_pubkey& key) {
  std::uint8_t out[65];
  std::size_t out_size = sizeof(out);
  secp256k1_ec_pubkey_serialize(secp_context(), out, &out_size, &key, SECP256K1_EC_UNCOMPRESSED);
  Point64 xy;
  std::memcpy(xy.data(), out + 1, 64);
  return xy;
}
}  // namespace

Point64 derive_public(ByteView d32) {
  secp256k1_pubkey key;
  [[maybe_unused]] const int created = secp256k1_ec_pubkey_create(secp_context(), &key, d32.data());
  assert(created == 1);  // precondition: private_scalar_valid(d32)
  return serialize(key);
}

Result<Point64> decode_point(ByteView encoded) {
  std::uint8_t buf[65];
  ByteView input = encoded;
  if (encoded.size() == 64) {  // bare x || y
    buf[0] = 0x04;
    std::memcpy(buf + 1, encoded.data(), 64);
    input = ByteView(buf, 65);
  }
  if (input.size() != 65 && input.size() != 33) {
    return Error(ErrorCode::kInvalidArgument,
                 "secp256k1 public key must be 33, 64 or 65 bytes, got " + std::to_string(encoded.size()));
  }
  // libsecp256k1 also accepts the "hybrid" 06/07 prefixes; Trestle does not.
  if (!(input[0] == 0x04 && input.size() == 65) && !((input[0] == 0x02 || input[0] == 0x03) && input.size() == 33)) {
    return Error(ErrorCode::kInvalidArgument, "secp256k1 public key has an invalid prefix byte");
  }
  secp256k1_pubkey key;
  if (secp256k1_ec_pubkey_parse(secp_context(), &key, input.data(), input.size()) != 1) {
    return Error(ErrorCode::kInvalidArgument, "not a point on secp256k1");
  }
  return serialize(key);
}

}  // namespace secp256k1_curve
}  // namespace trestle::crypto
