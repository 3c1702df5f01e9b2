#include "der.hpp"

#include <string>

namespace trestle::crypto::der {
namespace {

Error malformed(std::string_view what, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::string(why));
}

void write_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t buf[8];
  int n = 0;
  while (length > 0) {
    buf[n++] = static_cast<std::uint8_t>(length);
    length >>= 8;
  }
  out.push_back(static_cast<std::uint8_t>(0x80 | n));
  while (n > 0) out.push_back(buf[--n]);
}

}  // namespace

void write_tlv(Bytes& out, std::uint8_t tag, ByteView content) {
  out.push_back(tag);
  write_length(out, content.size());
  append(out, content);
}

Bytes tlv(std::uint8_t tag, ByteView content) {
  Bytes out;
  out.reserve(content.size() + 6);
  write_tlv(out, tag, content);
  return out;
}

void write_bit_string(Bytes& out, ByteView octets) {
  Bytes content;
  content.reserve(octets.size() + 1);
  content.push_back(0);
  append(content, octets);
  write_tlv(out, kBitString, content);
}

std::string oid_to_string(ByteView content) {
  std::string out;
  std::uint64_t arc = 0;
  int groups = 0;
  bool first = true;
  for (std::uint8_t b : content) {
    arc = (arc << 7) | (b & 0x7f);
    ++groups;
    if (b & 0x80) continue;
    if (!first) out += '.';
    if (groups > 9) {
      out += '?';
    } else if (first) {
      const std::uint64_t top = arc < 40 ? 0 : (arc < 80 ? 1 : 2);
      out += std::to_string(top);
      out += '.';
      out += std::to_string(arc - 40 * top);
    } else {
      out += std::to_string(arc);
    }
    first = false;
    arc = 0;
    groups = 0;
  }
  return out;
}

void write_unsigned_integer(Bytes& out, ByteView big_endian) {
  std::size_t start = 0;
  while (start < big_endian.size() && big_endian[start] == 0) ++start;
  Bytes content;
  if (start == big_endian.size()) {
    content.push_back(0);
  } else {
    if (big_endian[start] & 0x80) content.push_back(0);
    content.insert(content.end(), big_endian.begin() + static_cast<std::ptrdiff_t>(start), big_endian.end());
  }
  write_tlv(out, kInteger, content);
}

void write_small_integer(Bytes& out, std::uint8_t value) {
  const std::uint8_t v[1] = {value};
  write_unsigned_integer(out, v);
}

Result<ByteView> DerReader::read(std::uint8_t tag, std::string_view what) {
  if (at_end()) return malformed(what, "missing (input ends)");
  if (input_[offset_] != tag) {
    return malformed(what, "unexpected DER tag 0x" + std::string(1, "0123456789abcdef"[input_[offset_] >> 4]) +
                               std::string(1, "0123456789abcdef"[input_[offset_] & 15]));
  }
  std::size_t pos = offset_ + 1;
  if (pos >= input_.size()) return malformed(what, "truncated length");
  std::size_t length = input_[pos++];
  if (length & 0x80) {
    std::size_t n = length & 0x7f;
    if (n == 0 || n > 4) return malformed(what, "unsupported DER length form");
    if (pos + n > input_.size()) return malformed(what, "truncated length");
    if (input_[pos] == 0) return malformed(what, "non-minimal DER length");
    length = 0;
    for (std::size_t i = 0; i < n; ++i) length = (length << 8) | input_[pos++];
    if (length < 0x80) return malformed(what, "non-minimal DER length");
  }
  if (length > input_.size() - pos) return malformed(what, "length runs past the end");
  offset_ = pos + length;
  return input_.subspan(pos, length);
}

Result<Bytes> DerReader::read_unsigned_integer(std::size_t width, std::string_view what) {
  TRESTLE_TRY(ByteView content, read(kInteger, what));
  if (content.empty()) return malformed(what, "empty INTEGER");
  if (content[0] & 0x80) return malformed(what, "negative INTEGER");
  if (content.size() > 1 && content[0] == 0 && !(content[1] & 0x80)) {
    return malformed(what, "non-minimal INTEGER");
  }
  if (content[0] == 0) content = content.subspan(1);
  if (content.size() > width) return malformed(what, "INTEGER too large");
  Bytes out(width - content.size(), 0);
  append(out, content);
  return out;
}

Result<ByteView> DerReader::read_oid(std::string_view what) {
  TRESTLE_TRY(ByteView content, read(kOid, what));
  if (content.empty()) return malformed(what, "empty OBJECT IDENTIFIER");
  if (content.back() & 0x80) return malformed(what, "unterminated OBJECT IDENTIFIER");
  bool at_start = true;
  for (std::uint8_t b : content) {
    if (at_start && b == 0x80) return malformed(what, "non-minimal OBJECT IDENTIFIER");
    at_start = !(b & 0x80);
  }
  return content;
}

Result<ByteView> DerReader::read_bit_string(std::string_view what) {
  TRESTLE_TRY(ByteView content, read(kBitString, what));
  if (content.empty()) return malformed(what, "empty BIT STRING");
  if (content[0] != 0) return malformed(what, "BIT STRING with unused bits");
  return content.subspan(1);
}

Status DerReader::finish(std::string_view what) const {
  if (!at_end()) return malformed(what, std::to_string(input_.size() - offset_) + " trailing bytes");
  return ok_status();
}

Bytes encode_signature(ByteView r32, ByteView s32) {
  Bytes body;
  write_unsigned_integer(body, r32);
  write_unsigned_integer(body, s32);
  return tlv(kSequence, body);
}

Result<std::pair<Bytes, Bytes>> decode_signature(ByteView der) {
  DerReader outer(der);
  TRESTLE_TRY(ByteView body, outer.read(kSequence, "signature"));
  TRESTLE_TRY_STATUS(outer.finish("signature"));
  DerReader inner(body);
  TRESTLE_TRY(Bytes r, inner.read_unsigned_integer(32, "signature r"));
  TRESTLE_TRY(Bytes s, inner.read_unsigned_integer(32, "signature s"));
  TRESTLE_TRY_STATUS(inner.finish("signature"));
  return std::make_pair(std::move(r), std::move(s));
}

}  // namespace trestle::crypto::der
