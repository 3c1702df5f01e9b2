#pragma once
// Private access to key constructors for the curve code inside the crypto library.

#include <array>

#include "trestle/crypto/keys.hpp"

namespace trestle::crypto {

class PublicKeyFactory {
 public:
  // Precondition: `xy` is a validated point on the curve of `type`.
  static PublicKey make(KeyType type, const std::array<std::uint8_t, 64>& xy) { return PublicKey(type, xy); }
};

}  // namespace trestle::crypto
