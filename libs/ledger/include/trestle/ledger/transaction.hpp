#pragma once
// Transaction: what a client asks the chain to do, signed by its sender.
//
// Canonical encoding (core codec: integers big-endian, varint = minimal unsigned LEB128):
//
//   u8       version                      1
//   string   chain_id                     varint length + bytes, <= Limits::chain_id_max_bytes
//   string   group_id                     <= Limits::group_id_max_bytes
//   bytes    nonce                        1..Limits::nonce_max_bytes opaque bytes
//   u64      block_limit                  last height at which the transaction may be included
//   u8       has_target                   0 or 1
//   [20]     target                       only when has_target is 1
//   bytes    payload
//   u64      timestamp_ms                 client's clock, milliseconds since the Unix epoch
//   bytes    sender                       sm: the 64-byte public key x||y;
//                                         ecdsa: the 20-byte address (the key is recovered);
//                                         empty only in a transaction not yet signed
//   ---- signing_bytes() ends here ----
//   bytes    signature                    <= Limits::signature_max_bytes
//
// The whole encoding is at most Limits::tx_size_max_bytes. The transaction hash is the suite hash
// of signing_bytes(), so it does not depend on the signature: a re-encoded or malleated signature
// cannot make a second hash for the same transaction, and duplicate detection by hash is sound.
// The signature is suite.sign(key, signing_bytes()).
//
// Why the sender field differs per suite: SM2 signatures cannot be recovered into a key, so sm
// carries the public key. ECDSA (r||s||v) signatures can; carrying the 64-byte key would be
// redundant, but carrying nothing would leave the sender out of the hash, and two senders'
// transactions with equal fields (e.g. both with sequential nonce 0) would share one hash and the
// second be refused as a duplicate. So ecdsa carries the 20-byte address: the hash covers the
// sender, and verify() checks that the recovered key's address is that address. One value, one
// encoding: verify() rejects a field of the other suite's size.

#include <cstdint>
#include <optional>
#include <string>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"

namespace trestle::ledger {

struct Transaction {
  static constexpr std::uint8_t kVersion = 1;
  // Sizes of the sender field: sm carries the public key, ecdsa the address.
  static constexpr std::size_t kSenderKeySize = 64;
  static constexpr std::size_t kSenderAddressSize = Address::kSize;

  std::string chain_id;
  std::string group_id;
  Bytes nonce;
  Height block_limit = 0;
  std::optional<Address> target;  // empty: deploy or system transaction
  Bytes payload;
  std::uint64_t timestamp_ms = 0;
  Bytes sender;     // set by sign(): sm the public key x||y, ecdsa the address
  Bytes signature;  // set by sign()

  Bytes encode() const;
  // The encoding without the signature: what is hashed and signed.
  Bytes signing_bytes() const;
  // Strict: one encoding per value, no trailing bytes. Errors: kInvalidArgument for malformed
  // input, kLimitExceeded for a length over `limits`, kUnsupported for another version.
  static Result<Transaction> decode(ByteView encoded, const Limits& limits);
  // The structural rules decode() enforces, for values built in memory: sizes within `limits`,
  // a non-empty nonce, a sender field of 0, 20 or 64 bytes. Errors as decode().
  Status validate(const Limits& limits) const;

  Hash256 hash(const crypto::CryptoSuite& suite) const;

  // Sets `sender` from the key (sm: its public key, ecdsa: its address), then the signature.
  // Error: `key` is not of the suite's key type (kInvalidArgument) or signing failed.
  Status sign(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key);
  // Checks the signature and returns the sender's address (suite.address of the signing key).
  // Errors: kAuthFailed for a bad signature, a sender key that is not a valid point (sm) or a
  // recovered key whose address is not `sender` (ecdsa); kInvalidArgument when `sender` does not
  // fit the suite (sm: 64 bytes, ecdsa: 20 bytes).
  Result<Address> verify(const crypto::CryptoSuite& suite) const;

  friend bool operator==(const Transaction&, const Transaction&) = default;
};

}  // namespace trestle::ledger
