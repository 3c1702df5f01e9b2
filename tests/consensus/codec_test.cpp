// Shared consensus types: quorums, certificate encoding, the generator and the simulated signer.

#include <catch2/catch.hpp>
#include <set>

#include "sim_signer.hpp"
#include "trestle/consensus/rng.hpp"
#include "trestle/consensus/types.hpp"
#include "trestle/core/hex.hpp"

using namespace trestle;
using namespace trestle::consensus;

TEST_CASE("consensus types: quorums for n sealers", "[consensus][types]") {
  CHECK(byzantine_faults_max(1) == 0);
  CHECK(byzantine_faults_max(4) == 1);
  CHECK(byzantine_faults_max(7) == 2);
  CHECK(byzantine_faults_max(10) == 3);
  CHECK(byzantine_quorum(4) == 3);
  CHECK(byzantine_quorum(7) == 5);
  CHECK(byzantine_quorum(10) == 7);
  CHECK(byzantine_quorum(1) == 1);
  CHECK(majority_quorum(3) == 2);
  CHECK(majority_quorum(4) == 3);
  // Any two Byzantine quorums share more than f sealers, for every n.
  for (std::uint32_t n = 1; n <= 100; ++n) {
    const std::uint32_t q = byzantine_quorum(n);
    CHECK(2 * q - n > byzantine_faults_max(n));
    CHECK(q <= n - byzantine_faults_max(n));  // reachable with f silent
  }
}

TEST_CASE("consensus types: the commit vote message binds height, round and hash", "[consensus][types]") {
  Hash256 hash;
  hash[0] = 0xab;
  const Bytes message = commit_vote_message(0x0102, 7, hash);
  CHECK(to_hex(ByteView(message).first(17)) == to_hex(as_bytes("trestle/commit/v1")));
  CHECK(message.size() == 17 + 8 + 8 + 32);
  CHECK(message[17 + 6] == 0x01);
  CHECK(message[17 + 7] == 0x02);
  CHECK(message[17 + 15] == 7);
  CHECK(message[17 + 16] == 0xab);
  CHECK(commit_vote_message(0x0102, 8, hash) != message);
}

TEST_CASE("consensus types: certificates round-trip and decode strictly", "[consensus][types][malformed]") {
  CommitCertificate certificate{9, 2, Hash256{}, {CommitVote{0, Bytes(64, 1)}, CommitVote{3, Bytes(65, 2)}}};
  Writer writer;
  encode_certificate(writer, certificate);
  const Bytes bytes = writer.take();
  Reader reader(bytes);
  auto decoded = decode_certificate(reader);
  REQUIRE(decoded.ok());
  CHECK(*decoded == certificate);
  CHECK(reader.finish().ok());
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    Reader truncated(ByteView(bytes).first(length));
    auto result = decode_certificate(truncated);
    CHECK((!result.ok() || !truncated.finish().ok()));
  }
  CommitCertificate unordered = certificate;
  std::swap(unordered.votes[0], unordered.votes[1]);
  Writer w2;
  encode_certificate(w2, unordered);
  Reader r2(w2.data());
  CHECK_FALSE(decode_certificate(r2).ok());
  CommitCertificate duplicate = certificate;
  duplicate.votes[1].sealer_index = 0;
  Writer w3;
  encode_certificate(w3, duplicate);
  Reader r3(w3.data());
  CHECK_FALSE(decode_certificate(r3).ok());
  CommitCertificate too_long = certificate;
  too_long.votes[0].signature = Bytes(kSignatureMaxBytes + 1, 0);
  Writer w4;
  encode_certificate(w4, too_long);
  Reader r4(w4.data());
  CHECK_FALSE(decode_certificate(r4).ok());
}

TEST_CASE("consensus rng: splitmix64 matches its reference output", "[consensus][rng]") {
  // Reference values of splitmix64 from state 0 (Vigna's splitmix64.c).
  std::uint64_t state = 0;
  CHECK(splitmix64(state) == 0xe220a8397b1dcdafULL);
  CHECK(splitmix64(state) == 0x6e789e6aa1b965f4ULL);
  CHECK(splitmix64(state) == 0x06c45d188009454fULL);
}

TEST_CASE("consensus rng: the same seed gives the same stream; bounds hold", "[consensus][rng]") {
  Rng a(42);
  Rng b(42);
  Rng c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t x = a.next();
    CHECK(x == b.next());
    differs = differs || x != c.next();
  }
  CHECK(differs);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 10'000; ++i) {
    const std::uint64_t value = a.below(7);
    CHECK(value < 7);
    seen.insert(value);
    const std::uint64_t between = a.between(10, 12);
    CHECK((between == 10 || between == 11));
  }
  CHECK(seen.size() == 7);
  int hits = 0;
  for (int i = 0; i < 100'000; ++i) hits += a.chance(250'000) ? 1 : 0;
  CHECK(hits > 24'000);
  CHECK(hits < 26'000);
}

TEST_CASE("consensus sim signer: SipHash-2-4 matches the reference vectors", "[consensus][sim]") {
  // The reference implementation's vectors: key 00..0f, messages 00, 00 01, ... (siphash/vectors.h).
  const std::uint64_t k0 = 0x0706050403020100ULL;
  const std::uint64_t k1 = 0x0f0e0d0c0b0a0908ULL;
  Bytes message;
  CHECK(sim::siphash24(k0, k1, message) == 0x726fdb47dd0e0e31ULL);
  for (std::uint8_t i = 0; i < 15; ++i) message.push_back(i);
  CHECK(sim::siphash24(k0, k1, message) == 0xa129ca6149be45e5ULL);
  message.push_back(15);
  CHECK(sim::siphash24(k0, k1, message) == 0x3f2acc7f57c29bdbULL);
}

TEST_CASE("consensus sim signer: a node can only sign as itself", "[consensus][sim]") {
  sim::SimKeys keys(1, 4);
  const Bytes message = {1, 2, 3};
  const Bytes signature = keys.sign(2, message);
  CHECK(keys.verify(2, message, signature));
  CHECK_FALSE(keys.verify(1, message, signature));
  CHECK_FALSE(keys.verify(4, message, signature));
  CHECK_FALSE(keys.verify(2, Bytes{1, 2, 4}, signature));
  CHECK_FALSE(keys.verify(2, message, ByteView(signature).first(15)));
  Bytes flipped = signature;
  flipped[3] ^= 1;
  CHECK_FALSE(keys.verify(2, message, flipped));
  // Another run's keys differ.
  sim::SimKeys other(2, 4);
  CHECK_FALSE(other.verify(2, message, signature));
}
