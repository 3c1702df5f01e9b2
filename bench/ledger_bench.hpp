#pragma once
// `trestle-bench ledger`: the LMDB ledger store against raw LMDB doing the same work, in one run.
//
//   commit     blocks of tx_count signed transactions with receipts and tx_count state writes,
//              durable (fsync per commit), committed through LmdbStore::commit; the peers write
//              the very same records (checked byte for byte afterwards) with raw LMDB, one durable
//              write transaction per block: once with the ledger's key order and flags (sorted
//              random keys, MDB_APPEND for height keys), once in block order with no flags (what a
//              plain implementation would do). The ledger also commits into a second store with
//              LmdbOptions::verify_roots off (no hashing of the block on commit), and, with
//              commit_hash_threads > 0, into a third with hashing on the committing thread alone.
//              Blocks are signed and built before timing; the stores take turns block by block (who
//              goes first rotates), so disk noise hits them alike.
//   reads      a committed transaction by hash (LmdbStore::transaction: index, body, decode)
//              against two raw mdb_get calls and a copy of the bytes.
//   layout     raw LMDB only, on a database preloaded with 200,000 entries: durable commits of
//              1,000 random 32-byte keys (100-byte values) unsorted vs sorted, and of 1,000
//              append-ordered keys with MDB_APPEND; commits/s and bytes written per commit (the pages
//              LMDB writes, /proc/self/io wchar).
//              The "trestle" column holds the layout the ledger uses.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "measure.hpp"

namespace trestle::bench {

struct LedgerBenchOptions {
  std::size_t blocks = 50;
  std::size_t tx_count = 1'000;
  std::string suite = "ecdsa";  // sm works too, but SM2 signing makes building the blocks slow
  // Where the temporary stores go (a fresh subdirectory, removed afterwards). Empty: the system
  // temporary directory. Put it on the disk you want to measure: tmpfs makes fsync free.
  std::filesystem::path dir;
  // LmdbOptions::commit_hash_thread_count of the ledger stores; when positive, a fifth store
  // commits with 0 (hashing on the committing thread alone) for comparison.
  std::size_t commit_hash_threads = 1;
  std::size_t layout_commits = 20;  // per layout variant; 0 skips the layout rows
  double read_seconds = 0.5;        // per read measurement
  bool progress = true;             // one line per phase on stderr
};

// Throws std::runtime_error when a store fails or the cross-check of the written bytes fails.
std::vector<Row> run_ledger_bench(const LedgerBenchOptions& options);

// One line for the report's header: sizes, suite, directory, CPU.
std::string ledger_bench_description(const LedgerBenchOptions& options);

}  // namespace trestle::bench
