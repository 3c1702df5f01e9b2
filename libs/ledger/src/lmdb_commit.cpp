// LmdbStoreImpl::commit: one write transaction per block, map growth on MDB_MAP_FULL.

#include <lmdb.h>

#include <algorithm>
#include <cstring>

#include "lmdb_store_impl.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"

namespace trestle::ledger::detail {

namespace {

// Aborts the write transaction unless it was committed or handed back.
class WriteTxn {
 public:
  explicit WriteTxn(MDB_txn* txn) : txn_(txn) {}
  ~WriteTxn() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  MDB_txn* get() const { return txn_; }
  // mdb_txn_commit frees the transaction whatever its outcome.
  int commit() { return mdb_txn_commit(std::exchange(txn_, nullptr)); }

 private:
  MDB_txn* txn_;
};

// Bytewise order. (std::vector's operator< trips a false -Wstringop-overread in g++ 12.)
bool bytes_less(const Bytes& a, const Bytes& b) {
  const std::size_t n = std::min(a.size(), b.size());
  const int order = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return order < 0 || (order == 0 && a.size() < b.size());
}

int put(MDB_txn* txn, MDB_dbi dbi, ByteView key, ByteView value, unsigned flags) {
  MDB_val k = mdb_val(key);
  MDB_val v = mdb_val(value);
  return mdb_put(txn, dbi, &k, &v, flags);
}

}  // namespace

int LmdbStoreImpl::write_block(const CommitPlan& plan, const Block& block, const WriteSet& writes, Status& failure) {
  MDB_txn* raw = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, 0, &raw);
  if (rc != 0) return rc;
  WriteTxn txn(raw);
  const Height height = block.header.height;
  const auto height_key = be64(height);

  // Height-keyed records go last in their B+trees: MDB_APPEND skips the search and fills pages.
  if ((rc = put(txn.get(), dbis_.headers, height_key, plan.header_bytes, MDB_APPEND)) != 0) return rc;
  if ((rc = put(txn.get(), dbis_.bodies, height_key, plan.body_bytes, MDB_APPEND)) != 0) return rc;
  if ((rc = put(txn.get(), dbis_.receipts, height_key, plan.receipts_bytes, MDB_APPEND)) != 0) return rc;
  rc = put(txn.get(), dbis_.hashes, plan.new_tip.block_hash, height_key, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) {
    failure = Error(ErrorCode::kCorrupt, "block hash " + to_hex(plan.new_tip.block_hash) + " is already indexed");
    return rc;
  }
  if (rc != 0) return rc;

  // Randomly keyed puts in key order, so that neighbours share the pages they dirty.
  std::vector<std::uint32_t> order(plan.tx_hashes.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return plan.tx_hashes[a] < plan.tx_hashes[b]; });
  for (std::uint32_t index : order) {
    Writer location(12);
    location.u64(height).u32(index);
    rc = put(txn.get(), dbis_.tx_index, plan.tx_hashes[index], location.data(), MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
      failure = Error(ErrorCode::kInvalidArgument,
                      "transaction " + to_hex(plan.tx_hashes[index]) + " was already committed in an earlier block");
      return rc;
    }
    if (rc != 0) return rc;
  }

  std::vector<std::pair<Bytes, const std::optional<Bytes>*>> state_writes;
  state_writes.reserve(writes.size());
  for (const auto& [key, value] : writes.entries()) state_writes.emplace_back(state_key(key.table, key.key), &value);
  std::sort(state_writes.begin(), state_writes.end(),
            [](const auto& a, const auto& b) { return bytes_less(a.first, b.first); });
  for (const auto& [key, value] : state_writes) {
    if (value->has_value()) {
      rc = put(txn.get(), dbis_.state, key, **value, 0);
    } else {
      MDB_val k = mdb_val(key);
      rc = mdb_del(txn.get(), dbis_.state, &k, nullptr);
      if (rc == MDB_NOTFOUND) rc = 0;
    }
    if (rc != 0) return rc;
  }

  Writer tip(72);
  tip.u64(height).fixed(plan.new_tip.block_hash).fixed(plan.new_tip.state_root);
  if ((rc = put(txn.get(), dbis_.meta, as_bytes("tip"), tip.data(), 0)) != 0) return rc;
  return txn.commit();
}

Status LmdbStoreImpl::grow_map() {
  const std::uint64_t current = map_size_.load();
  if (current >= options_.map_size_max_bytes) {
    return Error(ErrorCode::kLimitExceeded, "the store is full: it reached map_size_max_bytes (" +
                                                std::to_string(options_.map_size_max_bytes) +
                                                " bytes); reopen it with a larger maximum");
  }
  const std::uint64_t next = std::min(current * 2, options_.map_size_max_bytes);
  if (!gate_.begin_resize(std::chrono::milliseconds(options_.resize_wait_ms))) {
    return Error(ErrorCode::kLimitExceeded, "the store's map must grow but state views stayed open for " +
                                                std::to_string(options_.resize_wait_ms) +
                                                " ms; close views before committing");
  }
  drain_reader_pool();
  const int rc = mdb_env_set_mapsize(env_, static_cast<std::size_t>(next));
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  gate_.end_resize();
  if (rc != 0) return lmdb_error(rc, "growing the store's map");
  map_size_.store(info.me_mapsize);
  return ok_status();
}

Status LmdbStoreImpl::commit(const Block& block, std::span<const Receipt> receipts, const WriteSet& writes) {
  if (options_.read_only) return Error(ErrorCode::kUnsupported, "the store is open read-only");
  std::lock_guard write_lock(write_mutex_);
  const std::optional<ChainTip> current = tip();
  TRESTLE_TRY(CommitPlan plan, check_commit(*suite_, options_.limits, current, block, receipts, writes,
                                            options_.verify_roots, commit_workers_.get()));
  const std::string what = "committing block " + std::to_string(block.header.height);
  for (;;) {
    Status failure;
    const int rc = write_block(plan, block, writes, failure);
    if (rc == 0) break;
    if (!failure.ok()) return failure.error();
    if (rc == MDB_MAP_FULL) {
      TRESTLE_TRY_STATUS(grow_map());
      continue;
    }
    if (rc == MDB_MAP_RESIZED) {
      // Another process grew the map (it should not write, but adopt rather than fail).
      if (!gate_.begin_resize(std::chrono::milliseconds(options_.resize_wait_ms))) {
        return Error(ErrorCode::kLimitExceeded, what + ": cannot adopt the grown map while state views are open");
      }
      drain_reader_pool();
      const int adopt = mdb_env_set_mapsize(env_, 0);
      gate_.end_resize();
      if (adopt != 0) return lmdb_error(adopt, what);
      continue;
    }
    Error error = lmdb_error(rc, what);
    if (error.code() == ErrorCode::kIo) {
      return Error(ErrorCode::kIo, error.message() + "; the store remains at " +
                                       (current ? "height " + std::to_string(current->height) : "no block"));
    }
    return error;
  }
  std::lock_guard lock(tip_mutex_);
  tip_ = plan.new_tip;
  return ok_status();
}

}  // namespace trestle::ledger::detail
