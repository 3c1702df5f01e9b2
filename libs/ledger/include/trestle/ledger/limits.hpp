#pragma once
// Limits on every length and count the ledger decodes or stores, and the height type.
//
// Every decoder takes a Limits and rejects (kLimitExceeded) anything larger, before it allocates.
// A chain must use the same limits on every node: a block one node accepts and another rejects
// would split the chain. Limits may grow over a chain's life but must never shrink below what the
// chain already holds, or its stored blocks stop decoding (kCorrupt).

#include <cstddef>
#include <cstdint>

namespace trestle::ledger {

// Block number. The genesis block has height 0; each block's height is its parent's plus one.
using Height = std::uint64_t;

struct Limits {
  // A transaction's whole canonical encoding, signature included.
  std::size_t tx_size_max_bytes = 512u << 10;
  // Transactions (and so receipts) in one block, and a block's whole encoding.
  std::size_t block_tx_count_max = 10'000;
  std::size_t block_size_max_bytes = 64u << 20;
  // Chain id and group id strings of a transaction.
  std::size_t chain_id_max_bytes = 64;
  std::size_t group_id_max_bytes = 64;
  // A transaction nonce is 1..nonce_max_bytes opaque bytes.
  std::size_t nonce_max_bytes = 32;
  // Signatures of transactions and of commit certificates (sm 64 bytes, ecdsa 65).
  std::size_t signature_max_bytes = 128;
  // Signatures in one commit certificate (at most one per sealer).
  std::size_t certificate_signature_count_max = 1'024;
  // A receipt's output bytes, its log entries, each entry's topics and data.
  std::size_t receipt_output_max_bytes = 1u << 20;
  std::size_t receipt_log_count_max = 256;
  std::size_t log_topic_count_max = 4;
  std::size_t log_data_max_bytes = 64u << 10;
  // State: table names are 1..state_table_name_max_bytes bytes, keys 1..state_key_max_bytes.
  // LMDB keys are limited to 511 bytes; 1 + 64 + 400 keeps the composite state key below that.
  std::size_t state_table_name_max_bytes = 64;
  std::size_t state_key_max_bytes = 400;
  std::size_t state_value_max_bytes = 4u << 20;
  // Entries in one block's write set.
  std::size_t write_set_entry_count_max = 1'000'000;
  // Sibling hashes in a Merkle proof; 64 covers any tree of up to 2^64 leaves.
  std::size_t merkle_proof_depth_max = 64;
};

}  // namespace trestle::ledger
