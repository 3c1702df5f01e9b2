#include <catch2/catch.hpp>

#include "trestle/core/hex.hpp"

using trestle::Bytes;

TEST_CASE("core: hex round trip", "[core][hex]") {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  std::string hex = trestle::to_hex(all);
  CHECK(hex.size() == 512);
  CHECK(hex.substr(0, 8) == "00010203");
  CHECK(hex.substr(504) == "fcfdfeff");
  auto back = trestle::from_hex(hex);
  REQUIRE(back.ok());
  CHECK(back.value() == all);
  CHECK(trestle::to_hex(Bytes{}).empty());
}

TEST_CASE("core: hex parsing accepts 0x and upper case", "[core][hex]") {
  CHECK(trestle::from_hex("0xABcd").value() == Bytes{0xab, 0xcd});
  CHECK(trestle::from_hex("0X00").value() == Bytes{0x00});
  CHECK(trestle::from_hex("").value().empty());
  CHECK(trestle::from_hex("0x").value().empty());
}

TEST_CASE("core: hex parsing is strict", "[core][hex][malformed]") {
  auto odd = trestle::from_hex("abc");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().message().find("odd") != std::string::npos);

  auto bad = trestle::from_hex("00zz");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message() == "invalid hex character at position 2");

  CHECK_FALSE(trestle::from_hex(" 00").ok());
  CHECK_FALSE(trestle::from_hex("00 ").ok());
  CHECK_FALSE(trestle::from_hex("0x0x00").ok());
  CHECK_FALSE(trestle::from_hex("g0").ok());
}

TEST_CASE("core: fixed-size hex", "[core][hex]") {
  auto h = trestle::fixed_from_hex<4>("deadbeef");
  REQUIRE(h.ok());
  CHECK(h.value()[0] == 0xde);
  CHECK(h.value()[3] == 0xef);
  auto short_one = trestle::fixed_from_hex<4>("dead");
  REQUIRE_FALSE(short_one.ok());
  CHECK(short_one.error().message() == "expected 4 bytes of hex, got 2");
}

TEST_CASE("core: FixedBytes compares and orders by value", "[core][bytes]") {
  trestle::Hash256 a;
  trestle::Hash256 b;
  CHECK(a == b);
  CHECK(a.is_zero());
  b[31] = 1;
  CHECK(a < b);
  CHECK_FALSE(b.is_zero());
  trestle::Address addr;
  CHECK_FALSE(trestle::Address::from_view(Bytes(19), addr));
  CHECK(trestle::Address::from_view(Bytes(20, 7), addr));
  CHECK(addr[19] == 7);
}

TEST_CASE("core: secure_wipe zeroes memory", "[core][bytes]") {
  Bytes secret{1, 2, 3, 4};
  trestle::secure_wipe(secret.data(), secret.size());
  CHECK(secret == Bytes{0, 0, 0, 0});
}
