#include "trestle/ledger/inclusion.hpp"

namespace trestle::ledger {

std::vector<Hash256> transaction_leaves(const crypto::CryptoSuite& suite, std::span<const Transaction> txs) {
  crypto::Hasher hasher = suite.hasher();
  std::vector<Hash256> leaves;
  leaves.reserve(txs.size());
  for (const auto& tx : txs) leaves.push_back(merkle_leaf(hasher, tx.encode()));
  return leaves;
}

std::vector<Hash256> receipt_leaves(const crypto::CryptoSuite& suite, std::span<const Receipt> receipts) {
  crypto::Hasher hasher = suite.hasher();
  std::vector<Hash256> leaves;
  leaves.reserve(receipts.size());
  for (const auto& receipt : receipts) leaves.push_back(merkle_leaf(hasher, receipt.encode()));
  return leaves;
}

Hash256 transaction_root(const crypto::CryptoSuite& suite, std::span<const Transaction> txs) {
  return merkle_root(suite, transaction_leaves(suite, txs));
}

Hash256 receipt_root(const crypto::CryptoSuite& suite, std::span<const Receipt> receipts) {
  return merkle_root(suite, receipt_leaves(suite, receipts));
}

bool verify_transaction_inclusion(const crypto::CryptoSuite& suite, const BlockHeader& header, const Transaction& tx,
                                  const MerkleProof& proof) {
  return proof.tree_size == header.tx_count &&
         verify_proof(suite, header.tx_root, merkle_leaf(suite, tx.encode()), proof);
}

bool verify_receipt_inclusion(const crypto::CryptoSuite& suite, const BlockHeader& header, const Receipt& receipt,
                              const MerkleProof& proof) {
  return proof.tree_size == header.tx_count && receipt.height == header.height &&
         verify_proof(suite, header.receipt_root, merkle_leaf(suite, receipt.encode()), proof);
}

Result<TransactionInclusion> prove_transaction(const BlockStore& store, const Hash256& tx_hash) {
  const crypto::CryptoSuite& suite = store.suite();
  TRESTLE_TRY(TxLocation location, store.locate_transaction(tx_hash));
  TRESTLE_TRY(BlockHeader header, store.header_at(location.height));
  TRESTLE_TRY(std::vector<Transaction> txs, store.transactions_at(location.height));
  TRESTLE_TRY(std::vector<Receipt> receipts, store.receipts_at(location.height));
  if (location.index >= txs.size() || location.index >= receipts.size()) {
    return Error(ErrorCode::kCorrupt, "tx index points at position " + std::to_string(location.index) + " of block " +
                                          std::to_string(location.height) + ", which has " +
                                          std::to_string(txs.size()) + " transactions");
  }
  TransactionInclusion out;
  TRESTLE_TRY(out.transaction_proof, merkle_proof(suite, transaction_leaves(suite, txs), location.index));
  TRESTLE_TRY(out.receipt_proof, merkle_proof(suite, receipt_leaves(suite, receipts), location.index));
  out.header = std::move(header);
  out.transaction = std::move(txs[location.index]);
  out.receipt = std::move(receipts[location.index]);
  return out;
}

}  // namespace trestle::ledger
