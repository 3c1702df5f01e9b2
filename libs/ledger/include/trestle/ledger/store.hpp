#pragma once
// The storage interfaces: BlockStore (append-only chain of blocks with receipts and indexes) and
// StateStore (the application state after the latest block). One object implements both, so that
// a block, its receipts and its state writes are committed together (Store). Implementations:
// LmdbStore (lmdb_store.hpp, durable) and MemoryStore (memory_store.hpp, tests and simulator).
//
// Every method is thread-safe. Commits serialize; reads run in parallel with each other and with a
// commit, and see either all of a block or none of it.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/limits.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/ledger/write_set.hpp"

namespace trestle::ledger {

// The latest committed block.
struct ChainTip {
  Height height = 0;
  Hash256 block_hash;
  Hash256 state_root;

  friend bool operator==(const ChainTip&, const ChainTip&) = default;
};

// Where a committed transaction is: block height and position in the block.
struct TxLocation {
  Height height = 0;
  std::uint32_t index = 0;

  friend bool operator==(const TxLocation&, const TxLocation&) = default;
};

// A consistent, read-only snapshot of the state after one committed block. It does not see later
// commits. Use from one thread at a time (open one view per thread); it must not outlive its store.
// The thread holding a view may also call the store's other reads. An LMDB view pins a reader slot
// and old pages until destroyed: keep views short-lived, and never hold one across commit() on the
// same thread (a commit that must grow the map waits for every view to close; see
// LmdbOptions::resize_wait_ms).
class StateView {
 public:
  virtual ~StateView() = default;
  // The block whose writes the view sees; nullopt before the genesis block (empty state).
  virtual std::optional<Height> height() const = 0;
  // The state root after that block; all zero for the empty state.
  virtual Hash256 state_root() const = 0;
  // The value, or nullopt when the key is absent. Errors: kCorrupt, kIo.
  virtual Result<std::optional<Bytes>> get(std::string_view table, ByteView key) const = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;
  // A view at the latest committed height. Errors: kLimitExceeded (all reader slots taken),
  // kIo.
  virtual Result<std::unique_ptr<StateView>> state_view() const = 0;
};

class BlockStore {
 public:
  virtual ~BlockStore() = default;

  // The chain's configuration, fixed when the store was created.
  virtual const crypto::CryptoSuite& suite() const = 0;
  virtual const std::string& chain_id() const = 0;
  virtual const Limits& limits() const = 0;

  // The latest committed block, nullopt for an empty store. No I/O, except in a read-only
  // LmdbStore, which re-reads the tip another process may have moved.
  virtual std::optional<ChainTip> tip() const = 0;

  // Appends `block` with its receipts and state writes, atomically: afterwards the store holds
  // all of it or (on any error) none of it. Checks, each an error (kInvalidArgument unless said):
  //   - block.validate(limits()), receipt.validate and writes.validate (kLimitExceeded for sizes)
  //   - height is tip + 1 (0 for the first block) and parent_hash is the tip's hash (zero first)
  //   - one receipt per transaction, in order: receipt.tx_hash is the transaction's hash and
  //     receipt.height the block's
  //   - header.tx_root, receipt_root and state_root match the block, the receipts and
  //     next_state_root(tip state root, writes) (LmdbOptions::verify_roots can skip this one)
  //   - no transaction hash repeats within the block or was committed before
  // It does not check signatures or the commit certificate: that is the pool's and consensus's
  // job. Other errors: kIo (disk full or failing; the store stays at its previous tip),
  // kLimitExceeded (LmdbOptions::map_size_max_bytes reached), kCorrupt, kUnsupported (read-only).
  virtual Status commit(const Block& block, std::span<const Receipt> receipts, const WriteSet& writes) = 0;

  // Reads. Errors: kNotFound past the tip or for an unknown hash; kCorrupt when stored bytes do not
  // decode; kIo.
  virtual Result<BlockHeader> header_at(Height height) const = 0;
  virtual Result<std::vector<Transaction>> transactions_at(Height height) const = 0;
  virtual Result<Transaction> transaction_at(Height height, std::uint32_t index) const = 0;
  virtual Result<std::vector<Receipt>> receipts_at(Height height) const = 0;
  virtual Result<Receipt> receipt_at(Height height, std::uint32_t index) const = 0;
  virtual Result<Height> height_of(const Hash256& block_hash) const = 0;
  virtual Result<TxLocation> locate_transaction(const Hash256& tx_hash) const = 0;

  // Conveniences over the reads above (several reads: not one snapshot, but committed data never
  // changes, so the answer is consistent). LmdbStore overrides the lookups by transaction hash
  // with one read transaction each, which halves their cost.
  Result<Block> block_at(Height height) const;
  virtual Result<Transaction> transaction(const Hash256& tx_hash) const;
  virtual Result<Receipt> receipt(const Hash256& tx_hash) const;
};

// A block store with its state: what the node and the simulator hold.
class Store : public BlockStore, public StateStore {};

}  // namespace trestle::ledger
