#pragma once
// Private helpers of the C API: the handle structs, the per-thread error message, argument
// checks and the caller-buffer protocol of trestle.h. Every entry point is written as
//
//   int trestle_x(...) {
//     return capi::guard([&]() -> int { ... });
//   }
//
// so that no exception leaves the library, and the last-error message is cleared on entry.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <string_view>

#include "trestle.h"
#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/transaction.hpp"

struct trestle_hasher {
  trestle::crypto::Hasher hasher;
};
struct trestle_private_key {
  trestle::crypto::PrivateKey key;
};
struct trestle_public_key {
  trestle::crypto::PublicKey key;
};
struct trestle_tx {
  trestle::ledger::Transaction tx;
};
struct trestle_store {
  std::unique_ptr<trestle::ledger::LmdbStore> store;
};

namespace trestle::capi {

// Records the message of a failing call and returns `code`.
int fail(int code, std::string_view message);
int fail(const Error& error);
// "prefix" followed by "detail", without allocating (for use inside exception handlers).
int fail(int code, std::string_view prefix, std::string_view detail);
inline int null_argument(std::string_view name) {
  return fail(TRESTLE_ERR_NULL_ARGUMENT, std::string(name) + " is NULL");
}
void clear_error();
const char* last_error();

// Runs `body` with the last-error message cleared, turning any exception into an error code.
template <typename Body>
int guard(Body&& body) noexcept {
  try {
    clear_error();
    return body();
  } catch (const std::bad_alloc&) {
    return fail(TRESTLE_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(TRESTLE_ERR_INTERNAL, "unexpected exception: ", e.what());
  } catch (...) {
    return fail(TRESTLE_ERR_INTERNAL, "unexpected exception");
  }
}

// An input (pointer, length): NULL is allowed only with length 0.
inline bool input_ok(const void* data, std::size_t length) { return data != nullptr || length == 0; }
inline ByteView view(const std::uint8_t* data, std::size_t length) {
  return data == nullptr ? ByteView() : ByteView(data, length);
}
inline std::string_view text(const char* data, std::size_t length) {
  return data == nullptr ? std::string_view() : std::string_view(data, length);
}

// Checks an output buffer before any work: out_len must not be NULL, and out may be NULL only
// when *out_len is 0 (a size query). Returns TRESTLE_OK or the error.
int check_output(const void* out, const std::size_t* out_len);
// Copies `bytes` into the caller's buffer, or reports the size needed.
int deliver(ByteView bytes, std::uint8_t* out, std::size_t* out_len);
// Copies `text` and a terminating NUL, or reports the size needed (counting the NUL).
int deliver_text(std::string_view text, char* out, std::size_t* out_len);
// Reports BUFFER_TOO_SMALL when `bound` bytes would not fit; for outputs whose exact size is only
// known after random work (SM2 ciphertexts).
int check_capacity(std::size_t bound, std::size_t* out_len);

// Parses the integer constants of trestle.h; the error names the argument.
Result<const crypto::CryptoSuite*> suite_of(int suite);
Result<crypto::KeyType> key_type_of(int key_type);
Result<crypto::HashAlgorithm> hash_algorithm_of(int algorithm);
Result<crypto::AeadAlgorithm> aead_algorithm_of(int algorithm);
Result<Hash256> digest_of(const std::uint8_t* digest, std::size_t length);
int key_type_code(crypto::KeyType type);

}  // namespace trestle::capi

// Shorthands for the checks every entry point makes. They return from the enclosing lambda.
#define TRESTLE_CAPI_REQUIRE(pointer)                                          \
  do {                                                                         \
    if ((pointer) == nullptr) return ::trestle::capi::null_argument(#pointer); \
  } while (false)
#define TRESTLE_CAPI_INPUT(data, length)                                                            \
  do {                                                                                              \
    if (!::trestle::capi::input_ok((data), (length))) return ::trestle::capi::null_argument(#data); \
  } while (false)
#define TRESTLE_CAPI_OUTPUT(out, out_len)                                            \
  do {                                                                               \
    const int trestle_capi_check_ = ::trestle::capi::check_output((out), (out_len)); \
    if (trestle_capi_check_ != TRESTLE_OK) return trestle_capi_check_;               \
  } while (false)
// Unwraps a Result<T> into `decl`, or returns its error as a C error code.
#define TRESTLE_CAPI_TRY(decl, expr) TRESTLE_CAPI_TRY_IMPL(TRESTLE_CONCAT(trestle_capi_try_, __LINE__), decl, expr)
#define TRESTLE_CAPI_TRY_IMPL(tmp, decl, expr)              \
  auto tmp = (expr);                                        \
  if (!tmp.ok()) return ::trestle::capi::fail(tmp.error()); \
  decl = std::move(tmp).value()
#define TRESTLE_CAPI_TRY_STATUS(expr)                                                           \
  do {                                                                                          \
    auto trestle_capi_status_ = (expr);                                                         \
    if (!trestle_capi_status_.ok()) return ::trestle::capi::fail(trestle_capi_status_.error()); \
  } while (false)
