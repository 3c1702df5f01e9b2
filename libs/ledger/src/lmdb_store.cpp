#include "trestle/ledger/lmdb_store.hpp"

#include <lmdb.h>

#include <system_error>

#include "codec_util.hpp"
#include "lmdb_store_impl.hpp"
#include "storage_codec.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"

namespace trestle::ledger {

namespace detail {

namespace {

constexpr std::string_view kMetaSchema = "schema_version";
constexpr std::string_view kMetaChainId = "chain_id";
constexpr std::string_view kMetaSuite = "suite";
constexpr std::string_view kMetaTip = "tip";
constexpr std::size_t kTipSize = 8 + 32 + 32;
constexpr std::size_t kTxLocationSize = 8 + 4;

Error corrupt(std::string_view what, const Error& error) {
  return Error(ErrorCode::kCorrupt, std::string(what) + " does not decode: " + error.message());
}

template <typename T>
Result<T> stored(Result<T> decoded, std::string_view what) {
  if (decoded.ok()) return decoded;
  return corrupt(what, decoded.error());
}

std::string at_height(std::string_view what, Height height) {
  return std::string(what) + " at height " + std::to_string(height);
}

class LmdbView final : public StateView {
 public:
  LmdbView(const LmdbStoreImpl& store, GatedTxn txn, std::optional<ChainTip> tip)
      : store_(store), txn_(txn), tip_(std::move(tip)) {}
  ~LmdbView() override { store_.end_view_txn(txn_); }
  LmdbView(const LmdbView&) = delete;
  LmdbView& operator=(const LmdbView&) = delete;

  std::optional<Height> height() const override { return tip_ ? std::optional<Height>(tip_->height) : std::nullopt; }
  Hash256 state_root() const override { return tip_ ? tip_->state_root : Hash256(); }

  Result<std::optional<Bytes>> get(std::string_view table, ByteView key) const override {
    const Limits& limits = store_.limits();
    if (table.empty() || table.size() > limits.state_table_name_max_bytes || key.size() > limits.state_key_max_bytes) {
      return std::optional<Bytes>();  // no such key can have been written
    }
    const Bytes composite = state_key(table, key);
    MDB_val k = mdb_val(composite);
    MDB_val v;
    const int rc = mdb_get(txn_.txn, store_.dbis().state, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<Bytes>();
    if (rc != 0) return lmdb_error(rc, "reading state");
    return std::optional<Bytes>(to_bytes(view_of(v)));
  }

 private:
  const LmdbStoreImpl& store_;
  GatedTxn txn_;
  std::optional<ChainTip> tip_;
};

}  // namespace

ReadTxn::~ReadTxn() {
  if (txn_ != nullptr) store_->end_read(txn_, ticket_);
}

LmdbStoreImpl::~LmdbStoreImpl() {
  drain_reader_pool();
  mdb_env_close(env_);
}

void LmdbStoreImpl::drain_reader_pool() const {
  std::lock_guard lock(pool_mutex_);
  for (MDB_txn* txn : reader_pool_) mdb_txn_abort(txn);
  reader_pool_.clear();
}

Status LmdbStoreImpl::adopt_foreign_map_size() const {
  // Another process grew the map: adopt its size, which needs no open read transaction here.
  std::lock_guard write_lock(write_mutex_);
  if (!gate_.begin_resize(std::chrono::milliseconds(options_.resize_wait_ms))) {
    return Error(ErrorCode::kLimitExceeded, "cannot adopt the store's grown map size while state views are open");
  }
  drain_reader_pool();
  const int rc = mdb_env_set_mapsize(env_, 0);
  gate_.end_resize();
  if (rc != 0) return lmdb_error(rc, "adopting the store's map size");
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  map_size_.store(info.me_mapsize);
  return ok_status();
}

Result<GatedTxn> LmdbStoreImpl::begin_gated(MDB_txn* reuse) const {
  for (int attempt = 0;; ++attempt) {
    const std::thread::id ticket = gate_.enter();
    MDB_txn* txn = reuse;
    const int rc = reuse != nullptr ? mdb_txn_renew(reuse) : mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc == 0) return GatedTxn{txn, ticket};
    gate_.leave(ticket);
    if (reuse != nullptr) {
      mdb_txn_abort(reuse);
      reuse = nullptr;
    }
    if (rc != MDB_MAP_RESIZED || attempt > 0) return lmdb_error(rc, "beginning a read transaction");
    TRESTLE_TRY_STATUS(adopt_foreign_map_size());
  }
}

Result<ReadTxn> LmdbStoreImpl::begin_read() const {
  MDB_txn* reuse = nullptr;
  {
    std::lock_guard lock(pool_mutex_);
    if (!reader_pool_.empty()) {
      reuse = reader_pool_.back();
      reader_pool_.pop_back();
    }
  }
  TRESTLE_TRY(GatedTxn txn, begin_gated(reuse));
  return ReadTxn(*this, txn);
}

void LmdbStoreImpl::end_read(MDB_txn* txn, std::thread::id ticket) const {
  mdb_txn_reset(txn);
  {
    std::lock_guard lock(pool_mutex_);
    reader_pool_.push_back(txn);
  }
  gate_.leave(ticket);
}

Result<GatedTxn> LmdbStoreImpl::begin_view_txn() const { return begin_gated(nullptr); }

void LmdbStoreImpl::end_view_txn(const GatedTxn& txn) const {
  mdb_txn_abort(txn.txn);
  gate_.leave(txn.ticket);
}

Result<ByteView> LmdbStoreImpl::get_value(MDB_txn* txn, MDB_dbi dbi, ByteView key, std::string_view what) const {
  MDB_val k = mdb_val(key);
  MDB_val v;
  const int rc = mdb_get(txn, dbi, &k, &v);
  if (rc != 0) return lmdb_error(rc, what);
  return view_of(v);
}

Result<std::optional<ChainTip>> LmdbStoreImpl::read_tip(MDB_txn* txn) const {
  auto value = get_value(txn, dbis_.meta, as_bytes(kMetaTip), "reading the tip");
  if (!value.ok()) {
    if (value.error().code() == ErrorCode::kNotFound) return std::optional<ChainTip>();
    return value.error();
  }
  if (value->size() != kTipSize) {
    return Error(ErrorCode::kCorrupt, "stored tip is " + std::to_string(value->size()) + " bytes, expected 72");
  }
  ChainTip tip;
  tip.height = read_be64(value->data());
  tip.block_hash = Hash256::copy_of(value->subspan(8, 32));
  tip.state_root = Hash256::copy_of(value->subspan(40, 32));
  return std::optional<ChainTip>(tip);
}

std::optional<ChainTip> LmdbStoreImpl::tip() const {
  if (options_.read_only) {
    // Another process may be committing: read the tip it stored last. On a read error keep the
    // last tip seen (tip() cannot fail; the next read reports the error).
    auto txn = begin_read();
    if (txn.ok()) {
      auto stored = read_tip(txn->get());
      if (stored.ok()) {
        std::lock_guard lock(tip_mutex_);
        tip_ = stored.value();
      }
    }
  }
  std::lock_guard lock(tip_mutex_);
  return tip_;
}

Status LmdbStoreImpl::initialize() {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  map_size_.store(info.me_mapsize);

  const bool read_only = options_.read_only;
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &txn);
  if (rc != 0) return lmdb_error(rc, "opening the store");
  const unsigned create = read_only ? 0 : MDB_CREATE;
  const std::pair<const char*, MDB_dbi*> names[] = {{"meta", &dbis_.meta},         {"headers", &dbis_.headers},
                                                    {"hashes", &dbis_.hashes},     {"bodies", &dbis_.bodies},
                                                    {"receipts", &dbis_.receipts}, {"tx_index", &dbis_.tx_index},
                                                    {"state", &dbis_.state}};
  for (const auto& [name, dbi] : names) {
    rc = mdb_dbi_open(txn, name, create, dbi);
    if (rc != 0) {
      mdb_txn_abort(txn);
      if (rc == MDB_NOTFOUND) {
        return Error(ErrorCode::kNotFound,
                     std::string("the directory holds no ledger store (no '") + name + "' database)");
      }
      return lmdb_error(rc, std::string("opening database '") + name + "'");
    }
  }

  auto fail = [&](Error error) {
    mdb_txn_abort(txn);
    return error;
  };
  auto put_meta = [&](std::string_view key, ByteView value) {
    MDB_val k = mdb_val(as_bytes(key));
    MDB_val v = mdb_val(value);
    return mdb_put(txn, dbis_.meta, &k, &v, 0);
  };

  auto schema = get_value(txn, dbis_.meta, as_bytes(kMetaSchema), "reading the schema version");
  if (!schema.ok() && schema.error().code() != ErrorCode::kNotFound) return fail(schema.error());
  if (!schema.ok()) {
    // A new store: record what it is.
    if (read_only) return fail(Error(ErrorCode::kNotFound, "the directory holds an empty, uninitialized store"));
    if (options_.suite == nullptr || options_.chain_id.empty()) {
      return fail(Error(ErrorCode::kInvalidArgument, "creating a store needs the chain's suite and chain id"));
    }
    suite_ = options_.suite;
    chain_id_ = options_.chain_id;
    Writer version;
    version.u32(kSchemaVersion);
    if ((rc = put_meta(kMetaSchema, version.data())) != 0 || (rc = put_meta(kMetaChainId, as_bytes(chain_id_))) != 0 ||
        (rc = put_meta(kMetaSuite, as_bytes(suite_->name()))) != 0) {
      return fail(lmdb_error(rc, "writing the store's metadata"));
    }
  } else {
    if (schema->size() != 4) return fail(Error(ErrorCode::kCorrupt, "stored schema version is not 4 bytes"));
    const std::uint32_t stored_version = read_be32(schema->data());
    if (stored_version != kSchemaVersion) {
      return fail(Error(ErrorCode::kUnsupported, "the store has schema version " + std::to_string(stored_version) +
                                                     "; this build reads schema version " +
                                                     std::to_string(kSchemaVersion)));
    }
    auto chain_id = get_value(txn, dbis_.meta, as_bytes(kMetaChainId), "reading the chain id");
    auto suite_name = get_value(txn, dbis_.meta, as_bytes(kMetaSuite), "reading the suite");
    if (!chain_id.ok()) return fail(Error(ErrorCode::kCorrupt, "the store's metadata has no chain id"));
    if (!suite_name.ok()) return fail(Error(ErrorCode::kCorrupt, "the store's metadata has no suite"));
    chain_id_.assign(chain_id->begin(), chain_id->end());
    const std::string name(suite_name->begin(), suite_name->end());
    auto suite = crypto::CryptoSuite::by_name(name);
    if (!suite.ok()) return fail(Error(ErrorCode::kCorrupt, "the store names an unknown suite '" + name + "'"));
    suite_ = suite.value();
    if (options_.suite != nullptr && options_.suite != suite_) {
      return fail(Error(ErrorCode::kInvalidArgument,
                        "the store was created with suite " + name + ", not " + std::string(options_.suite->name())));
    }
    if (!options_.chain_id.empty() && options_.chain_id != chain_id_) {
      return fail(Error(ErrorCode::kInvalidArgument,
                        "the store belongs to chain '" + chain_id_ + "', not '" + options_.chain_id + "'"));
    }
  }
  auto tip = read_tip(txn);
  if (!tip.ok()) return fail(tip.error());
  tip_ = tip.value();
  // Committed even when read-only: database handles opened in an aborted transaction are closed.
  rc = mdb_txn_commit(txn);
  if (rc != 0) return lmdb_error(rc, "writing the store's metadata");
  return ok_status();
}

Result<BlockHeader> LmdbStoreImpl::header_at(Height height) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  const auto key = be64(height);
  TRESTLE_TRY(ByteView bytes, get_value(txn.get(), dbis_.headers, key, at_height("no block", height)));
  return stored(BlockHeader::decode(bytes, options_.limits), at_height("the header", height));
}

Result<std::vector<Transaction>> LmdbStoreImpl::transactions_at(Height height) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  const auto key = be64(height);
  const std::string what = at_height("the body", height);
  TRESTLE_TRY(ByteView bytes, get_value(txn.get(), dbis_.bodies, key, at_height("no body", height)));
  const Limits& limits = options_.limits;
  TRESTLE_TRY(std::vector<ByteView> items,
              stored(split_storage_list(bytes, limits.block_tx_count_max, limits.tx_size_max_bytes), what));
  std::vector<Transaction> txs;
  txs.reserve(items.size());
  for (ByteView item : items) {
    TRESTLE_TRY(Transaction tx, stored(Transaction::decode(item, limits), what));
    txs.push_back(std::move(tx));
  }
  return txs;
}

Result<Transaction> LmdbStoreImpl::read_transaction(MDB_txn* txn, Height height, std::uint32_t index) const {
  // Messages are built only on failure: this is the point-read path.
  const auto key = be64(height);
  MDB_val k = mdb_val(key);
  MDB_val v;
  const int rc = mdb_get(txn, dbis_.bodies, &k, &v);
  if (rc != 0) return lmdb_error(rc, at_height("no body", height));
  const Limits& limits = options_.limits;
  auto item = storage_list_item(view_of(v), limits.block_tx_count_max, limits.tx_size_max_bytes, index);
  if (!item.ok()) {
    const std::string what = at_height("the body", height);
    if (item.error().code() == ErrorCode::kNotFound) return item.error().with_context(what);
    return corrupt(what, item.error());
  }
  auto tx = Transaction::decode(item.value(), limits);
  if (!tx.ok()) return corrupt(at_height("the body", height), tx.error());
  return tx;
}

Result<Transaction> LmdbStoreImpl::transaction_at(Height height, std::uint32_t index) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  return read_transaction(txn.get(), height, index);
}

Result<std::vector<Receipt>> LmdbStoreImpl::receipts_at(Height height) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  const auto key = be64(height);
  const std::string what = at_height("the receipts", height);
  TRESTLE_TRY(ByteView bytes, get_value(txn.get(), dbis_.receipts, key, at_height("no receipts", height)));
  const Limits& limits = options_.limits;
  TRESTLE_TRY(std::vector<ByteView> items,
              stored(split_storage_list(bytes, limits.block_tx_count_max, receipt_size_bound(limits)), what));
  std::vector<Receipt> receipts;
  receipts.reserve(items.size());
  for (ByteView item : items) {
    TRESTLE_TRY(Receipt receipt, stored(Receipt::decode(item, limits), what));
    receipts.push_back(std::move(receipt));
  }
  return receipts;
}

Result<Receipt> LmdbStoreImpl::read_receipt(MDB_txn* txn, Height height, std::uint32_t index) const {
  const auto key = be64(height);
  MDB_val k = mdb_val(key);
  MDB_val v;
  const int rc = mdb_get(txn, dbis_.receipts, &k, &v);
  if (rc != 0) return lmdb_error(rc, at_height("no receipts", height));
  const Limits& limits = options_.limits;
  auto item = storage_list_item(view_of(v), limits.block_tx_count_max, receipt_size_bound(limits), index);
  if (!item.ok()) {
    const std::string what = at_height("the receipts", height);
    if (item.error().code() == ErrorCode::kNotFound) return item.error().with_context(what);
    return corrupt(what, item.error());
  }
  auto receipt = Receipt::decode(item.value(), limits);
  if (!receipt.ok()) return corrupt(at_height("the receipts", height), receipt.error());
  return receipt;
}

Result<Receipt> LmdbStoreImpl::receipt_at(Height height, std::uint32_t index) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  return read_receipt(txn.get(), height, index);
}

Result<Height> LmdbStoreImpl::height_of(const Hash256& block_hash) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  TRESTLE_TRY(ByteView value,
              get_value(txn.get(), dbis_.hashes, block_hash, "no block with hash " + to_hex(block_hash)));
  if (value.size() != 8) return Error(ErrorCode::kCorrupt, "block hash index entry is not 8 bytes");
  return read_be64(value.data());
}

Result<TxLocation> LmdbStoreImpl::read_location(MDB_txn* txn, const Hash256& tx_hash) const {
  MDB_val k = mdb_val(tx_hash);
  MDB_val v;
  const int rc = mdb_get(txn, dbis_.tx_index, &k, &v);
  if (rc != 0) return lmdb_error(rc, "no committed transaction " + to_hex(tx_hash));
  if (v.mv_size != kTxLocationSize) return Error(ErrorCode::kCorrupt, "tx index entry is not 12 bytes");
  const ByteView value = view_of(v);
  TxLocation location;
  location.height = read_be64(value.data());
  location.index = read_be32(value.data() + 8);
  return location;
}

Result<TxLocation> LmdbStoreImpl::locate_transaction(const Hash256& tx_hash) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  return read_location(txn.get(), tx_hash);
}

Result<Transaction> LmdbStoreImpl::transaction(const Hash256& tx_hash) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  TRESTLE_TRY(TxLocation location, read_location(txn.get(), tx_hash));
  return read_transaction(txn.get(), location.height, location.index);
}

Result<Receipt> LmdbStoreImpl::receipt(const Hash256& tx_hash) const {
  TRESTLE_TRY(ReadTxn txn, begin_read());
  TRESTLE_TRY(TxLocation location, read_location(txn.get(), tx_hash));
  return read_receipt(txn.get(), location.height, location.index);
}

Result<std::unique_ptr<StateView>> LmdbStoreImpl::state_view() const {
  TRESTLE_TRY(GatedTxn txn, begin_view_txn());
  auto tip = read_tip(txn.txn);
  if (!tip.ok()) {
    end_view_txn(txn);
    return tip.error();
  }
  return std::unique_ptr<StateView>(std::make_unique<LmdbView>(*this, txn, tip.value()));
}

}  // namespace detail

namespace {
// More hashing threads than this only wait on each other: a block's hashing is a few milliseconds.
constexpr std::size_t kCommitHashThreadCountMax = 64;
}  // namespace

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const std::filesystem::path& dir, const LmdbOptions& options) {
  const Limits& limits = options.limits;
  if (limits.state_table_name_max_bytes > 255) {
    return Error(ErrorCode::kInvalidArgument, "state_table_name_max_bytes must be at most 255 for the LMDB store");
  }
  if (options.map_size_initial_bytes == 0 || options.map_size_max_bytes < options.map_size_initial_bytes) {
    return Error(ErrorCode::kInvalidArgument, "map_size_initial_bytes must be positive and at most map_size_max_bytes");
  }
  if (options.readers_max == 0) return Error(ErrorCode::kInvalidArgument, "readers_max must be positive");
  if (options.commit_hash_thread_count > kCommitHashThreadCountMax) {
    return Error(ErrorCode::kInvalidArgument, "commit_hash_thread_count is " +
                                                  std::to_string(options.commit_hash_thread_count) + ", at most " +
                                                  std::to_string(kCommitHashThreadCountMax));
  }
  std::error_code ec;
  const bool exists = std::filesystem::exists(dir / "data.mdb", ec);
  if (!exists) {
    if (!options.create_if_missing || options.read_only) {
      return Error(ErrorCode::kNotFound, "no ledger store in " + dir.string());
    }
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  }

  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return detail::lmdb_error(rc, "creating the LMDB environment");
  auto fail = [&](int code, std::string_view what) {
    mdb_env_close(env);
    return detail::lmdb_error(code, std::string(what) + " (" + dir.string() + ")");
  };
  if ((rc = mdb_env_set_maxdbs(env, 8)) != 0) return fail(rc, "configuring the store");
  if ((rc = mdb_env_set_maxreaders(env, options.readers_max)) != 0) return fail(rc, "configuring the store");
  if ((rc = mdb_env_set_mapsize(env, options.map_size_initial_bytes)) != 0) return fail(rc, "configuring the store");
  unsigned flags = MDB_NOTLS;
  if (!options.sync) flags |= MDB_NOSYNC;
  if (options.read_only) flags |= MDB_RDONLY;
  if ((rc = mdb_env_open(env, dir.c_str(), flags, 0644)) != 0) return fail(rc, "opening the store");
  const std::size_t key_max = static_cast<std::size_t>(mdb_env_get_maxkeysize(env));
  if (1 + limits.state_table_name_max_bytes + limits.state_key_max_bytes > key_max) {
    mdb_env_close(env);
    return Error(
        ErrorCode::kInvalidArgument,
        "state_table_name_max_bytes + state_key_max_bytes + 1 exceeds LMDB's key size " + std::to_string(key_max));
  }
  auto store = std::make_unique<detail::LmdbStoreImpl>(env, options);
  Status initialized = store->initialize();
  if (!initialized.ok()) return initialized.error().with_context(dir.string());
  return std::unique_ptr<LmdbStore>(std::move(store));
}

}  // namespace trestle::ledger
