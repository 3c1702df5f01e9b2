#include "trestle/ledger/memory_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commit_check.hpp"
#include "trestle/core/hex.hpp"

namespace trestle::ledger {

namespace {

// Every version of every key: a view at height h reads the last version written at or before h.
struct VersionedState {
  std::shared_mutex mutex;
  std::map<StateKey, std::vector<std::pair<Height, std::optional<Bytes>>>> versions;
};

class MemoryView final : public StateView {
 public:
  MemoryView(std::shared_ptr<VersionedState> state, std::optional<ChainTip> tip)
      : state_(std::move(state)), tip_(std::move(tip)) {}

  std::optional<Height> height() const override { return tip_ ? std::optional<Height>(tip_->height) : std::nullopt; }
  Hash256 state_root() const override { return tip_ ? tip_->state_root : Hash256(); }

  Result<std::optional<Bytes>> get(std::string_view table, ByteView key) const override {
    if (!tip_) return std::optional<Bytes>();
    std::shared_lock lock(state_->mutex);
    auto it = state_->versions.find(StateKey{std::string(table), to_bytes(key)});
    if (it == state_->versions.end()) return std::optional<Bytes>();
    const auto& history = it->second;
    auto after = std::upper_bound(history.begin(), history.end(), tip_->height,
                                  [](Height height, const auto& version) { return height < version.first; });
    if (after == history.begin()) return std::optional<Bytes>();
    return std::prev(after)->second;
  }

 private:
  std::shared_ptr<VersionedState> state_;
  std::optional<ChainTip> tip_;
};

struct StoredBlock {
  BlockHeader header;
  std::vector<Transaction> transactions;
  std::vector<Receipt> receipts;
};

class MemoryStoreImpl final : public MemoryStore {
 public:
  MemoryStoreImpl(const crypto::CryptoSuite& suite, std::string chain_id, const Limits& limits)
      : suite_(suite), chain_id_(std::move(chain_id)), limits_(limits) {}

  const crypto::CryptoSuite& suite() const override { return suite_; }
  const std::string& chain_id() const override { return chain_id_; }
  const Limits& limits() const override { return limits_; }

  std::optional<ChainTip> tip() const override {
    std::shared_lock lock(mutex_);
    return tip_;
  }

  Status commit(const Block& block, std::span<const Receipt> receipts, const WriteSet& writes) override {
    std::unique_lock lock(mutex_);
    TRESTLE_TRY(detail::CommitPlan plan, detail::check_commit(suite_, limits_, tip_, block, receipts, writes));
    for (const auto& tx_hash : plan.tx_hashes) {
      auto it = tx_index_.find(tx_hash);
      if (it != tx_index_.end()) {
        return Error(
            ErrorCode::kInvalidArgument,
            "transaction " + to_hex(tx_hash) + " was already committed at height " + std::to_string(it->second.height));
      }
    }
    const Height height = block.header.height;
    for (std::uint32_t i = 0; i < plan.tx_hashes.size(); ++i)
      tx_index_.emplace(plan.tx_hashes[i], TxLocation{height, i});
    heights_.emplace(plan.new_tip.block_hash, height);
    blocks_.push_back(StoredBlock{block.header, block.transactions, {receipts.begin(), receipts.end()}});
    {
      std::unique_lock state_lock(state_->mutex);
      for (const auto& [key, value] : writes.entries()) state_->versions[key].emplace_back(height, value);
    }
    tip_ = plan.new_tip;
    return ok_status();
  }

  Result<BlockHeader> header_at(Height height) const override {
    std::shared_lock lock(mutex_);
    TRESTLE_TRY(const StoredBlock* block, find(height));
    return block->header;
  }
  Result<std::vector<Transaction>> transactions_at(Height height) const override {
    std::shared_lock lock(mutex_);
    TRESTLE_TRY(const StoredBlock* block, find(height));
    return block->transactions;
  }
  Result<Transaction> transaction_at(Height height, std::uint32_t index) const override {
    std::shared_lock lock(mutex_);
    TRESTLE_TRY(const StoredBlock* block, find(height));
    if (index >= block->transactions.size()) return past_end(height, index, block->transactions.size());
    return block->transactions[index];
  }
  Result<std::vector<Receipt>> receipts_at(Height height) const override {
    std::shared_lock lock(mutex_);
    TRESTLE_TRY(const StoredBlock* block, find(height));
    return block->receipts;
  }
  Result<Receipt> receipt_at(Height height, std::uint32_t index) const override {
    std::shared_lock lock(mutex_);
    TRESTLE_TRY(const StoredBlock* block, find(height));
    if (index >= block->receipts.size()) return past_end(height, index, block->receipts.size());
    return block->receipts[index];
  }
  Result<Height> height_of(const Hash256& block_hash) const override {
    std::shared_lock lock(mutex_);
    auto it = heights_.find(block_hash);
    if (it == heights_.end()) return Error(ErrorCode::kNotFound, "no block with hash " + to_hex(block_hash));
    return it->second;
  }
  Result<TxLocation> locate_transaction(const Hash256& tx_hash) const override {
    std::shared_lock lock(mutex_);
    auto it = tx_index_.find(tx_hash);
    if (it == tx_index_.end()) return Error(ErrorCode::kNotFound, "no committed transaction " + to_hex(tx_hash));
    return it->second;
  }

  Result<std::unique_ptr<StateView>> state_view() const override {
    std::shared_lock lock(mutex_);
    return std::unique_ptr<StateView>(std::make_unique<MemoryView>(state_, tip_));
  }

 private:
  Result<const StoredBlock*> find(Height height) const {
    if (height >= blocks_.size()) {
      return Error(ErrorCode::kNotFound, "no block at height " + std::to_string(height) + " (the store holds " +
                                             std::to_string(blocks_.size()) + " blocks)");
    }
    return &blocks_[static_cast<std::size_t>(height)];
  }
  static Error past_end(Height height, std::uint32_t index, std::size_t count) {
    return Error(ErrorCode::kNotFound, "block " + std::to_string(height) + " has " + std::to_string(count) +
                                           " transactions, no index " + std::to_string(index));
  }

  const crypto::CryptoSuite& suite_;
  const std::string chain_id_;
  const Limits limits_;
  mutable std::shared_mutex mutex_;
  std::vector<StoredBlock> blocks_;
  std::unordered_map<Hash256, Height, FixedBytesHasher> heights_;
  std::unordered_map<Hash256, TxLocation, FixedBytesHasher> tx_index_;
  std::shared_ptr<VersionedState> state_ = std::make_shared<VersionedState>();
  std::optional<ChainTip> tip_;
};

}  // namespace

std::unique_ptr<MemoryStore> MemoryStore::create(const crypto::CryptoSuite& suite, std::string chain_id,
                                                 const Limits& limits) {
  return std::make_unique<MemoryStoreImpl>(suite, std::move(chain_id), limits);
}

}  // namespace trestle::ledger
