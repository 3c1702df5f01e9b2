#include "api.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace trestle::capi {
namespace {

static_assert(TRESTLE_ERR_INVALID_ARGUMENT == static_cast<int>(ErrorCode::kInvalidArgument));
static_assert(TRESTLE_ERR_LIMIT_EXCEEDED == static_cast<int>(ErrorCode::kLimitExceeded));
static_assert(TRESTLE_ERR_NOT_FOUND == static_cast<int>(ErrorCode::kNotFound));
static_assert(TRESTLE_ERR_AUTH_FAILED == static_cast<int>(ErrorCode::kAuthFailed));
static_assert(TRESTLE_ERR_IO == static_cast<int>(ErrorCode::kIo));
static_assert(TRESTLE_ERR_CORRUPT == static_cast<int>(ErrorCode::kCorrupt));
static_assert(TRESTLE_ERR_UNSUPPORTED == static_cast<int>(ErrorCode::kUnsupported));
static_assert(TRESTLE_ERR_INTERNAL == static_cast<int>(ErrorCode::kInternal));

// The message of the last failing call on this thread. A fixed array rather than std::string so
// that recording an error never allocates (it must work while reporting an out-of-memory error).
constexpr std::size_t kMessageSizeMax = 1024;
thread_local char last_error_message[kMessageSizeMax] = {};

void record(std::string_view prefix, std::string_view detail = {}) {
  const std::size_t prefix_length = std::min(prefix.size(), kMessageSizeMax - 1);
  std::memcpy(last_error_message, prefix.data(), prefix_length);
  const std::size_t detail_length = std::min(detail.size(), kMessageSizeMax - 1 - prefix_length);
  if (detail_length > 0) std::memcpy(last_error_message + prefix_length, detail.data(), detail_length);
  last_error_message[prefix_length + detail_length] = '\0';
}

}  // namespace

int fail(int code, std::string_view message) {
  record(message);
  return code;
}

int fail(int code, std::string_view prefix, std::string_view detail) {
  record(prefix, detail);
  return code;
}

int fail(const Error& error) {
  record(error.message());
  return static_cast<int>(error.code());
}

void clear_error() { last_error_message[0] = '\0'; }

const char* last_error() { return last_error_message; }

int check_output(const void* out, const std::size_t* out_len) {
  if (out_len == nullptr) return null_argument("out_len");
  if (out == nullptr && *out_len != 0) return fail(TRESTLE_ERR_NULL_ARGUMENT, "out is NULL but *out_len is not 0");
  return TRESTLE_OK;
}

int check_capacity(std::size_t bound, std::size_t* out_len) {
  if (*out_len >= bound) return TRESTLE_OK;
  const std::size_t capacity = *out_len;
  *out_len = bound;
  return fail(TRESTLE_ERR_BUFFER_TOO_SMALL, "output buffer too small: " + std::to_string(capacity) + " bytes, up to " +
                                                std::to_string(bound) + " needed");
}

int deliver(ByteView bytes, std::uint8_t* out, std::size_t* out_len) {
  if (*out_len < bytes.size()) {
    const std::size_t capacity = *out_len;
    *out_len = bytes.size();
    return fail(TRESTLE_ERR_BUFFER_TOO_SMALL, "output buffer too small: " + std::to_string(capacity) + " bytes, " +
                                                  std::to_string(bytes.size()) + " needed");
  }
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  *out_len = bytes.size();
  return TRESTLE_OK;
}

int deliver_text(std::string_view text, char* out, std::size_t* out_len) {
  const std::size_t needed = text.size() + 1;
  if (*out_len < needed) {
    const std::size_t capacity = *out_len;
    *out_len = needed;
    return fail(TRESTLE_ERR_BUFFER_TOO_SMALL, "output buffer too small: " + std::to_string(capacity) + " bytes, " +
                                                  std::to_string(needed) + " needed (with the terminating NUL)");
  }
  std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  *out_len = needed;
  return TRESTLE_OK;
}

Result<const crypto::CryptoSuite*> suite_of(int suite) {
  switch (suite) {
    case TRESTLE_SUITE_SM:
      return &crypto::CryptoSuite::sm();
    case TRESTLE_SUITE_ECDSA:
      return &crypto::CryptoSuite::ecdsa();
    default:
      return Error(ErrorCode::kInvalidArgument,
                   "unknown suite " + std::to_string(suite) + " (TRESTLE_SUITE_SM = 0, TRESTLE_SUITE_ECDSA = 1)");
  }
}

Result<crypto::KeyType> key_type_of(int key_type) {
  switch (key_type) {
    case TRESTLE_KEY_SM2:
      return crypto::KeyType::kSm2;
    case TRESTLE_KEY_SECP256K1:
      return crypto::KeyType::kSecp256k1;
    default:
      return Error(ErrorCode::kInvalidArgument, "unknown key type " + std::to_string(key_type) +
                                                    " (TRESTLE_KEY_SM2 = 0, TRESTLE_KEY_SECP256K1 = 1)");
  }
}

int key_type_code(crypto::KeyType type) {
  return type == crypto::KeyType::kSm2 ? TRESTLE_KEY_SM2 : TRESTLE_KEY_SECP256K1;
}

Result<crypto::HashAlgorithm> hash_algorithm_of(int algorithm) {
  switch (algorithm) {
    case TRESTLE_HASH_SM3:
      return crypto::HashAlgorithm::kSm3;
    case TRESTLE_HASH_SHA256:
      return crypto::HashAlgorithm::kSha256;
    case TRESTLE_HASH_KECCAK256:
      return crypto::HashAlgorithm::kKeccak256;
    default:
      return Error(ErrorCode::kInvalidArgument,
                   "unknown hash algorithm " + std::to_string(algorithm) +
                       " (TRESTLE_HASH_SM3 = 0, TRESTLE_HASH_SHA256 = 1, TRESTLE_HASH_KECCAK256 = 2)");
  }
}

Result<crypto::AeadAlgorithm> aead_algorithm_of(int algorithm) {
  switch (algorithm) {
    case TRESTLE_AEAD_SM4_GCM:
      return crypto::AeadAlgorithm::kSm4Gcm;
    case TRESTLE_AEAD_AES256_GCM:
      return crypto::AeadAlgorithm::kAes256Gcm;
    default:
      return Error(ErrorCode::kInvalidArgument, "unknown AEAD algorithm " + std::to_string(algorithm) +
                                                    " (TRESTLE_AEAD_SM4_GCM = 0, TRESTLE_AEAD_AES256_GCM = 1)");
  }
}

Result<Hash256> digest_of(const std::uint8_t* digest, std::size_t length) {
  Hash256 out;
  if (!Hash256::from_view(view(digest, length), out)) {
    return Error(ErrorCode::kInvalidArgument, "a digest is 32 bytes, got " + std::to_string(length));
  }
  return out;
}

}  // namespace trestle::capi

extern "C" {

const char* trestle_version(void) { return TRESTLE_VERSION_STRING; }

const char* trestle_last_error(void) { return trestle::capi::last_error(); }

const char* trestle_error_name(int code) {
  switch (code) {
    case TRESTLE_OK:
      return "ok";
    case TRESTLE_ERR_NULL_ARGUMENT:
      return "null_argument";
    case TRESTLE_ERR_BUFFER_TOO_SMALL:
      return "buffer_too_small";
    case TRESTLE_ERR_NO_MEMORY:
      return "no_memory";
    default:
      break;
  }
  if (code >= TRESTLE_ERR_INVALID_ARGUMENT && code <= TRESTLE_ERR_INTERNAL) {
    // error_code_name returns views of string literals, so .data() is NUL-terminated.
    return trestle::error_code_name(static_cast<trestle::ErrorCode>(code)).data();
  }
  return "unknown";
}

}  // extern "C"
