#pragma once
// The LMDB store's private class. lmdb_store.cpp opens it and serves reads; lmdb_commit.cpp
// writes blocks and grows the map.

#include <lmdb.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "commit_check.hpp"
#include "lmdb_util.hpp"
#include "trestle/ledger/lmdb_store.hpp"

namespace trestle::ledger::detail {

struct Dbis {
  MDB_dbi meta = 0;
  MDB_dbi headers = 0;
  MDB_dbi hashes = 0;
  MDB_dbi bodies = 0;
  MDB_dbi receipts = 0;
  MDB_dbi tx_index = 0;
  MDB_dbi state = 0;
};

class LmdbStoreImpl;

// A read transaction inside the resize gate, with the gate's ticket.
struct GatedTxn {
  MDB_txn* txn = nullptr;
  std::thread::id ticket;
};

// A read transaction from the store's pool, inside the resize gate; returned on destruction.
class ReadTxn {
 public:
  ReadTxn(const LmdbStoreImpl& store, GatedTxn txn) : store_(&store), txn_(txn.txn), ticket_(txn.ticket) {}
  ReadTxn(ReadTxn&& other) noexcept
      : store_(other.store_), txn_(std::exchange(other.txn_, nullptr)), ticket_(other.ticket_) {}
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  ReadTxn& operator=(ReadTxn&&) = delete;
  ~ReadTxn();

  MDB_txn* get() const { return txn_; }

 private:
  const LmdbStoreImpl* store_;
  MDB_txn* txn_;
  std::thread::id ticket_;
};

class LmdbStoreImpl final : public LmdbStore {
 public:
  LmdbStoreImpl(MDB_env* env, const LmdbOptions& options)
      : env_(env),
        options_(options),
        commit_workers_(options.commit_hash_thread_count > 0 && !options.read_only
                            ? std::make_unique<WorkerPool>(options.commit_hash_thread_count)
                            : nullptr) {}
  ~LmdbStoreImpl() override;

  // Opens the named databases and checks or writes the metadata. Called once by open().
  Status initialize();

  const crypto::CryptoSuite& suite() const override { return *suite_; }
  const std::string& chain_id() const override { return chain_id_; }
  const Limits& limits() const override { return options_.limits; }
  std::optional<ChainTip> tip() const override;
  std::uint64_t map_size_bytes() const override { return map_size_.load(); }

  Status commit(const Block& block, std::span<const Receipt> receipts, const WriteSet& writes) override;

  Result<BlockHeader> header_at(Height height) const override;
  Result<std::vector<Transaction>> transactions_at(Height height) const override;
  Result<Transaction> transaction_at(Height height, std::uint32_t index) const override;
  Result<std::vector<Receipt>> receipts_at(Height height) const override;
  Result<Receipt> receipt_at(Height height, std::uint32_t index) const override;
  Result<Height> height_of(const Hash256& block_hash) const override;
  Result<TxLocation> locate_transaction(const Hash256& tx_hash) const override;
  Result<Transaction> transaction(const Hash256& tx_hash) const override;
  Result<Receipt> receipt(const Hash256& tx_hash) const override;
  Result<std::unique_ptr<StateView>> state_view() const override;

  // A read transaction at the latest commit. Errors: kLimitExceeded (reader slots), kIo.
  Result<ReadTxn> begin_read() const;
  void end_read(MDB_txn* txn, std::thread::id ticket) const;
  // A fresh (unpooled) read transaction inside the gate, for a StateView; end with end_view_txn.
  Result<GatedTxn> begin_view_txn() const;
  void end_view_txn(const GatedTxn& txn) const;

  const Dbis& dbis() const { return dbis_; }
  // The tip as stored in `txn`'s snapshot.
  Result<std::optional<ChainTip>> read_tip(MDB_txn* txn) const;

 private:
  // Begins a read transaction inside the gate, adopting a map grown by another process.
  Result<GatedTxn> begin_gated(MDB_txn* reuse) const;
  Status adopt_foreign_map_size() const;
  // Doubles the map (up to the maximum) while no read transaction is open.
  Status grow_map();
  void drain_reader_pool() const;
  // One attempt at writing a checked block; returns LMDB's code (MDB_MAP_FULL is retried).
  int write_block(const CommitPlan& plan, const Block& block, const WriteSet& writes, Status& failure);
  Result<ByteView> get_value(MDB_txn* txn, MDB_dbi dbi, ByteView key, std::string_view what) const;
  // The reads behind the public ones, inside a caller's read transaction.
  Result<TxLocation> read_location(MDB_txn* txn, const Hash256& tx_hash) const;
  Result<Transaction> read_transaction(MDB_txn* txn, Height height, std::uint32_t index) const;
  Result<Receipt> read_receipt(MDB_txn* txn, Height height, std::uint32_t index) const;

  MDB_env* env_;
  LmdbOptions options_;
  const crypto::CryptoSuite* suite_ = nullptr;
  std::string chain_id_;
  Dbis dbis_;
  mutable std::atomic<std::uint64_t> map_size_{0};  // a cache of the environment's map size

  mutable std::mutex tip_mutex_;
  // The last commit: ours, or (read-only) the last one another process stored that tip() read.
  mutable std::optional<ChainTip> tip_;
  // Serializes commits, map growth and adopting another process's map size.
  mutable std::mutex write_mutex_;
  mutable ResizeGate gate_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<MDB_txn*> reader_pool_;   // reset read transactions, ready for renew
  std::unique_ptr<WorkerPool> commit_workers_;  // hashing on commit; null without commit_hash_thread_count
};

}  // namespace trestle::ledger::detail
