#include <catch2/catch.hpp>

#include <limits>
#include <random>

#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"

using trestle::Bytes;
using trestle::ErrorCode;
using trestle::Reader;
using trestle::Writer;

namespace {
Bytes hex(std::string_view text) { return trestle::from_hex(text).value(); }
}  // namespace

TEST_CASE("codec: fixed integers are big-endian", "[core][codec]") {
  Writer w;
  w.u8(0x01).u16(0x0203).u32(0x04050607).u64(0x08090a0b0c0d0e0fULL).boolean(true);
  CHECK(trestle::to_hex(w.data()) == "0102030405060708090a0b0c0d0e0f01");

  Reader r(w.data());
  CHECK(r.u8().value() == 0x01);
  CHECK(r.u16().value() == 0x0203);
  CHECK(r.u32().value() == 0x04050607u);
  CHECK(r.u64().value() == 0x08090a0b0c0d0e0fULL);
  CHECK(r.boolean().value());
  CHECK(r.finish().ok());
}

TEST_CASE("codec: varint encodings are LEB128 and minimal", "[core][codec]") {
  struct Case {
    std::uint64_t value;
    const char* hex;
  };
  const Case cases[] = {{0, "00"},         {1, "01"},
                        {127, "7f"},       {128, "8001"},
                        {300, "ac02"},     {16383, "ff7f"},
                        {16384, "808001"}, {std::numeric_limits<std::uint64_t>::max(), "ffffffffffffffffff01"}};
  for (const auto& c : cases) {
    Writer w;
    w.varint(c.value);
    CHECK(trestle::to_hex(w.data()) == c.hex);
    CHECK(trestle::varint_size(c.value) == w.data().size());
    Reader r(w.data());
    CHECK(r.varint().value() == c.value);
    CHECK(r.finish().ok());
  }
}

TEST_CASE("codec: random values round trip", "[core][codec]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t v = rng() >> (rng() % 64);
    Bytes payload(rng() % 300);
    for (auto& b : payload) b = static_cast<std::uint8_t>(rng());
    Writer w;
    w.varint(v).bytes(payload).string("trestle").u32(static_cast<std::uint32_t>(v));
    Reader r(w.data());
    CHECK(r.varint().value() == v);
    CHECK(r.bytes().value() == payload);
    CHECK(r.string().value() == "trestle");
    CHECK(r.u32().value() == static_cast<std::uint32_t>(v));
    CHECK(r.finish().ok());
  }
}

TEST_CASE("codec: malformed varints are errors", "[core][codec][malformed]") {
  SECTION("truncated") {
    Bytes b = hex("80");
    Reader r(b);
    auto v = r.varint();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message().find("truncated") != std::string::npos);
  }
  SECTION("overlong: trailing zero group") {
    Bytes b = hex("8000");
    Reader r(b);
    auto v = r.varint();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message().find("minimal") != std::string::npos);
  }
  SECTION("overflow in the tenth byte") {
    Bytes b = hex("ffffffffffffffffff02");
    Reader r(b);
    auto v = r.varint();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().message().find("overflows") != std::string::npos);
  }
  SECTION("more than ten bytes") {
    Bytes b = hex("8080808080808080808001");
    Reader r(b);
    CHECK_FALSE(r.varint().ok());
  }
}

TEST_CASE("codec: lengths past the end and over limits are errors", "[core][codec][malformed]") {
  SECTION("length past the end") {
    Bytes b = hex("05aabb");
    Reader r(b);
    auto v = r.bytes();
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("length over the caller's limit") {
    Writer w;
    w.bytes(Bytes(100, 1));
    Reader r(w.data());
    auto v = r.bytes(99);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().code() == ErrorCode::kLimitExceeded);
  }
  SECTION("huge declared length does not allocate") {
    Bytes b = hex("ffffffffffffffff7f");
    Reader r(b);
    CHECK_FALSE(r.bytes(std::numeric_limits<std::size_t>::max()).ok());
  }
  SECTION("count over limit") {
    Bytes b = hex("0b");
    Reader r(b);
    CHECK(r.count(10).error().code() == ErrorCode::kLimitExceeded);
  }
  SECTION("fixed fields and integers past the end") {
    Bytes b = hex("0102");
    CHECK_FALSE(Reader(b).u32().ok());
    CHECK_FALSE(Reader(b).u64().ok());
    CHECK_FALSE(Reader(b).fixed<3>().ok());
    CHECK(Reader(b).fixed<2>().ok());
    CHECK_FALSE(Reader(Bytes{}).u8().ok());
  }
  SECTION("booleans other than 0 and 1") {
    Bytes b = hex("02");
    CHECK_FALSE(Reader(b).boolean().ok());
  }
  SECTION("trailing bytes") {
    Bytes b = hex("0100");
    Reader r(b);
    CHECK(r.u8().ok());
    auto s = r.finish();
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message().find("trailing") != std::string::npos);
  }
}

TEST_CASE("codec: every truncation of a valid encoding fails cleanly", "[core][codec][malformed]") {
  Writer w;
  w.varint(1234567).bytes(Bytes(40, 9)).u64(99).string("abc");
  const Bytes full = w.data();
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    Reader r(trestle::ByteView(full).first(cut));
    bool ok = r.varint().ok() && r.bytes().ok() && r.u64().ok() && r.string().ok();
    CHECK_FALSE(ok);
  }
}
