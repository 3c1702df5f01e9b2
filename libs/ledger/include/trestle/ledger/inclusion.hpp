#pragma once
// Block-level Merkle roots and inclusion proofs for transactions and receipts.
//
// tx root      = merkle_root over merkle_leaf(tx.encode()) for the block's transactions
// receipt root = merkle_root over merkle_leaf(receipt.encode()) for its receipts
//
// The leaves hash the whole encoding, signature included, not the transaction hash (which leaves
// the signature out): so the block hash commits to every byte of the body, and a signature
// swapped in storage or in transit fails the root.
//
// A light client that trusts a header (e.g. through its commit certificate) checks that a
// transaction or receipt is in that block with only the header and a proof.

#include <cstdint>
#include <span>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/merkle.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/ledger/transaction.hpp"

namespace trestle::ledger {

// Leaf hashes, in block order.
std::vector<Hash256> transaction_leaves(const crypto::CryptoSuite& suite, std::span<const Transaction> txs);
std::vector<Hash256> receipt_leaves(const crypto::CryptoSuite& suite, std::span<const Receipt> receipts);

Hash256 transaction_root(const crypto::CryptoSuite& suite, std::span<const Transaction> txs);
Hash256 receipt_root(const crypto::CryptoSuite& suite, std::span<const Receipt> receipts);

// True when `proof` places `tx` in the block of `header`: proof.tree_size must equal
// header.tx_count and the path must lead from merkle_leaf(tx.encode()) to header.tx_root.
bool verify_transaction_inclusion(const crypto::CryptoSuite& suite, const BlockHeader& header, const Transaction& tx,
                                  const MerkleProof& proof);
// The same for a receipt against header.receipt_root. The caller compares receipt.tx_hash with
// the transaction it asks about.
bool verify_receipt_inclusion(const crypto::CryptoSuite& suite, const BlockHeader& header, const Receipt& receipt,
                              const MerkleProof& proof);

// Everything a light client needs about one committed transaction.
struct TransactionInclusion {
  BlockHeader header;
  Transaction transaction;
  Receipt receipt;
  MerkleProof transaction_proof;
  MerkleProof receipt_proof;
};

// Reads the transaction's block and builds both proofs. Errors: kNotFound for an unknown hash,
// kCorrupt or kIo from the store.
Result<TransactionInclusion> prove_transaction(const BlockStore& store, const Hash256& tx_hash);

}  // namespace trestle::ledger
