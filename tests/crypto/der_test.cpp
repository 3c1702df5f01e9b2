// DER reader and writer: round trips, OpenSSL's encoder as the reference for signatures, and
// malformed input of every kind the reader promises to reject.

#include <openssl/bn.h>
#include <openssl/ecdsa.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "der.hpp"
#include "trestle/core/hex.hpp"

using namespace trestle;
using namespace trestle::crypto;

namespace {

// Hex with optional spaces for readability.
Bytes hex(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  return from_hex(text).value();
}

Bytes openssl_signature_der(ByteView r, ByteView s) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  REQUIRE(ECDSA_SIG_set0(sig, BN_bin2bn(r.data(), static_cast<int>(r.size()), nullptr),
                         BN_bin2bn(s.data(), static_cast<int>(s.size()), nullptr)) == 1);
  unsigned char* out = nullptr;
  const int size = i2d_ECDSA_SIG(sig, &out);
  REQUIRE(size > 0);
  Bytes der(out, out + size);
  OPENSSL_free(out);
  ECDSA_SIG_free(sig);
  return der;
}

}  // namespace

TEST_CASE("der: integers round trip through write_unsigned_integer and read_unsigned_integer", "[der]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"00", "020100"},   {"0000", "020100"},   {"01", "020101"},     {"7f", "02017f"},
      {"80", "02020080"}, {"00ff", "020200ff"}, {"0100", "02020100"}, {"000080", "02020080"},
  };
  for (const auto& [value, encoding] : cases) {
    Bytes out;
    der::write_unsigned_integer(out, hex(value));
    CHECK(to_hex(out) == encoding);
    der::DerReader reader(out);
    auto read = reader.read_unsigned_integer(4, "x");
    REQUIRE(read.ok());
    Bytes expected(4, 0);
    const Bytes v = hex(value);
    std::copy(v.end() - static_cast<std::ptrdiff_t>(std::min<std::size_t>(v.size(), 4)), v.end(),
              expected.end() - static_cast<std::ptrdiff_t>(std::min<std::size_t>(v.size(), 4)));
    CHECK(read.value() == expected);
    CHECK(reader.finish("x").ok());
  }
}

TEST_CASE("der: long-form lengths are written minimally and read back", "[der]") {
  for (std::size_t size : {0u, 1u, 127u, 128u, 255u, 256u, 300u, 65535u, 65536u}) {
    const Bytes content(size, 0x5a);
    const Bytes encoded = der::tlv(der::kOctetString, content);
    const std::size_t header = size < 0x80 ? 2 : (size <= 0xff ? 3 : (size <= 0xffff ? 4 : 5));
    CHECK(encoded.size() == size + header);
    der::DerReader reader(encoded);
    auto read = reader.read(der::kOctetString, "content");
    REQUIRE(read.ok());
    CHECK(read->size() == size);
    CHECK(reader.at_end());
  }
  CHECK(to_hex(der::tlv(der::kOctetString, Bytes(200, 0))).substr(0, 6) == "0481c8");
  CHECK(to_hex(der::tlv(der::kOctetString, Bytes(300, 0))).substr(0, 8) == "0482012c");
}

TEST_CASE("der: signatures match OpenSSL's encoder and decode back, 300 random cases", "[der][openssl]") {
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 300; ++i) {
    Bytes r(32), s(32);
    for (auto& b : r) b = static_cast<std::uint8_t>(rng());
    for (auto& b : s) b = static_cast<std::uint8_t>(rng());
    // Leading zero bytes and clear/set top bits exercise the minimal-INTEGER rules.
    const int zeros = static_cast<int>(rng() % 4);
    for (int z = 0; z < zeros; ++z) r[static_cast<std::size_t>(z)] = 0;
    if (rng() % 2) s[0] |= 0x80;
    if (r == Bytes(32, 0)) r[31] = 1;
    const Bytes ours = der::encode_signature(r, s);
    CHECK(ours == openssl_signature_der(r, s));
    auto decoded = der::decode_signature(ours);
    REQUIRE(decoded.ok());
    CHECK(decoded->first == r);
    CHECK(decoded->second == s);
  }
}

TEST_CASE("der: every truncation of a signature is rejected", "[der]") {
  const Bytes sig = der::encode_signature(hex("80" + std::string(62, '1')), hex(std::string(64, '7')));
  for (std::size_t n = 0; n < sig.size(); ++n) {
    CHECK_FALSE(der::decode_signature(ByteView(sig).first(n)).ok());
  }
  CHECK(der::decode_signature(sig).ok());
}

TEST_CASE("der: malformed signatures are rejected with an error", "[der]") {
  const std::vector<std::string> bad = {
      "",                                              // empty
      "30",                                            // no length
      "3007020101020101",                              // length runs past the end
      "300602010102010100",                            // trailing byte after the sequence
      "30070201010201010000",                          // content longer than the two integers (and trailing)
      "3007020101020101ff",                            // trailing byte inside the sequence
      "3081060201010201 01",                           // non-minimal long-form length
      "308006020101020101 0000",                       // indefinite length
      "30820006020101020101",                          // long-form length with a leading zero byte
      "3085000000000602010102 0101",                   // five length bytes
      "3006020181020101",                              // negative r
      "300702020001020101",                            // non-minimal r (redundant 0x00)
      "3005020002 0101",                               // empty INTEGER
      "3006020101020180",                              // negative s
      "3006030101020101",                              // BIT STRING instead of INTEGER
      "3106020101020101",                              // SET instead of SEQUENCE
      "30030201 01",                                   // only r
      "3026022101" + std::string(64, '0') + "020101",  // r of 33 significant bytes
  };
  for (const std::string& text : bad) {
    INFO(text);
    CHECK_FALSE(der::decode_signature(hex(text)).ok());
  }
  // A 32-byte value with the top bit set needs the 0x00 and is accepted.
  CHECK(der::decode_signature(hex("302602210080" + std::string(62, '0') + "020101")).ok());
}

TEST_CASE("der: integers wider than the requested width are rejected", "[der]") {
  Bytes encoded;
  der::write_unsigned_integer(encoded, hex("010000"));
  der::DerReader narrow(encoded);
  CHECK_FALSE(narrow.read_unsigned_integer(2, "x").ok());
  der::DerReader wide(encoded);
  CHECK(wide.read_unsigned_integer(3, "x").ok());
}

TEST_CASE("der: object identifiers are validated and printed", "[der]") {
  // Returns whether the OID parses; read_oid's view points into `encoded`, so compare inside.
  auto read_oid = [](const std::string& content_hex) {
    const Bytes encoded = der::tlv(der::kOid, hex(content_hex));
    der::DerReader reader(encoded);
    auto oid = reader.read_oid("oid");
    return oid.ok() && to_hex(oid.value()) == content_hex;
  };
  CHECK(read_oid("2a8648ce3d0201"));
  CHECK(der::oid_equals(hex("2a8648ce3d0201"), der::kOidEcPublicKey));
  CHECK(der::oid_to_string(der::kOidEcPublicKey) == "1.2.840.10045.2.1");
  CHECK(der::oid_to_string(der::kOidSm2) == "1.2.156.10197.1.301");
  CHECK(der::oid_to_string(der::kOidSecp256k1) == "1.3.132.0.10");
  CHECK(der::oid_to_string(hex("2a8648ce3d030107")) == "1.2.840.10045.3.1.7");
  CHECK(der::oid_to_string(hex("8837")) == "2.999");
  CHECK_FALSE(read_oid(""));          // empty
  CHECK_FALSE(read_oid("2a86"));      // last sub-identifier unterminated
  CHECK_FALSE(read_oid("2a808648"));  // sub-identifier with a leading 0x80
  CHECK_FALSE(read_oid("802a"));      // first sub-identifier with a leading 0x80
  CHECK_FALSE(der::oid_equals(hex("2a8648ce3d02"), der::kOidEcPublicKey));
}

TEST_CASE("der: bit strings must hold whole octets", "[der]") {
  Bytes encoded;
  der::write_bit_string(encoded, hex("04aabb"));
  CHECK(to_hex(encoded) == "03040004aabb");
  der::DerReader reader(encoded);
  auto bits = reader.read_bit_string("bits");
  REQUIRE(bits.ok());
  CHECK(to_hex(bits.value()) == "04aabb");

  const Bytes unused_bits_bytes = hex("03020104");
  der::DerReader unused_bits(unused_bits_bytes);
  CHECK_FALSE(unused_bits.read_bit_string("bits").ok());
  const Bytes empty_bytes = hex("0300");
  der::DerReader empty(empty_bytes);
  CHECK_FALSE(empty.read_bit_string("bits").ok());
}

TEST_CASE("der: reader errors name the element and never read past the input", "[der]") {
  const Bytes reader_bytes = hex("0403aabb");
  der::DerReader reader(reader_bytes);
  auto read = reader.read(der::kOctetString, "the salt");
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().code() == ErrorCode::kInvalidArgument);
  CHECK(read.error().message().find("the salt") != std::string::npos);

  const Bytes wrong_tag_bytes = hex("0201 00");
  der::DerReader wrong_tag(wrong_tag_bytes);
  auto tag = wrong_tag.read(der::kSequence, "body");
  REQUIRE_FALSE(tag.ok());
  CHECK(tag.error().message().find("0x02") != std::string::npos);

  const Bytes finished_bytes = hex("050000");
  der::DerReader finished(finished_bytes);
  REQUIRE(finished.read(der::kNull, "null").ok());
  CHECK(finished.peek_tag() == 0);
  CHECK_FALSE(finished.finish("tail").ok());
  der::DerReader empty(ByteView{});
  CHECK(empty.peek_tag() == -1);
  CHECK(empty.finish("nothing").ok());
  CHECK_FALSE(empty.read(der::kNull, "null").ok());
}
