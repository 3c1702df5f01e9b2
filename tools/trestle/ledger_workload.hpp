#pragma once
// Synthetic, well-formed blocks for the ledger benchmarks: `trestle ledger bench` (a load
// generator and the crash test's child) and `trestle-bench ledger` (commit throughput next to raw
// LMDB). Both use this one generator, so they commit the same kind of block.
//
// Block at height h with M transactions:
//   transaction i   chain id of the store, group "group0", nonce u64 h || u32 i (unique on the
//                   chain, so a run that continues a stored chain never repeats a hash), block
//                   limit h + 500, a target account, a payload of payload_bytes, signed by sender
//                   key i mod sender_count (deterministic keys: reruns sign as the same senders)
//   receipt i       status 0, 8 bytes of output, one log (target, one topic, 32 bytes of data)
//   state write i   table "account", key = hash("account" || u64 slot) (32 bytes that look
//                   random, as account ids do), value 32 bytes; slot = (h * M + i) mod
//                   account_count, so the state stops growing once every account exists
//   header          real roots, and a commit certificate of 3 sealer signatures over the hash
//
// Not thread-safe; a Workload holds private keys (wiped when it is destroyed).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/ledger/write_set.hpp"

namespace trestle::workload {

struct WorkloadOptions {
  std::size_t tx_count = 1'000;         // transactions, receipts and state writes per block
  std::size_t payload_bytes = 100;      // per transaction
  std::size_t sender_count = 4;         // keys the transactions are signed with round robin
  std::size_t account_count = 100'000;  // distinct state keys; raised to tx_count if below
};

// A block with everything commit() takes.
struct BuiltBlock {
  ledger::Block block;
  std::vector<ledger::Receipt> receipts;
  ledger::WriteSet writes;
};

// One LMDB put of the ledger's layout (docs/ledger.md), in the order LmdbStore writes them.
struct StoreRecord {
  const char* db;  // "headers", "bodies", "receipts", "hashes", "tx_index", "state", "meta"
  Bytes key;
  Bytes value;
  bool append = false;        // written with MDB_APPEND (height keys)
  bool no_overwrite = false;  // written with MDB_NOOVERWRITE (the hash indexes)
};

class Workload {
 public:
  // Errors: kInternal if no key can be derived (practically impossible).
  static Result<Workload> create(const crypto::CryptoSuite& suite, std::string chain_id, WorkloadOptions options);

  const crypto::CryptoSuite& suite() const { return *suite_; }
  const WorkloadOptions& options() const { return options_; }

  // The unsigned transactions of the block at `height`.
  std::vector<ledger::Transaction> transactions(ledger::Height height) const;
  // Signs them (the expensive part with sm: SM2 signing). Error: the suite's signing error.
  Status sign(std::vector<ledger::Transaction>& txs) const;
  // The block after `tip` holding `txs` (signed), with receipts, writes, roots and certificate.
  Result<BuiltBlock> build(const std::optional<ledger::ChainTip>& tip, std::vector<ledger::Transaction> txs) const;

 private:
  Workload(const crypto::CryptoSuite& suite, std::string chain_id, WorkloadOptions options,
           std::vector<crypto::PrivateKey> keys)
      : suite_(&suite), chain_id_(std::move(chain_id)), options_(options), keys_(std::move(keys)) {}

  const crypto::CryptoSuite* suite_;
  std::string chain_id_;
  WorkloadOptions options_;
  std::vector<crypto::PrivateKey> keys_;  // sender_count keys; the first 3 also seal blocks
};

// The tip after committing `built` on top of its parent.
ledger::ChainTip tip_after(const crypto::CryptoSuite& suite, const BuiltBlock& built);

// The exact puts LmdbStore makes to commit `built` (the tx_index and state puts sorted by key, as
// the store sorts them). For the raw LMDB peer of the benchmark and for counting bytes.
std::vector<StoreRecord> store_records(const crypto::CryptoSuite& suite, const BuiltBlock& built);

// Sum of key and value sizes of the records.
std::size_t record_bytes(const std::vector<StoreRecord>& records);

// Bytes this process has passed to write(2)-family calls so far (Linux /proc/self/io wchar):
// for an LMDB store, the pages it writes (every page a commit dirtied, copy-on-write included),
// to compare with record_bytes. Not the kernel's write_bytes, which counts whole page-cache
// folios (up to 2 MiB on recent kernels) and so overstates small writes. nullopt where the kernel
// does not report it.
std::optional<std::uint64_t> written_bytes();

}  // namespace trestle::workload
