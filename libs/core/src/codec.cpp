#include "trestle/core/codec.hpp"

namespace trestle {

Writer& Writer::u8(std::uint8_t value) {
  out_.push_back(value);
  return *this;
}

Writer& Writer::u16(std::uint16_t value) {
  out_.push_back(static_cast<std::uint8_t>(value >> 8));
  out_.push_back(static_cast<std::uint8_t>(value));
  return *this;
}

Writer& Writer::u32(std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(value >> shift));
  return *this;
}

Writer& Writer::u64(std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<std::uint8_t>(value >> shift));
  return *this;
}

Writer& Writer::varint(std::uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<std::uint8_t>(value));
  return *this;
}

Writer& Writer::bytes(ByteView value) {
  varint(value.size());
  return raw(value);
}

Writer& Writer::string(std::string_view value) { return bytes(as_bytes(value)); }

Writer& Writer::raw(ByteView value) {
  out_.insert(out_.end(), value.begin(), value.end());
  return *this;
}

std::size_t varint_size(std::uint64_t value) {
  std::size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

Result<ByteView> Reader::take(std::size_t n, std::string_view what) {
  if (n > remaining()) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " at offset " + std::to_string(offset_) + " needs " +
                                                  std::to_string(n) + " bytes, only " + std::to_string(remaining()) +
                                                  " left");
  }
  ByteView view = input_.subspan(offset_, n);
  offset_ += n;
  return view;
}

Result<std::uint8_t> Reader::u8() {
  TRESTLE_TRY(ByteView v, take(1, "u8"));
  return v[0];
}

Result<std::uint16_t> Reader::u16() {
  TRESTLE_TRY(ByteView v, take(2, "u16"));
  return static_cast<std::uint16_t>((v[0] << 8) | v[1]);
}

Result<std::uint32_t> Reader::u32() {
  TRESTLE_TRY(ByteView v, take(4, "u32"));
  std::uint32_t out = 0;
  for (std::uint8_t b : v) out = (out << 8) | b;
  return out;
}

Result<std::uint64_t> Reader::u64() {
  TRESTLE_TRY(ByteView v, take(8, "u64"));
  std::uint64_t out = 0;
  for (std::uint8_t b : v) out = (out << 8) | b;
  return out;
}

Result<std::uint64_t> Reader::varint() {
  const std::size_t start = offset_;
  std::uint64_t out = 0;
  for (int i = 0; i < 10; ++i) {
    if (remaining() == 0) {
      return Error(ErrorCode::kInvalidArgument, "varint at offset " + std::to_string(start) + " is truncated");
    }
    std::uint8_t b = input_[offset_++];
    std::uint64_t group = b & 0x7f;
    if (i == 9 && b > 1) {
      return Error(ErrorCode::kInvalidArgument, "varint at offset " + std::to_string(start) + " overflows 64 bits");
    }
    out |= group << (7 * i);
    if ((b & 0x80) == 0) {
      if (b == 0 && i > 0) {
        return Error(ErrorCode::kInvalidArgument,
                     "varint at offset " + std::to_string(start) + " is not minimally encoded");
      }
      return out;
    }
  }
  return Error(ErrorCode::kInvalidArgument, "varint at offset " + std::to_string(start) + " is longer than 10 bytes");
}

Result<bool> Reader::boolean() {
  const std::size_t at = offset_;
  TRESTLE_TRY(std::uint8_t b, u8());
  if (b > 1) {
    return Error(ErrorCode::kInvalidArgument,
                 "boolean at offset " + std::to_string(at) + " is " + std::to_string(b) + ", expected 0 or 1");
  }
  return b == 1;
}

Result<std::uint64_t> Reader::count(std::uint64_t count_max) {
  const std::size_t at = offset_;
  TRESTLE_TRY(std::uint64_t n, varint());
  if (n > count_max) {
    return Error(ErrorCode::kLimitExceeded, "count " + std::to_string(n) + " at offset " + std::to_string(at) +
                                                " exceeds the limit " + std::to_string(count_max));
  }
  return n;
}

Result<Bytes> Reader::bytes(std::size_t length_max) {
  TRESTLE_TRY(std::uint64_t n, count(length_max));
  TRESTLE_TRY(ByteView v, take(static_cast<std::size_t>(n), "byte string"));
  return to_bytes(v);
}

Result<std::string> Reader::string(std::size_t length_max) {
  TRESTLE_TRY(std::uint64_t n, count(length_max));
  TRESTLE_TRY(ByteView v, take(static_cast<std::size_t>(n), "string"));
  return std::string(v.begin(), v.end());
}

Result<ByteView> Reader::raw(std::size_t length) { return take(length, "fixed field"); }

Status Reader::finish() const {
  if (remaining() != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 std::to_string(remaining()) + " trailing bytes after offset " + std::to_string(offset_));
  }
  return ok_status();
}

}  // namespace trestle
