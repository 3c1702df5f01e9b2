#include "commit_check.hpp"

#include <algorithm>
#include <functional>

#include "codec_util.hpp"
#include "storage_codec.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/ledger/merkle.hpp"

namespace trestle::ledger::detail {

namespace {

// Transactions per hashing task: enough to amortize a hasher and the hand-off to a worker.
constexpr std::size_t kHashChunk = 64;

void run_parallel(WorkerPool* workers, std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (workers != nullptr) {
    workers->parallel_for(count, fn);
  } else {
    for (std::size_t i = 0; i < count; ++i) fn(i);
  }
}

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
                                std::span<const Receipt> receipts, const WriteSet& writes, bool verify_roots,
                                WorkerPool* workers) {
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

  // Encoding and hashing are nearly all of the work; they run first, on `workers` when given, in
  // chunks that each reuse one hasher. The checks then run in block order, so the first offending
  // item is the one reported, as if everything ran in one pass. Each transaction and receipt is
  // encoded once: the encodings go straight into the stored lists, the transaction hash is the
  // hash of the encoding's signing prefix and the Merkle leaf the hash of the whole encoding.
  std::vector<Bytes> tx_bytes(count);
  std::vector<Bytes> receipt_bytes(count);
  std::vector<Hash256> tx_hashes(count);
  std::vector<Hash256> tx_leaves(verify_roots ? count : 0);
  std::vector<Hash256> receipt_leaves(verify_roots ? count : 0);
  const std::size_t chunks = (count + kHashChunk - 1) / kHashChunk;
  run_parallel(workers, chunks, [&](std::size_t chunk) {
    crypto::Hasher hasher = suite.hasher();
    const std::size_t end = std::min(count, (chunk + 1) * kHashChunk);
    for (std::size_t i = chunk * kHashChunk; i < end; ++i) {
      const Transaction& tx = block.transactions[i];
      tx_bytes[i] = tx.encode();
      const std::size_t signing_size = tx_bytes[i].size() - varint_size(tx.signature.size()) - tx.signature.size();
      tx_hashes[i] = hasher.update(ByteView(tx_bytes[i]).first(signing_size)).finish();
      receipt_bytes[i] = receipts[i].encode();
      if (verify_roots) {
        tx_leaves[i] = merkle_leaf(hasher, tx_bytes[i]);
        receipt_leaves[i] = merkle_leaf(hasher, receipt_bytes[i]);
      }
    }
  });

  CommitPlan plan;
  plan.header_bytes = header.encode();
  StorageListWriter body(count);
  StorageListWriter receipt_list(count);
  std::size_t body_size = 0;
  std::size_t receipts_size = 0;
  for (std::size_t i = 0; i < count; ++i) {
    body_size += varint_size(tx_bytes[i].size()) + tx_bytes[i].size();
    receipts_size += receipt_bytes[i].size();
  }
  body.reserve_bytes(body_size);
  receipt_list.reserve_bytes(receipts_size);
  for (std::size_t i = 0; i < count; ++i) {
    const Transaction& tx = block.transactions[i];
    const Receipt& receipt = receipts[i];
    TRESTLE_TRY_STATUS(in_context(tx.validate(limits), "transaction " + std::to_string(i)));
    TRESTLE_TRY_STATUS(in_context(receipt.validate(limits), "receipt " + std::to_string(i)));
    if (receipt.tx_hash != tx_hashes[i]) {
      return invalid("receipt " + std::to_string(i) + " names transaction " + short_hex(receipt.tx_hash) +
                     ", the block has " + short_hex(tx_hashes[i]));
    }
    if (receipt.height != header.height) {
      return invalid("receipt " + std::to_string(i) + " says height " + std::to_string(receipt.height) +
                     ", the block is at " + std::to_string(header.height));
    }
    body.add(tx_bytes[i]);
    receipt_list.add(receipt_bytes[i]);
  }
  plan.tx_hashes = std::move(tx_hashes);
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
    // Three independent hashes of about the same size: the two trees and the write set.
    Hash256 computed[3];
    const Hash256 previous_root = tip ? tip->state_root : Hash256();
    run_parallel(workers, 3, [&](std::size_t which) {
      if (which == 0) computed[0] = merkle_root(suite, tx_leaves);
      if (which == 1) computed[1] = merkle_root(suite, receipt_leaves);
      if (which == 2) computed[2] = next_state_root(suite, previous_root, writes);
    });
    TRESTLE_TRY_STATUS(check_root("tx_root", header.tx_root, computed[0]));
    TRESTLE_TRY_STATUS(check_root("receipt_root", header.receipt_root, computed[1]));
    state_root = computed[2];
    TRESTLE_TRY_STATUS(check_root("state_root", header.state_root, state_root));
  }
  TRESTLE_TRY(plan.body_bytes, body.take());
  TRESTLE_TRY(plan.receipts_bytes, receipt_list.take());
  plan.new_tip = ChainTip{header.height, suite.hash(header.signing_bytes()), state_root};
  return plan;
}

}  // namespace trestle::ledger::detail
