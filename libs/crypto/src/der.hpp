#pragma once
// A strict DER subset (X.690) for the structures Trestle reads and writes: ECDSA/SM2 signatures,
// SM2 ciphertexts, SEC1 and PKCS#8 private keys, SubjectPublicKeyInfo.
//
// DerReader accepts only single-byte tags, definite minimal lengths of at most 4 length bytes,
// and minimal INTEGERs, and never reads past its input; every problem is a kInvalidArgument
// error naming what was expected. Views it returns point into the caller's input.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::crypto::der {

inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kOid = 0x06;
inline constexpr std::uint8_t kSequence = 0x30;
// Context-specific constructed tags [0] and [1].
inline constexpr std::uint8_t kContext0 = 0xa0;
inline constexpr std::uint8_t kContext1 = 0xa1;

// Appends tag, length and content.
void write_tlv(Bytes& out, std::uint8_t tag, ByteView content);
// Appends a non-negative INTEGER given as big-endian magnitude (leading zeros stripped, a 0x00
// added when the top bit is set).
void write_unsigned_integer(Bytes& out, ByteView big_endian);
void write_small_integer(Bytes& out, std::uint8_t value);
// Wraps `content` as TLV and returns it.
Bytes tlv(std::uint8_t tag, ByteView content);
// Appends a BIT STRING holding whole octets (unused-bits count 0).
void write_bit_string(Bytes& out, ByteView octets);

// Dotted form of an OBJECT IDENTIFIER's content ("1.2.840.10045.2.1"), for error messages.
// Arcs wider than 63 bits print as "?".
std::string oid_to_string(ByteView content);

class DerReader {
 public:
  explicit DerReader(ByteView input) : input_(input) {}

  // Reads one element with the given tag and returns its content.
  Result<ByteView> read(std::uint8_t tag, std::string_view what);
  // Reads a non-negative minimal INTEGER that fits in `width` bytes; returns it left-padded to
  // exactly `width` bytes.
  Result<Bytes> read_unsigned_integer(std::size_t width, std::string_view what);
  // Reads an OBJECT IDENTIFIER and returns its content (compare it with the kOid* constants).
  // Errors: empty, an unterminated or non-minimal sub-identifier.
  Result<ByteView> read_oid(std::string_view what);
  // Reads a BIT STRING of whole octets (unused-bits count 0) and returns the octets.
  Result<ByteView> read_bit_string(std::string_view what);
  // Tag of the next element, or -1 at the end.
  int peek_tag() const { return at_end() ? -1 : input_[offset_]; }
  bool at_end() const { return offset_ >= input_.size(); }
  // Error when input is left over.
  Status finish(std::string_view what) const;

 private:
  ByteView input_;
  std::size_t offset_ = 0;
};

// Contents (without tag and length) of the OBJECT IDENTIFIERs Trestle's key formats use.
inline constexpr std::uint8_t kOidEcPublicKey[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};  // 1.2.840.10045.2.1
inline constexpr std::uint8_t kOidSm2[] = {0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d};    // 1.2.156.10197.1.301
inline constexpr std::uint8_t kOidSecp256k1[] = {0x2b, 0x81, 0x04, 0x00, 0x0a};                // 1.3.132.0.10

inline bool oid_equals(ByteView content, ByteView expected) {
  return std::equal(content.begin(), content.end(), expected.begin(), expected.end());
}

// Signature (r, s) as SEQUENCE { INTEGER r, INTEGER s } with 32-byte values.
Bytes encode_signature(ByteView r32, ByteView s32);
// Strict decoding; r and s returned as 32 bytes each (zero-padded). Error: malformed or a value
// wider than 256 bits.
Result<std::pair<Bytes, Bytes>> decode_signature(ByteView der);

}  // namespace trestle::crypto::der
