#include "lmdb_peer.hpp"

#include <stdexcept>

namespace trestle::bench::lmdb {
namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::runtime_error("raw LMDB: " + what + ": " + mdb_strerror(rc));
}

MDB_val val(const Bytes& bytes) {
  return MDB_val{bytes.size(), const_cast<std::uint8_t*>(bytes.data())};  // NOLINT: LMDB is not const-correct
}

Bytes bytes_of(const MDB_val& value) {
  const auto* data = static_cast<const std::uint8_t*>(value.mv_data);
  return Bytes(data, data + value.mv_size);
}

// Unsigned LEB128, as the ledger's storage lists start with; throws on a truncated one.
std::uint64_t read_varint(const std::uint8_t*& at, const std::uint8_t* end) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at == end) throw std::runtime_error("raw LMDB: truncated varint in a stored body");
    const std::uint8_t byte = *at++;
    value |= std::uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80u) == 0) return value;
  }
  throw std::runtime_error("raw LMDB: overlong varint in a stored body");
}

std::uint64_t read_be(const std::uint8_t* data, int bytes) {
  std::uint64_t out = 0;
  for (int i = 0; i < bytes; ++i) out = (out << 8) | data[i];
  return out;
}

// Aborts a write transaction unless it was committed.
struct WriteTxn {
  MDB_txn* txn = nullptr;
  ~WriteTxn() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
  void commit() {
    MDB_txn* done = txn;
    txn = nullptr;
    check(mdb_txn_commit(done), "commit");
  }
};

}  // namespace

const std::vector<std::string>& ledger_database_names() {
  static const std::vector<std::string> names = {"meta",     "headers",  "hashes", "bodies",
                                                 "receipts", "tx_index", "state"};
  return names;
}

Env::Env(const std::filesystem::path& dir, std::uint64_t map_size_bytes, bool sync) {
  check(mdb_env_create(&env_), "create");
  mdb_env_set_maxdbs(env_, 8);
  mdb_env_set_mapsize(env_, static_cast<std::size_t>(map_size_bytes));
  const int rc = mdb_env_open(env_, dir.c_str(), sync ? 0 : MDB_NOSYNC, 0644);
  if (rc != 0) {
    mdb_env_close(env_);
    check(rc, "open " + dir.string());
  }
}

Env::~Env() {
  if (read_txn_ != nullptr) mdb_txn_abort(read_txn_);
  mdb_env_close(env_);
}

MDB_dbi Env::dbi(const std::string& name) {
  for (const auto& [known, dbi] : dbis_) {
    if (known == name) return dbi;
  }
  WriteTxn txn;
  check(mdb_txn_begin(env_, nullptr, 0, &txn.txn), "begin");
  MDB_dbi dbi = 0;
  check(mdb_dbi_open(txn.txn, name.c_str(), MDB_CREATE, &dbi), "open database " + name);
  txn.commit();
  dbis_.emplace_back(name, dbi);
  return dbi;
}

void Env::commit(const std::vector<workload::StoreRecord>& records, PutOrder order) {
  // Handles first: opening a database inside the timed transaction would nest transactions.
  std::vector<MDB_dbi> handles;
  handles.reserve(records.size());
  for (const auto& record : records) handles.push_back(dbi(record.db));
  WriteTxn txn;
  check(mdb_txn_begin(env_, nullptr, 0, &txn.txn), "begin");
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& record = records[i];
    unsigned flags = 0;
    if (order == PutOrder::kAsGiven)
      flags = (record.append ? MDB_APPEND : 0u) | (record.no_overwrite ? MDB_NOOVERWRITE : 0u);
    MDB_val key = val(record.key);
    MDB_val value = val(record.value);
    check(mdb_put(txn.txn, handles[i], &key, &value, flags), std::string("put into ") + record.db);
  }
  txn.commit();
}

void Env::commit_puts(MDB_dbi dbi, const std::vector<std::pair<Bytes, Bytes>>& puts, unsigned flags) {
  WriteTxn txn;
  check(mdb_txn_begin(env_, nullptr, 0, &txn.txn), "begin");
  for (const auto& [k, v] : puts) {
    MDB_val key = val(k);
    MDB_val value = val(v);
    check(mdb_put(txn.txn, dbi, &key, &value, flags), "put");
  }
  txn.commit();
}

std::uint8_t Env::read_transaction(const Hash256& tx_hash) {
  const MDB_dbi tx_index = dbi("tx_index");
  const MDB_dbi bodies = dbi("bodies");
  if (read_txn_ == nullptr) {
    check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_txn_), "begin read");
  } else {
    check(mdb_txn_renew(read_txn_), "renew read");
  }
  MDB_val key{tx_hash.size(), const_cast<std::uint8_t*>(tx_hash.data())};  // NOLINT: LMDB is not const-correct
  MDB_val location;
  check(mdb_get(read_txn_, tx_index, &key, &location), "get tx_index");
  if (location.mv_size != 12) throw std::runtime_error("raw LMDB: tx_index entry is not 12 bytes");
  const auto* at = static_cast<const std::uint8_t*>(location.mv_data);
  std::uint8_t height[8];
  std::copy(at, at + 8, height);
  const std::uint64_t index = read_be(at + 8, 4);
  MDB_val height_key{8, height};
  MDB_val body;
  check(mdb_get(read_txn_, bodies, &height_key, &body), "get bodies");
  // The ledger's list layout: varint count, u32 end offsets, the items concatenated.
  const auto* cursor = static_cast<const std::uint8_t*>(body.mv_data);
  const std::uint8_t* end = cursor + body.mv_size;
  const std::uint64_t count = read_varint(cursor, end);
  if (index >= count || count * 4 > static_cast<std::uint64_t>(end - cursor)) {
    throw std::runtime_error("raw LMDB: tx index past the body");
  }
  const std::uint8_t* area = cursor + count * 4;
  const std::uint64_t begin = index == 0 ? 0 : read_be(cursor + (index - 1) * 4, 4);
  const std::uint64_t finish = read_be(cursor + index * 4, 4);
  if (begin > finish || finish > static_cast<std::uint64_t>(end - area)) {
    throw std::runtime_error("raw LMDB: bad offsets in a stored body");
  }
  const Bytes tx(area + begin, area + finish);  // a copy, as a reader that keeps the bytes makes
  mdb_txn_reset(read_txn_);
  return tx.empty() ? 0 : tx.back();
}

std::vector<std::pair<Bytes, Bytes>> Env::entries(const std::string& name) {
  const MDB_dbi handle = dbi(name);
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "begin read");
  MDB_cursor* cursor = nullptr;
  const int opened = mdb_cursor_open(txn, handle, &cursor);
  if (opened != 0) {
    mdb_txn_abort(txn);
    check(opened, "cursor");
  }
  std::vector<std::pair<Bytes, Bytes>> out;
  MDB_val key;
  MDB_val value;
  for (int rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
    out.emplace_back(bytes_of(key), bytes_of(value));
  }
  mdb_cursor_close(cursor);
  mdb_txn_abort(txn);
  return out;
}

void Env::set_sync(bool sync) {
  check(mdb_env_set_flags(env_, MDB_NOSYNC, sync ? 0 : 1), "set flags");
  if (sync) check(mdb_env_sync(env_, 1), "sync");
}

}  // namespace trestle::bench::lmdb
