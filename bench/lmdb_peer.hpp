#pragma once
// Raw LMDB, called directly, as the peer of the ledger store: the same records (same bytes, same
// named databases) written in one durable write transaction per block, and point reads of
// transactions by hash with plain mdb_get calls. Errors throw std::runtime_error (a benchmark
// that cannot run its peer must stop, not report a wrong figure).

#include <lmdb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ledger_workload.hpp"

namespace trestle::bench::lmdb {

// How the records of a block are put.
enum class PutOrder {
  kAsGiven,   // the given order, with each record's flags (MDB_APPEND, MDB_NOOVERWRITE): what the
              // ledger does when given store_records()
  kPlainPuts  // the given order, flags 0: no MDB_APPEND, no MDB_NOOVERWRITE
};

class Env {
 public:
  // Opens or creates the environment in `dir` (a directory that exists) with room for the
  // ledger's named databases and the given map size. `sync` false opens it with MDB_NOSYNC. Open
  // no environment twice in one process (an LMDB rule): close the ledger store first.
  Env(const std::filesystem::path& dir, std::uint64_t map_size_bytes, bool sync);
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Opens (creating) a named database; at most 8 per environment.
  MDB_dbi dbi(const std::string& name);

  // Puts `records` in one write transaction and commits it (fsync unless sync is off).
  void commit(const std::vector<workload::StoreRecord>& records, PutOrder order);
  // Puts key/value pairs into one database in one write transaction, with `flags`.
  void commit_puts(MDB_dbi dbi, const std::vector<std::pair<Bytes, Bytes>>& puts, unsigned flags);

  // The encoding of the committed transaction `tx_hash`: tx_index gives (height, index), the
  // body at that height is walked to the item. Returns its last byte (the timer's sink).
  std::uint8_t read_transaction(const Hash256& tx_hash);

  // Every (key, value) of a named database, in key order.
  std::vector<std::pair<Bytes, Bytes>> entries(const std::string& name);

  // Turns fsync on commit on or off (mdb_env_set_flags MDB_NOSYNC), flushing when turning it on.
  void set_sync(bool sync);

  MDB_env* env() const { return env_; }

 private:
  MDB_env* env_ = nullptr;
  MDB_txn* read_txn_ = nullptr;  // reset between reads, renewed for each
  std::vector<std::pair<std::string, MDB_dbi>> dbis_;
};

// The named databases of the ledger's layout (docs/ledger.md).
const std::vector<std::string>& ledger_database_names();

}  // namespace trestle::bench::lmdb
