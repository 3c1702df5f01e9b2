#pragma once
// LmdbStore: the durable Store on LMDB (one environment per directory: data.mdb, lock.mdb).
//
// Named databases and their layouts (heights are u64 big-endian, so byte order is height order):
//
//   meta       "schema_version" -> u32 (kSchemaVersion); "chain_id" -> string bytes;
//              "suite" -> suite name ("sm", "ecdsa"); "tip" -> u64 height || [32] block hash ||
//              [32] state root (absent while the store is empty)
//   headers    height -> BlockHeader::encode() (with the commit certificate)
//   hashes     [32] block hash -> u64 height
//   bodies     height -> storage list of the transaction encodings: varint count, count u32
//              end offsets, then the encodings concatenated (transaction i is the bytes from
//              end(i-1), or 0, to end(i)), so a point read finds one without scanning the others
//   receipts   height -> storage list of the receipt encodings
//   tx_index   [32] tx hash -> u64 height || u32 index
//   state      u8 table length || table || key -> value
//
// One commit is one LMDB write transaction: headers, bodies and receipts are appended under the
// next height with MDB_APPEND (no B+tree search, pages fill sequentially); the randomly keyed puts
// (block hash, tx hashes, state keys) are sorted before they are written, which keeps the pages a
// commit touches together and cuts LMDB's copy-on-write amplification.
//
// Durability: by default a commit returns after LMDB has fsynced the data and then the meta page,
// so after a crash (process or machine) the store reopens at the last commit that returned. With
// sync = false (MDB_NOSYNC) a commit returns without fsync: safe against the process dying (the
// kernel still writes the pages) but NOT against an OS crash or power loss, which can lose the
// last commits and even corrupt the file. Use it only for data you can rebuild (tests, a node that
// can resync from peers).
//
// Map size: the memory map starts at map_size_initial_bytes and doubles whenever a commit hits
// MDB_MAP_FULL (the commit is aborted, the map grown, the commit retried), up to
// map_size_max_bytes, beyond which commit fails with kLimitExceeded. Growing needs no open read
// transaction in this process, so a growing commit waits (up to resize_wait_ms) for open
// StateViews to close; short reads are held back meanwhile. A full disk fails the commit with kIo
// and leaves the store at its previous tip.
//
// Readers: the environment is opened with MDB_NOTLS; each StateView owns a read transaction and
// point reads borrow one from a small pool, so any number of threads (up to readers_max at once)
// can read while one commits. Open at most one LmdbStore per directory per process (an LMDB
// rule); other processes may open the same directory read-only (e.g. `trestle ledger verify`)
// while a writer runs. A read-only store follows the writer: its tip() re-reads the stored tip
// (one read transaction, so unlike a writable store's tip() it does I/O).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"
#include "trestle/ledger/store.hpp"

namespace trestle::ledger {

struct LmdbOptions {
  // The chain's suite and id. Required to create a store. When opening an existing one, nullptr /
  // empty adopt what the store holds; anything else must match it (kInvalidArgument otherwise).
  const crypto::CryptoSuite* suite = nullptr;
  std::string chain_id;
  Limits limits;
  // Create the directory and an empty store when missing; otherwise a missing store is kNotFound.
  bool create_if_missing = true;
  // Open read-only (for inspection tools): commit() fails with kUnsupported, and tip() follows
  // commits made by another process.
  bool read_only = false;
  // fsync on every commit. See the header comment before turning it off.
  bool sync = true;
  // Recompute the tx, receipt and state roots on commit and refuse a header that disagrees.
  // Hashing is most of a commit's CPU time (about 6 ms of 8 for 1,000 transactions with
  // Keccak-256). A node whose consensus already checked the roots before voting may turn it off;
  // everything else commit() checks, including the transaction hashes, stays on, and
  // verify_chain() still recomputes the tx and receipt roots.
  bool verify_roots = true;
  // Worker threads the store starts to encode and hash a block on commit (the committing thread
  // hashes too); 0 hashes on the committing thread alone. The checks and the bytes written are
  // the same either way. Hashing splits well: on an idle 2-core machine 1 worker cuts what a
  // durable 1,000-transaction commit costs beyond raw LMDB's puts from 3.0 ms to 1.6 ms (ecdsa;
  // docs/benchmarks.md). With the tx pool's verify_thread_count, the only threads the ledger
  // starts, and only when asked: leave it at 0 when the application owns every core. At most 64
  // (kInvalidArgument otherwise); a read-only store starts none.
  std::size_t commit_hash_thread_count = 0;
  std::uint64_t map_size_initial_bytes = 64ull << 20;
  std::uint64_t map_size_max_bytes = 1ull << 40;
  // Concurrent read transactions (open StateViews plus in-flight point reads).
  std::uint32_t readers_max = 126;
  // How long a commit that must grow the map waits for open StateViews to close before it fails
  // with kLimitExceeded.
  std::uint32_t resize_wait_ms = 10'000;
};

class LmdbStore : public Store {
 public:
  // 1: bodies and receipts as varint-length lists (scanned to find an item); 2: offset tables.
  static constexpr std::uint32_t kSchemaVersion = 2;

  // Opens or creates the store in `dir`. Errors: kNotFound (no store and !create_if_missing),
  // kInvalidArgument (suite or chain id differ from the stored ones, options out of range),
  // kUnsupported (another schema version), kCorrupt (unreadable metadata), kIo.
  static Result<std::unique_ptr<LmdbStore>> open(const std::filesystem::path& dir, const LmdbOptions& options);

  // The current size of the memory map (the store's size limit until it grows again).
  virtual std::uint64_t map_size_bytes() const = 0;
};

}  // namespace trestle::ledger
