// Transaction signing and sender verification under both suites, including an independent check
// of what is signed with libsecp256k1 and the rejection of malleated signatures.

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <catch2/catch.hpp>

#include "test_util.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/ledger/transaction.hpp"

using namespace trestle;
using namespace trestle::ledger;
using crypto::CryptoSuite;

TEST_CASE("ledger transaction: sign and verify under sm and ecdsa", "[ledger][transaction]") {
  for (const CryptoSuite* suite : {&CryptoSuite::sm(), &CryptoSuite::ecdsa()}) {
    INFO("suite " << suite->name());
    const auto key = test::test_key(*suite, 3);
    Transaction tx = test::unsigned_tx(1, 100);
    REQUIRE(tx.sign(*suite, key).ok());
    CHECK(tx.signature.size() == suite->signature_size());
    if (suite->can_recover()) {
      CHECK(tx.sender == suite->address(key.public_key()).to_vector());
    } else {
      CHECK(tx.sender == Bytes(key.public_key().xy().begin(), key.public_key().xy().end()));
    }
    auto sender = tx.verify(*suite);
    REQUIRE(sender.ok());
    CHECK(sender.value() == suite->address(key.public_key()));

    const auto other = test::test_key(*suite, 4);
    Transaction by_other = test::unsigned_tx(1, 100);
    REQUIRE(by_other.sign(*suite, other).ok());
    CHECK(by_other.verify(*suite).value() != sender.value());
  }
}

TEST_CASE("ledger transaction: a changed field or signature never verifies as the signer", "[ledger][transaction]") {
  for (const CryptoSuite* suite : {&CryptoSuite::sm(), &CryptoSuite::ecdsa()}) {
    INFO("suite " << suite->name());
    const auto key = test::test_key(*suite, 5);
    const Address signer = suite->address(key.public_key());
    const Transaction tx = test::signed_tx(*suite, key, 9, 50);
    std::vector<Transaction> changed(6, tx);
    changed[0].chain_id = "chain1";
    changed[1].nonce[7] ^= 1;
    changed[2].block_limit += 1;
    changed[3].payload.push_back(0);
    changed[4].signature[5] ^= 0x10;
    changed[5].target.reset();
    for (std::size_t i = 0; i < changed.size(); ++i) {
      INFO("change " << i);
      // ecdsa recovers *some* key from a changed message; its address is not the sender field.
      auto sender = changed[i].verify(*suite);
      REQUIRE_FALSE(sender.ok());
      CHECK(sender.error().code() == ErrorCode::kAuthFailed);
    }
    CHECK(tx.verify(*suite).value() == signer);
  }
}

TEST_CASE("ledger transaction: the sender key must fit the suite", "[ledger][transaction]") {
  const auto& sm = CryptoSuite::sm();
  const auto& ecdsa = CryptoSuite::ecdsa();
  Transaction sm_tx = test::signed_tx(sm, test::test_key(sm, 1), 1, 10);
  Transaction keyless = sm_tx;
  keyless.sender.clear();
  CHECK(keyless.verify(sm).error().code() == ErrorCode::kInvalidArgument);
  Transaction address_only = sm_tx;
  address_only.sender = sm.address(test::test_key(sm, 1).public_key()).to_vector();
  CHECK(address_only.verify(sm).error().code() == ErrorCode::kInvalidArgument);
  Transaction off_curve = sm_tx;
  off_curve.sender[63] ^= 1;
  CHECK(off_curve.verify(sm).error().code() == ErrorCode::kAuthFailed);
  Transaction other_key = sm_tx;
  const auto sm_other = test::test_key(sm, 2);
  const auto& xy = sm_other.public_key().xy();
  other_key.sender.assign(xy.begin(), xy.end());
  CHECK(other_key.verify(sm).error().code() == ErrorCode::kAuthFailed);

  const auto ecdsa_key = test::test_key(ecdsa, 1);
  Transaction ecdsa_tx = test::signed_tx(ecdsa, ecdsa_key, 1, 10);
  REQUIRE(ecdsa_tx.verify(ecdsa).ok());
  // The 64-byte key instead of the address, or nothing: not an ecdsa sender field.
  Transaction with_key = ecdsa_tx;
  const auto& exy = ecdsa_key.public_key().xy();
  with_key.sender.assign(exy.begin(), exy.end());
  CHECK(with_key.verify(ecdsa).error().code() == ErrorCode::kInvalidArgument);
  Transaction no_sender = ecdsa_tx;
  no_sender.sender.clear();
  CHECK(no_sender.verify(ecdsa).error().code() == ErrorCode::kInvalidArgument);
  // Another address with the signer's signature: the recovered key is not that sender's.
  Transaction claimed = ecdsa_tx;
  claimed.sender = ecdsa.address(test::test_key(ecdsa, 2).public_key()).to_vector();
  auto refused = claimed.verify(ecdsa);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ErrorCode::kAuthFailed);
  CHECK(refused.error().message().find("not by its sender") != std::string::npos);

  // Signing with a key of the other curve is refused.
  Transaction wrong = test::unsigned_tx(1, 10);
  CHECK(wrong.sign(sm, test::test_key(ecdsa, 1)).error().code() == ErrorCode::kInvalidArgument);
  // Verification under the other suite fails cleanly.
  CHECK_FALSE(sm_tx.verify(ecdsa).ok());
  CHECK_FALSE(ecdsa_tx.verify(sm).ok());
}

TEST_CASE("ledger transaction: ecdsa signs Keccak-256 of signing_bytes (checked with libsecp256k1)",
          "[ledger][transaction]") {
  const auto& suite = CryptoSuite::ecdsa();
  const auto key = test::test_key(suite, 7);
  const Transaction tx = test::signed_tx(suite, key, 42, 1000, "independent check");
  REQUIRE(tx.signature.size() == 65);
  // The signed bytes end with the sender's address (then the signature follows in encode()).
  const Bytes signed_part = tx.signing_bytes();
  const Bytes address = suite.address(key.public_key()).to_vector();
  REQUIRE(signed_part.size() > 21);
  CHECK(signed_part[signed_part.size() - 21] == 20);
  CHECK(Bytes(signed_part.end() - 20, signed_part.end()) == address);
  const Hash256 digest = crypto::keccak256(tx.signing_bytes());

  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  secp256k1_ecdsa_recoverable_signature signature;
  REQUIRE(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &signature, tx.signature.data(), tx.signature[64]) ==
          1);
  secp256k1_pubkey recovered;
  REQUIRE(secp256k1_ecdsa_recover(ctx, &recovered, &signature, digest.data()) == 1);
  std::uint8_t serialized[65];
  std::size_t length = sizeof serialized;
  secp256k1_ec_pubkey_serialize(ctx, serialized, &length, &recovered, SECP256K1_EC_UNCOMPRESSED);
  secp256k1_context_destroy(ctx);
  CHECK(Bytes(serialized, serialized + 65) == key.public_key().uncompressed());
}

TEST_CASE("ledger transaction: a high-S (malleated) ecdsa signature is rejected", "[ledger][transaction]") {
  const auto& suite = CryptoSuite::ecdsa();
  Transaction tx = test::signed_tx(suite, test::test_key(suite, 8), 1, 10);
  REQUIRE(tx.verify(suite).ok());
  // s' = n - s, v' = v ^ 1 is the other valid signature of the same message.
  const std::uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                              0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  Transaction malleated = tx;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int difference = n[i] - tx.signature[32 + static_cast<std::size_t>(i)] - borrow;
    borrow = difference < 0 ? 1 : 0;
    malleated.signature[32 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(difference + 256 * borrow);
  }
  malleated.signature[64] ^= 1;
  CHECK(malleated.hash(suite) == tx.hash(suite));
  CHECK_FALSE(malleated.verify(suite).ok());
}

TEST_CASE("ledger transaction: two ecdsa senders with equal fields and nonce have different hashes",
          "[ledger][transaction]") {
  const auto& suite = CryptoSuite::ecdsa();
  const auto alice = test::test_key(suite, 1);
  const auto bob = test::test_key(suite, 2);
  const Transaction from_alice = test::signed_tx(suite, alice, 0, 10);
  const Transaction from_bob = test::signed_tx(suite, bob, 0, 10);
  Transaction fields_alice = from_alice;
  Transaction fields_bob = from_bob;
  fields_alice.sender.clear();
  fields_alice.signature.clear();
  fields_bob.sender.clear();
  fields_bob.signature.clear();
  REQUIRE(fields_alice == fields_bob);  // everything but the sender is equal
  CHECK(from_alice.hash(suite) != from_bob.hash(suite));
  CHECK(from_alice.verify(suite).value() == suite.address(alice.public_key()));
  CHECK(from_bob.verify(suite).value() == suite.address(bob.public_key()));
}
