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
//   bytes    sender_key                   sm: 64 bytes x||y; ecdsa: empty (recovered)
//   ---- signing_bytes() ends here ----
//   bytes    signature                    <= Limits::signature_max_bytes
//
// The whole encoding is at most Limits::tx_size_max_bytes. The transaction hash is the suite hash
// of signing_bytes(), so it does not depend on the signature: a re-encoded or malleated signature
// cannot make a second hash for the same transaction, and duplicate detection by hash is sound.
// The signature is suite.sign(key, signing_bytes()).
//
// Why the sender key is carried for sm and not for ecdsa: SM2 signatures cannot be recovered into a
// key, ECDSA (r||s||v) signatures can. Carrying an ecdsa key anyway would allow two encodings of one
// transaction, so verify() rejects it.
//
// Consequence for ecdsa: the hash does not cover the sender. Two senders' transactions with equal
// fields (same nonce, block limit, target, payload and timestamp) share one hash, and the pool and
// the store accept only the first. Clients should draw nonces at random (16 bytes is plenty)
// rather than count from zero.

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
  static constexpr std::size_t kSenderKeySize = 64;

  std::string chain_id;
  std::string group_id;
  Bytes nonce;
  Height block_limit = 0;
  std::optional<Address> target;  // empty: deploy or system transaction
  Bytes payload;
  std::uint64_t timestamp_ms = 0;
  Bytes sender_key;  // set by sign(): x||y for sm, empty for ecdsa
  Bytes signature;   // set by sign()

  Bytes encode() const;
  // The encoding without the signature: what is hashed and signed.
  Bytes signing_bytes() const;
  // Strict: one encoding per value, no trailing bytes. Errors: kInvalidArgument for malformed
  // input, kLimitExceeded for a length over `limits`, kUnsupported for another version.
  static Result<Transaction> decode(ByteView encoded, const Limits& limits);
  // The structural rules decode() enforces, for values built in memory: sizes within `limits`,
  // a non-empty nonce, a sender key of 0 or 64 bytes. Errors as decode().
  Status validate(const Limits& limits) const;

  Hash256 hash(const crypto::CryptoSuite& suite) const;

  // Sets sender_key (sm) or clears it (ecdsa), then the signature. Error: `key` is not of the
  // suite's key type (kInvalidArgument) or signing failed.
  Status sign(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key);
  // Checks the signature and returns the sender's address (suite.address of the signing key).
  // Errors: kAuthFailed for a bad signature or a sender key that is not a valid point;
  // kInvalidArgument when sender_key does not fit the suite (ecdsa: must be empty; sm: 64 bytes).
  Result<Address> verify(const crypto::CryptoSuite& suite) const;

  friend bool operator==(const Transaction&, const Transaction&) = default;
};

}  // namespace trestle::ledger
