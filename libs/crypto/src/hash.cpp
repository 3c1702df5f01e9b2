#include "trestle/crypto/hash.hpp"

#include <cryptopp/hmac.h>
#include <cryptopp/keccak.h>
#include <cryptopp/sha.h>
#include <cryptopp/sm3.h>

#include <cassert>
#include <string>
#include <variant>

// Crypto++'s hash classes do not throw from Update/Final (only std::bad_alloc could escape from
// an allocation, as from any C++ container), so no try/catch is needed here. None of these
// hashes branches on or indexes memory by the data being hashed.

namespace trestle::crypto {
namespace {

// Crypto++ takes (pointer, length); an empty span may carry a null pointer, which we never pass.
const CryptoPP::byte* data_or_empty(ByteView view) {
  static constexpr CryptoPP::byte kEmpty = 0;
  return view.empty() ? &kEmpty : view.data();
}

template <typename CryptoppHash>
Hash256 one_shot(ByteView data) {
  static_assert(CryptoppHash::DIGESTSIZE == Hash256::kSize);
  CryptoppHash h;
  Hash256 out;
  h.CalculateDigest(out.data(), data_or_empty(data), data.size());
  return out;
}

template <typename CryptoppHash>
Hash256 hmac_with(ByteView key, ByteView data) {
  static_assert(CryptoppHash::DIGESTSIZE == Hash256::kSize);
  // RFC 2104: a key longer than the hash's block is replaced by its hash. Doing that here keeps
  // the key Crypto++ sees short, so its key-length check can never throw; the result is the same.
  Hash256 short_key;
  ByteView effective_key = key;
  if (key.size() > CryptoppHash::BLOCKSIZE) {
    short_key = one_shot<CryptoppHash>(key);
    effective_key = short_key.view();
  }
  CryptoPP::HMAC<CryptoppHash> mac(data_or_empty(effective_key), effective_key.size());
  Hash256 out;
  mac.CalculateDigest(out.data(), data_or_empty(data), data.size());
  secure_wipe(short_key.data(), short_key.size());
  return out;
}

}  // namespace

std::string_view hash_algorithm_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSm3:
      return "sm3";
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kKeccak256:
      return "keccak256";
  }
  assert(false && "HashAlgorithm out of range");
  return "unknown";
}

Result<HashAlgorithm> parse_hash_algorithm(std::string_view name) {
  for (HashAlgorithm algorithm : {HashAlgorithm::kSm3, HashAlgorithm::kSha256, HashAlgorithm::kKeccak256}) {
    if (name == hash_algorithm_name(algorithm)) return algorithm;
  }
  // The name may come from a config file or the command line: echo a bounded, printable copy.
  constexpr std::size_t kEchoMax = 32;
  std::string shown;
  for (char c : name.substr(0, kEchoMax)) shown += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (name.size() > kEchoMax) shown += "...";
  return Error(ErrorCode::kInvalidArgument,
               "unknown hash algorithm '" + shown + "'; expected one of: sm3, sha256, keccak256");
}

// One allocation per Hasher; the variant holds the Crypto++ object for the chosen algorithm.
struct Hasher::State {
  std::variant<CryptoPP::SM3, CryptoPP::SHA256, CryptoPP::Keccak_256> hash;

  CryptoPP::HashTransformation& get() {
    return std::visit([](auto& h) -> CryptoPP::HashTransformation& { return h; }, hash);
  }
};

Hasher::Hasher(HashAlgorithm algorithm) : algorithm_(algorithm), state_(std::make_unique<State>()) {
  switch (algorithm) {
    case HashAlgorithm::kSm3:
      state_->hash.emplace<CryptoPP::SM3>();
      break;
    case HashAlgorithm::kSha256:
      state_->hash.emplace<CryptoPP::SHA256>();
      break;
    case HashAlgorithm::kKeccak256:
      state_->hash.emplace<CryptoPP::Keccak_256>();
      break;
  }
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

// Precondition for update and finish: *this has not been moved from.
Hasher& Hasher::update(ByteView data) {
  assert(state_ != nullptr && "Hasher used after move");
  if (!data.empty()) state_->get().Update(data.data(), data.size());
  return *this;
}

Hash256 Hasher::finish() {
  assert(state_ != nullptr && "Hasher used after move");
  Hash256 out;
  state_->get().Final(out.data());  // Final also restarts the hash
  return out;
}

Hash256 hash(HashAlgorithm algorithm, ByteView data) {
  switch (algorithm) {
    case HashAlgorithm::kSm3:
      return sm3(data);
    case HashAlgorithm::kSha256:
      return sha256(data);
    case HashAlgorithm::kKeccak256:
      return keccak256(data);
  }
  assert(false && "HashAlgorithm out of range");
  return Hash256{};
}

Hash256 sm3(ByteView data) { return one_shot<CryptoPP::SM3>(data); }
Hash256 sha256(ByteView data) { return one_shot<CryptoPP::SHA256>(data); }
Hash256 keccak256(ByteView data) { return one_shot<CryptoPP::Keccak_256>(data); }

Hash256 hmac(HashAlgorithm algorithm, ByteView key, ByteView data) {
  switch (algorithm) {
    case HashAlgorithm::kSm3:
      return hmac_with<CryptoPP::SM3>(key, data);
    case HashAlgorithm::kSha256:
      return hmac_with<CryptoPP::SHA256>(key, data);
    case HashAlgorithm::kKeccak256:
      break;
  }
  // Broken precondition. With assertions compiled out we still return a well-defined MAC, RFC
  // 2104 over Keccak-256 with its 136-byte rate as the block size, rather than a constant that
  // would verify for every input.
  assert(false && "hmac: Keccak-256 is not offered");
  return hmac_with<CryptoPP::Keccak_256>(key, data);
}

}  // namespace trestle::crypto
