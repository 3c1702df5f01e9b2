// WriteSet semantics and the state root rule.

#include <catch2/catch.hpp>

#include "trestle/crypto/hash.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/write_set.hpp"

using namespace trestle;
using namespace trestle::ledger;

TEST_CASE("ledger write set: the last write to a key wins", "[ledger][state]") {
  WriteSet writes;
  writes.put("t", as_bytes("k"), as_bytes("1"));
  writes.erase("t", as_bytes("k"));
  REQUIRE(writes.find("t", as_bytes("k")) != nullptr);
  CHECK_FALSE(writes.find("t", as_bytes("k"))->has_value());
  writes.put("t", as_bytes("k"), as_bytes("2"));
  CHECK(**writes.find("t", as_bytes("k")) == to_bytes(as_bytes("2")));
  CHECK(writes.find("t", as_bytes("other")) == nullptr);
  CHECK(writes.find("u", as_bytes("k")) == nullptr);
  CHECK(writes.size() == 1);
}

TEST_CASE("ledger write set: the encoding does not depend on the order of writes", "[ledger][state]") {
  WriteSet a;
  a.put("accounts", as_bytes("bob"), as_bytes("5"));
  a.put("accounts", as_bytes("alice"), as_bytes("7"));
  a.erase("config", as_bytes("x"));
  WriteSet b;
  b.erase("config", as_bytes("x"));
  b.put("accounts", as_bytes("alice"), as_bytes("7"));
  b.put("accounts", as_bytes("bob"), as_bytes("5"));
  CHECK(a.encode() == b.encode());
  CHECK(a == b);
  // Bytes compare unsigned: 0x80 sorts after 0x7f.
  WriteSet high;
  high.put("t", Bytes{0x80}, Bytes{});
  high.put("t", Bytes{0x7f}, Bytes{});
  CHECK(high.entries().begin()->first.key == Bytes{0x7f});
}

TEST_CASE("ledger write set: the state root is H(previous || H(write set))", "[ledger][state]") {
  for (const auto* suite : {&crypto::CryptoSuite::sm(), &crypto::CryptoSuite::ecdsa()}) {
    WriteSet writes;
    writes.put("t", as_bytes("k"), as_bytes("v"));
    const Hash256 zero;
    Bytes preimage = zero.to_vector();
    append(preimage, crypto::hash(suite->hash_algorithm(), writes.encode()));
    const Hash256 first = next_state_root(*suite, zero, writes);
    CHECK(first == crypto::hash(suite->hash_algorithm(), preimage));
    // Deterministic, chained, and an empty write set still advances the root.
    CHECK(next_state_root(*suite, zero, writes) == first);
    const Hash256 second = next_state_root(*suite, first, WriteSet());
    CHECK(second != first);
    CHECK(next_state_root(*suite, first, writes) != first);
    CHECK(next_state_root(*suite, first, writes) != next_state_root(*suite, second, writes));
  }
}
