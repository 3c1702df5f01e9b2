#include "trestle/ledger/verify.hpp"

#include <string>

#include "trestle/core/hex.hpp"
#include "trestle/ledger/inclusion.hpp"

namespace trestle::ledger {

namespace {

Error corrupt_at(Height height, const std::string& what) {
  return Error(ErrorCode::kCorrupt, "height " + std::to_string(height) + ": " + what);
}

std::string hex_of(const Hash256& hash) { return to_hex(hash); }

// A read error becomes the report's error; kNotFound inside the chain means something is missing.
Error read_failure(Height height, const std::string& what, const Error& error) {
  if (error.code() == ErrorCode::kIo) return error.with_context("height " + std::to_string(height) + ": " + what);
  return corrupt_at(height, what + ": " + error.message());
}

Status verify_block(const BlockStore& store, Height height, const Hash256& parent_hash, Hash256& block_hash,
                    std::uint64_t& tx_count) {
  const crypto::CryptoSuite& suite = store.suite();
  auto header = store.header_at(height);
  if (!header.ok()) return read_failure(height, "header", header.error());
  if (header->height != height) {
    return corrupt_at(height, "header says height " + std::to_string(header->height));
  }
  if (header->parent_hash != parent_hash) {
    return corrupt_at(height, "parent hash " + hex_of(header->parent_hash) + " is not the previous block's hash " +
                                  hex_of(parent_hash));
  }
  block_hash = header->hash(suite);
  auto indexed_height = store.height_of(block_hash);
  if (!indexed_height.ok()) return read_failure(height, "block hash index", indexed_height.error());
  if (indexed_height.value() != height) {
    return corrupt_at(
        height, "block hash index maps " + hex_of(block_hash) + " to height " + std::to_string(indexed_height.value()));
  }

  auto txs = store.transactions_at(height);
  if (!txs.ok()) return read_failure(height, "body", txs.error());
  auto receipts = store.receipts_at(height);
  if (!receipts.ok()) return read_failure(height, "receipts", receipts.error());
  if (txs->size() != header->tx_count) {
    return corrupt_at(height, "header says " + std::to_string(header->tx_count) + " transactions, the body has " +
                                  std::to_string(txs->size()));
  }
  if (receipts->size() != txs->size()) {
    return corrupt_at(
        height, std::to_string(txs->size()) + " transactions but " + std::to_string(receipts->size()) + " receipts");
  }
  const Hash256 tx_root = transaction_root(suite, txs.value());
  if (tx_root != header->tx_root) {
    return corrupt_at(height, "tx_root mismatch: header " + hex_of(header->tx_root) + ", computed " + hex_of(tx_root));
  }
  const Hash256 receipt_root_value = receipt_root(suite, receipts.value());
  if (receipt_root_value != header->receipt_root) {
    return corrupt_at(height, "receipt_root mismatch: header " + hex_of(header->receipt_root) + ", computed " +
                                  hex_of(receipt_root_value));
  }
  for (std::size_t i = 0; i < txs->size(); ++i) {
    const Hash256 tx_hash = (*txs)[i].hash(suite);
    const Receipt& receipt = (*receipts)[i];
    const std::string where = "transaction " + std::to_string(i) + " (" + hex_of(tx_hash) + ")";
    if (receipt.tx_hash != tx_hash) return corrupt_at(height, where + ": its receipt names " + hex_of(receipt.tx_hash));
    if (receipt.height != height) {
      return corrupt_at(height, where + ": its receipt says height " + std::to_string(receipt.height));
    }
    auto location = store.locate_transaction(tx_hash);
    if (!location.ok()) return read_failure(height, where + ": tx index", location.error());
    if (location->height != height || location->index != i) {
      return corrupt_at(height, where + ": tx index says height " + std::to_string(location->height) + " index " +
                                    std::to_string(location->index));
    }
  }
  tx_count += txs->size();
  return ok_status();
}

}  // namespace

Result<ChainReport> verify_chain(const BlockStore& store) {
  ChainReport report;
  const std::optional<ChainTip> tip = store.tip();
  Hash256 parent_hash;
  Hash256 block_hash;
  const Height end = tip ? tip->height + 1 : 0;
  for (Height height = 0; height < end; ++height) {
    TRESTLE_TRY_STATUS(verify_block(store, height, parent_hash, block_hash, report.tx_count));
    parent_hash = block_hash;
  }
  if (tip) {
    if (tip->block_hash != block_hash) {
      return corrupt_at(tip->height, "the stored tip hash " + hex_of(tip->block_hash) + " is not the block's hash " +
                                         hex_of(block_hash));
    }
    auto header = store.header_at(tip->height);
    if (header.ok() && header->state_root != tip->state_root) {
      return corrupt_at(tip->height, "the stored tip state root " + hex_of(tip->state_root) + " is not the header's " +
                                         hex_of(header->state_root));
    }
    report.tip_height = tip->height;
  }
  auto beyond = store.header_at(end);
  if (beyond.ok()) {
    // A writer in another process may have committed during the walk (a read-only LmdbStore's
    // tip follows it): only a header past the current tip is out of place.
    const std::optional<ChainTip> now = store.tip();
    if (!now || now->height < end) return corrupt_at(end, "a header is stored past the tip");
    return report;
  }
  if (beyond.error().code() != ErrorCode::kNotFound) return read_failure(end, "header past the tip", beyond.error());
  return report;
}

}  // namespace trestle::ledger
