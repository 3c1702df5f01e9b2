#include "trestle/ledger/store.hpp"

namespace trestle::ledger {

Result<Block> BlockStore::block_at(Height height) const {
  Block block;
  TRESTLE_TRY(block.header, header_at(height));
  TRESTLE_TRY(block.transactions, transactions_at(height));
  return block;
}

Result<Transaction> BlockStore::transaction(const Hash256& tx_hash) const {
  TRESTLE_TRY(TxLocation location, locate_transaction(tx_hash));
  return transaction_at(location.height, location.index);
}

Result<Receipt> BlockStore::receipt(const Hash256& tx_hash) const {
  TRESTLE_TRY(TxLocation location, locate_transaction(tx_hash));
  return receipt_at(location.height, location.index);
}

}  // namespace trestle::ledger
