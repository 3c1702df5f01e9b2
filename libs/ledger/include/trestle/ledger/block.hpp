#pragma once
// BlockHeader and Block.
//
// Header encoding:
//
//   u8       version                      1
//   [32]     parent_hash                  all zero for the genesis block (height 0)
//   u64      height
//   u64      timestamp_ms
//   u32      proposer_index               index of the proposer in the sealer set
//   u32      tx_count                     so that a light client can check a proof's tree size
//   [32]     tx_root                      Merkle root over the transactions (inclusion.hpp)
//   [32]     receipt_root                 Merkle root over the receipts
//   [32]     state_root                   next_state_root() after this block (write_set.hpp)
//   [32]     sealer_set_hash              commitment to the sealer set, computed by consensus
//   ---- signing_bytes() ends here; the block hash is the suite hash of these bytes ----
//   varint   certificate count            <= Limits::certificate_signature_count_max
//     u32    sealer_index                 strictly increasing: one encoding, one vote per sealer
//     bytes  signature                    <= Limits::signature_max_bytes
//
// The commit certificate (signatures of a quorum of sealers over the block hash) is produced after
// the header is fixed, so the hash cannot cover it; it travels beside the header. What the
// signatures sign and what makes a quorum is the consensus engine's business, not the ledger's:
// the store keeps the certificate but does not check it.
//
// Block encoding: the header encoding, then varint tx count (<= Limits::block_tx_count_max), then
// each transaction as varint length + its encoding. At most Limits::block_size_max_bytes in all.

#include <cstdint>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"
#include "trestle/ledger/transaction.hpp"

namespace trestle::ledger {

struct SealerSignature {
  std::uint32_t sealer_index = 0;
  Bytes signature;

  friend bool operator==(const SealerSignature&, const SealerSignature&) = default;
};

struct BlockHeader {
  static constexpr std::uint8_t kVersion = 1;

  Hash256 parent_hash;
  Height height = 0;
  std::uint64_t timestamp_ms = 0;
  std::uint32_t proposer_index = 0;
  std::uint32_t tx_count = 0;
  Hash256 tx_root;
  Hash256 receipt_root;
  Hash256 state_root;
  Hash256 sealer_set_hash;
  std::vector<SealerSignature> certificate;  // sorted by sealer_index, no duplicates

  Bytes encode() const;
  // The encoding without the certificate: what the block hash covers.
  Bytes signing_bytes() const;
  // Strict. Errors: kInvalidArgument (malformed, trailing bytes, certificate not strictly
  // increasing), kLimitExceeded, kUnsupported (another version).
  static Result<BlockHeader> decode(ByteView encoded, const Limits& limits);
  // The rules decode() enforces, for values built in memory.
  Status validate(const Limits& limits) const;

  // The block hash.
  Hash256 hash(const crypto::CryptoSuite& suite) const;

  friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

struct Block {
  BlockHeader header;
  std::vector<Transaction> transactions;

  Bytes encode() const;
  // Strict. Errors as BlockHeader::decode and Transaction::decode (the message names the
  // transaction index), and kInvalidArgument when header.tx_count differs from the count.
  static Result<Block> decode(ByteView encoded, const Limits& limits);
  // validate() of the header and every transaction, the counts and the encoded size.
  Status validate(const Limits& limits) const;

  Hash256 hash(const crypto::CryptoSuite& suite) const { return header.hash(suite); }

  friend bool operator==(const Block&, const Block&) = default;
};

}  // namespace trestle::ledger
