#pragma once
// Hex encoding (lower-case out) and strict hex parsing.

#include <string>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle {

// Lower-case hex, two characters per byte, no prefix.
std::string to_hex(ByteView bytes);

// Parses hex: an optional "0x"/"0X" prefix, then an even number of [0-9a-fA-F].
// Errors (kInvalidArgument): odd length, any other character (the message names its position).
Result<Bytes> from_hex(std::string_view text);

// Parses hex that must decode to exactly N bytes (e.g. a Hash256). Errors: as from_hex, and a
// wrong length (kInvalidArgument, the message gives the expected and actual byte count).
template <std::size_t N>
Result<FixedBytes<N>> fixed_from_hex(std::string_view text) {
  auto bytes = from_hex(text);
  if (!bytes.ok()) return bytes.error();
  FixedBytes<N> out;
  if (!FixedBytes<N>::from_view(bytes.value(), out)) {
    return Error(ErrorCode::kInvalidArgument,
                 "expected " + std::to_string(N) + " bytes of hex, got " + std::to_string(bytes.value().size()));
  }
  return out;
}

}  // namespace trestle
