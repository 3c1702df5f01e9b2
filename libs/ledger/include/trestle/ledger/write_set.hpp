#pragma once
// WriteSet: the state changes of one block, and the state root that commits to them.
//
// State is a set of namespaced tables: (table name, key) -> value. The block executor reads
// through a StateView (store.hpp) and records its writes here; BlockStore::commit applies them in
// the same transaction as the block.
//
// Canonical encoding (what the state root hashes):
//
//   varint   entry count                  <= Limits::write_set_entry_count_max
//     per entry, in strictly increasing (table, key) order, compared bytewise, table first:
//     string table                        1..Limits::state_table_name_max_bytes
//     bytes  key                          0..Limits::state_key_max_bytes
//     u8     kind                         0 = erase, 1 = put
//     bytes  value                        only for put, <= Limits::state_value_max_bytes
//
// State root: next_state_root(previous, writes) = H(previous || H(writes.encode())), starting from
// the all-zero hash before the genesis block. It is deterministic across nodes that execute the
// same blocks and commits to the whole state (by induction over the chain of write sets), but it
// is not a proof-capable tree: it cannot prove a single key's value. An empty write set still
// advances the root. A later version may replace it with a sparse Merkle tree.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"

namespace trestle::ledger {

struct StateKey {
  std::string table;
  Bytes key;

  // std::string and std::vector<std::uint8_t> both compare bytewise (unsigned).
  friend auto operator<=>(const StateKey&, const StateKey&) = default;
  friend bool operator==(const StateKey&, const StateKey&) = default;
};

// Not thread-safe; owned by one executor.
class WriteSet {
 public:
  // The last write to a (table, key) wins: put after erase is a put, erase after put an erase.
  void put(std::string_view table, ByteView key, ByteView value);
  void erase(std::string_view table, ByteView key);
  void clear() { entries_.clear(); }

  // nullopt for an erase.
  const std::map<StateKey, std::optional<Bytes>>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The pending write to a key, if any: the executor reads its own writes through this first.
  const std::optional<Bytes>* find(std::string_view table, ByteView key) const;

  Bytes encode() const;
  // Strict. Errors: kInvalidArgument (malformed, unsorted or duplicate entries, an empty table
  // name, an unknown kind), kLimitExceeded.
  static Result<WriteSet> decode(ByteView encoded, const Limits& limits);
  // The limits decode() enforces. Errors: kInvalidArgument (empty table name), kLimitExceeded.
  Status validate(const Limits& limits) const;

  friend bool operator==(const WriteSet&, const WriteSet&) = default;

 private:
  std::map<StateKey, std::optional<Bytes>> entries_;
};

// H(previous_root || H(writes.encode())).
Hash256 next_state_root(const crypto::CryptoSuite& suite, const Hash256& previous_root, const WriteSet& writes);

}  // namespace trestle::ledger
