#pragma once
// Result<T> and Status: the one error model of Trestle's public API.
//
// A fallible call returns Result<T> (a value or an Error) or Status (nothing or an Error).
// An Error carries a code that programs can branch on and a message written for the user
// ("genesis.json: field 'sealers'[2]: not a valid SM2 public key"). Programmer mistakes
// (broken preconditions) are assertions, not errors.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace trestle {

enum class ErrorCode {
  kInvalidArgument = 1,  // the caller's input is malformed or out of range
  kLimitExceeded,        // a size or count limit was exceeded
  kNotFound,             // the requested item does not exist
  kAuthFailed,           // a MAC/tag, password or signature did not check out
  kIo,                   // a file or device operation failed
  kCorrupt,              // stored data is inconsistent
  kUnsupported,          // valid input that this build cannot handle
  kInternal,             // a bug or an unexpected failure of a dependency
};

// Stable lower-case name of a code ("invalid_argument"), for logs and JSON.
std::string_view error_code_name(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy with "context: " put before the message, to say where an error happened.
  Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Preconditions: ok() for value(), !ok() for error().
  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> state_;
};

// Status is Result<void>: success costs one byte-sized flag and no allocation.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return error_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const Error& error() const {
    assert(!ok());
    return std::get<1>(error_);
  }

 private:
  std::variant<std::monostate, Error> error_;
};

using Status = Result<void>;

inline Status ok_status() { return {}; }

}  // namespace trestle

// Propagates an error: `TRESTLE_TRY(auto x, parse(bytes));` or `TRESTLE_TRY_STATUS(check(x));`.
#define TRESTLE_CONCAT_INNER(a, b) a##b
#define TRESTLE_CONCAT(a, b) TRESTLE_CONCAT_INNER(a, b)
#define TRESTLE_TRY_IMPL(tmp, decl, expr) \
  auto tmp = (expr);                      \
  if (!tmp.ok()) return tmp.error();      \
  decl = std::move(tmp).value()
#define TRESTLE_TRY(decl, expr) TRESTLE_TRY_IMPL(TRESTLE_CONCAT(trestle_try_, __LINE__), decl, expr)
#define TRESTLE_TRY_STATUS(expr)                               \
  do {                                                         \
    auto trestle_status_ = (expr);                             \
    if (!trestle_status_.ok()) return trestle_status_.error(); \
  } while (false)
