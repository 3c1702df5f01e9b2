#include "trestle/core/hex.hpp"

namespace trestle {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view text) {
  std::size_t prefix = 0;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) prefix = 2;
  std::string_view digits = text.substr(prefix);
  if (digits.size() % 2 != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "hex has an odd number of digits (" + std::to_string(digits.size()) + ")");
  }
  Bytes out(digits.size() / 2);
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    int hi = hex_value(digits[i]);
    int lo = hex_value(digits[i + 1]);
    if (hi < 0 || lo < 0) {
      std::size_t bad = prefix + i + (hi < 0 ? 0 : 1);
      return Error(ErrorCode::kInvalidArgument, "invalid hex character at position " + std::to_string(bad));
    }
    out[i / 2] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

}  // namespace trestle
