// Signs a message with a fresh key of each suite and verifies it, using only the installed
// public headers of Trestle.
#include <cstdio>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/suite.hpp"

int main() {
  const auto message = trestle::as_bytes("hello, consortium");
  for (const auto* suite : {&trestle::crypto::CryptoSuite::sm(), &trestle::crypto::CryptoSuite::ecdsa()}) {
    auto key = suite->generate_key();
    if (!key.ok()) {
      std::fprintf(stderr, "key generation failed: %s\n", key.error().message().c_str());
      return 1;
    }
    auto signature = suite->sign(key.value(), message);
    if (!signature.ok()) {
      std::fprintf(stderr, "signing failed: %s\n", signature.error().message().c_str());
      return 1;
    }
    const bool valid = suite->verify(key.value().public_key(), message, signature.value());
    std::printf("%-5s address %s signature %s\n", std::string(suite->name()).c_str(),
                trestle::to_hex(suite->address(key.value().public_key())).c_str(), valid ? "valid" : "INVALID");
    if (!valid) return 1;
  }
  return 0;
}
