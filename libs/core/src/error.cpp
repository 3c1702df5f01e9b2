#include <cstring>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kLimitExceeded:
      return "limit_exceeded";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAuthFailed:
      return "auth_failed";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Error Error::with_context(std::string_view context) const {
  std::string message(context);
  message += ": ";
  message += message_;
  return Error(code_, std::move(message));
}

void secure_wipe(void* data, std::size_t size) {
  if (size == 0) return;
  std::memset(data, 0, size);
  // The empty asm with a memory clobber makes the stores observable, so they are not elided.
  __asm__ __volatile__("" : : "r"(data) : "memory");
}

}  // namespace trestle
