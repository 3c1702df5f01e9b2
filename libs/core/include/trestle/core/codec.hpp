#pragma once
// The canonical binary codec: every value has exactly one encoding.
//
//   fixed integers   big-endian, 1/2/4/8 bytes
//   varint           unsigned LEB128, at most 10 bytes, minimal (no trailing 0x80 groups)
//   bytes / string   varint length, then the bytes
//   fixed bytes      the N bytes, no length
//
// Reader is strict: reading past the end, an overlong or overflowing varint, a length over the
// caller's limit and (via finish()) trailing bytes are errors, never crashes or exceptions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle {

// Appends canonical encodings to a buffer it owns.
class Writer {
 public:
  Writer() = default;
  explicit Writer(std::size_t reserve_bytes) { out_.reserve(reserve_bytes); }

  Writer& u8(std::uint8_t value);
  Writer& u16(std::uint16_t value);
  Writer& u32(std::uint32_t value);
  Writer& u64(std::uint64_t value);
  Writer& varint(std::uint64_t value);
  Writer& boolean(bool value) { return u8(value ? 1 : 0); }
  Writer& bytes(ByteView value);           // varint length + bytes
  Writer& string(std::string_view value);  // varint length + UTF-8 bytes
  Writer& raw(ByteView value);             // the bytes alone (fixed-size fields)
  template <std::size_t N>
  Writer& fixed(const FixedBytes<N>& value) {
    return raw(value.view());
  }

  const Bytes& data() const { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

// Number of bytes varint(value) takes.
std::size_t varint_size(std::uint64_t value);

// Reads canonical encodings from a borrowed view. Every read returns an error at the first
// problem; the reader is then in an unspecified position and should be discarded.
class Reader {
 public:
  // Upper bound for lengths read by bytes()/string() when the caller gives none.
  static constexpr std::size_t kDefaultLengthMax = 64u << 20;

  explicit Reader(ByteView input) : input_(input) {}

  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16();
  Result<std::uint32_t> u32();
  Result<std::uint64_t> u64();
  Result<std::uint64_t> varint();
  Result<bool> boolean();  // only 0 or 1
  // A varint count that must not exceed `count_max` (kLimitExceeded otherwise).
  Result<std::uint64_t> count(std::uint64_t count_max);
  Result<Bytes> bytes(std::size_t length_max = kDefaultLengthMax);
  Result<std::string> string(std::size_t length_max = kDefaultLengthMax);
  // A view into the input (valid while the input is); no length prefix.
  Result<ByteView> raw(std::size_t length);
  template <std::size_t N>
  Result<FixedBytes<N>> fixed() {
    auto view = raw(N);
    if (!view.ok()) return view.error();
    return FixedBytes<N>::copy_of(view.value());
  }

  std::size_t remaining() const { return input_.size() - offset_; }
  std::size_t offset() const { return offset_; }
  // Error (kInvalidArgument) when bytes are left over.
  Status finish() const;

 private:
  Result<ByteView> take(std::size_t n, std::string_view what);

  ByteView input_;
  std::size_t offset_ = 0;
};

}  // namespace trestle
