#include "commit_check.hpp"

#include <algorithm>

#include "codec_util.hpp"
#include "storage_codec.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/ledger/merkle.hpp"

namespace trestle::ledger::detail {

namespace {

std::string short_hex(const Hash256& hash) { return to_hex(hash.view().first(8)) + ".."; }

Status check_root(std::string_view what, const Hash256& in_header, const Hash256& computed) {
  if (in_header != computed) {
    return invalid("block header " + std::string(what) + " " + short_hex(in_header) + " does not match " +
                   short_hex(computed) + " computed from the block");
  }
  return ok_status();
}

}  // namespace

Result<CommitPlan> check_commit(const crypto::CryptoSuite& suite, const Limits& limits,
                                const std::optional<ChainTip>& tip, const Block& block,
                                std::span<const Receipt> receipts, const WriteSet& writes, bool verify_roots) {
  const BlockHeader& header = block.header;
  const Height expected_height = tip ? tip->height + 1 : 0;
  if (header.height != expected_height) {
    return invalid("block height " + std::to_string(header.height) + " is not the next height " +
                   std::to_string(expected_height));
  }
  const Hash256 expected_parent = tip ? tip->block_hash : Hash256();
  if (header.parent_hash != expected_parent) {
    return invalid("block " + std::to_string(header.height) + ": parent hash " + short_hex(header.parent_hash) +
                   " is not the tip's hash " + short_hex(expected_parent));
  }
  TRESTLE_TRY_STATUS(header.validate(limits));
  const std::size_t count = block.transactions.size();
  TRESTLE_TRY_STATUS(check_count("block transaction", count, limits.block_tx_count_max));
  if (header.tx_count != count) {
    return invalid("block header says " + std::to_string(header.tx_count) + " transactions, the block has " +
                   std::to_string(count));
  }
  if (receipts.size() != count) {
    return invalid("block has " + std::to_string(count) + " transactions but " + std::to_string(receipts.size()) +
                   " receipts");
  }
  TRESTLE_TRY_STATUS(writes.validate(limits));

  // One pass: each transaction and receipt is encoded once; the encodings go straight into the
  // stored lists, and the transaction hash is the hash of the encoding's signing prefix.
  crypto::Hasher hasher = suite.hasher();
  CommitPlan plan;
  plan.header_bytes = header.encode();
  plan.tx_hashes.reserve(count);
  std::vector<Hash256> tx_leaves;
  std::vector<Hash256> receipt_leaves;
  if (verify_roots) {
    tx_leaves.reserve(count);
    receipt_leaves.reserve(count);
  }
  StorageListWriter body(count);
  StorageListWriter receipt_list(count);
  std::size_t body_size = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Transaction& tx = block.transactions[i];
    const Receipt& receipt = receipts[i];
    TRESTLE_TRY_STATUS(in_context(tx.validate(limits), "transaction " + std::to_string(i)));
    TRESTLE_TRY_STATUS(in_context(receipt.validate(limits), "receipt " + std::to_string(i)));
    const Bytes tx_bytes = tx.encode();
    const std::size_t signing_size = tx_bytes.size() - varint_size(tx.signature.size()) - tx.signature.size();
    const Hash256 tx_hash = hasher.update(ByteView(tx_bytes).first(signing_size)).finish();
    if (receipt.tx_hash != tx_hash) {
      return invalid("receipt " + std::to_string(i) + " names transaction " + short_hex(receipt.tx_hash) +
                     ", the block has " + short_hex(tx_hash));
    }
    if (receipt.height != header.height) {
      return invalid("receipt " + std::to_string(i) + " says height " + std::to_string(receipt.height) +
                     ", the block is at " + std::to_string(header.height));
    }
    const Bytes receipt_bytes = receipt.encode();
    if (verify_roots) {
      tx_leaves.push_back(merkle_leaf(hasher, tx_bytes));
      receipt_leaves.push_back(merkle_leaf(hasher, receipt_bytes));
    }
    plan.tx_hashes.push_back(tx_hash);
    body_size += varint_size(tx_bytes.size()) + tx_bytes.size();
    body.add(tx_bytes);
    receipt_list.add(receipt_bytes);
  }
  TRESTLE_TRY_STATUS(
      check_size("block", plan.header_bytes.size() + varint_size(count) + body_size, limits.block_size_max_bytes));

  std::vector<Hash256> sorted = plan.tx_hashes;
  std::sort(sorted.begin(), sorted.end());
  auto repeated = std::adjacent_find(sorted.begin(), sorted.end());
  if (repeated != sorted.end()) {
    return invalid("transaction " + short_hex(*repeated) + " appears twice in block " + std::to_string(header.height));
  }

  Hash256 state_root = header.state_root;
  if (verify_roots) {
    TRESTLE_TRY_STATUS(check_root("tx_root", header.tx_root, merkle_root(suite, tx_leaves)));
    TRESTLE_TRY_STATUS(check_root("receipt_root", header.receipt_root, merkle_root(suite, receipt_leaves)));
    state_root = next_state_root(suite, tip ? tip->state_root : Hash256(), writes);
    TRESTLE_TRY_STATUS(check_root("state_root", header.state_root, state_root));
  }
  TRESTLE_TRY(plan.body_bytes, body.take());
  TRESTLE_TRY(plan.receipts_bytes, receipt_list.take());
  plan.new_tip = ChainTip{header.height, suite.hash(header.signing_bytes()), state_root};
  return plan;
}

}  // namespace trestle::ledger::detail
