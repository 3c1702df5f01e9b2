#pragma once
// Helpers shared by the ledger's decoders.

#include <cstddef>
#include <string>
#include <string_view>

#include "trestle/core/codec.hpp"
#include "trestle/core/result.hpp"
#include "trestle/ledger/limits.hpp"

namespace trestle::ledger::detail {

inline Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }
inline Error over_limit(std::string message) { return Error(ErrorCode::kLimitExceeded, std::move(message)); }

// Error when `size` exceeds `max`, naming the field: "payload is 700 bytes, limit 512".
inline Status check_size(std::string_view what, std::size_t size, std::size_t max) {
  if (size > max) {
    return over_limit(std::string(what) + " is " + std::to_string(size) + " bytes, limit " + std::to_string(max));
  }
  return ok_status();
}

inline Status check_count(std::string_view what, std::size_t count, std::size_t max) {
  if (count > max) {
    return over_limit(std::string(what) + " count " + std::to_string(count) + " exceeds the limit " +
                      std::to_string(max));
  }
  return ok_status();
}

// A varint length (at most `length_max`) followed by that many bytes, as a view into the input.
inline Result<ByteView> read_sized(Reader& reader, std::size_t length_max) {
  TRESTLE_TRY(std::uint64_t length, reader.count(length_max));
  return reader.raw(static_cast<std::size_t>(length));
}

// The leading version byte of a versioned encoding.
inline Status read_version(Reader& reader, std::uint8_t expected, std::string_view what) {
  TRESTLE_TRY(std::uint8_t version, reader.u8());
  if (version != expected) {
    return Error(ErrorCode::kUnsupported, std::string(what) + " version " + std::to_string(version) +
                                              " is not supported (this build reads version " +
                                              std::to_string(expected) + ")");
  }
  return ok_status();
}

// Adds "what: " before an error's message.
template <typename T>
Result<T> in_context(Result<T> result, std::string_view what) {
  if (result.ok()) return result;
  return result.error().with_context(what);
}

// The largest receipt encoding `limits` allow (receipts have no size limit of their own).
inline std::size_t receipt_size_bound(const Limits& limits) {
  const std::size_t log_bound = 20 + 10 + limits.log_topic_count_max * 32 + 10 + limits.log_data_max_bytes;
  return 1 + 32 + 4 + 10 + limits.receipt_output_max_bytes + 10 + limits.receipt_log_count_max * log_bound + 8;
}

}  // namespace trestle::ledger::detail
