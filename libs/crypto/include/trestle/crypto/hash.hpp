#pragma once
// Hash functions: SM3 (GB/T 32905), SHA-256 (FIPS 180-4) and Keccak-256 (Ethereum's original
// Keccak padding, not FIPS 202 SHA3-256). All produce 32-byte digests.

#include <memory>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::crypto {

enum class HashAlgorithm { kSm3, kSha256, kKeccak256 };

// "sm3", "sha256", "keccak256".
std::string_view hash_algorithm_name(HashAlgorithm algorithm);
// Inverse of hash_algorithm_name. Error: kInvalidArgument naming the accepted names.
Result<HashAlgorithm> parse_hash_algorithm(std::string_view name);

// Incremental hashing. Not thread-safe; cheap to create (one small allocation). A moved-from
// Hasher may only be assigned to or destroyed.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  HashAlgorithm algorithm() const { return algorithm_; }
  Hasher& update(ByteView data);
  // Returns the digest and resets the hasher for a new message.
  Hash256 finish();

 private:
  struct State;
  HashAlgorithm algorithm_;
  std::unique_ptr<State> state_;
};

Hash256 hash(HashAlgorithm algorithm, ByteView data);
Hash256 sm3(ByteView data);
Hash256 sha256(ByteView data);
Hash256 keccak256(ByteView data);

// HMAC (RFC 2104) with SM3 or SHA-256 as the hash; keys of any length (longer than the 64-byte
// block are hashed first, as RFC 2104 says). Precondition: algorithm != kKeccak256 (asserted;
// with assertions off the result is RFC 2104 over Keccak-256 with a 136-byte block, which no
// other implementation is known to produce, so do not rely on it).
Hash256 hmac(HashAlgorithm algorithm, ByteView key, ByteView data);

}  // namespace trestle::crypto
