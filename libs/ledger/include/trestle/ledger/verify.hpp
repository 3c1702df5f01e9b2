#pragma once
// verify_chain: an offline consistency check of a whole BlockStore, for `trestle ledger verify`
// and the crash test.

#include <cstdint>
#include <optional>

#include "trestle/core/result.hpp"
#include "trestle/ledger/store.hpp"

namespace trestle::ledger {

struct ChainReport {
  std::optional<Height> tip_height;  // nullopt for an empty store
  std::uint64_t tx_count = 0;
};

// Walks heights 0..tip and checks, with the store's suite and limits, for every block: the header
// and body decode; header.height is the height; parent_hash is the previous block's hash (zero for
// height 0); tx_count, tx_root and receipt_root match the stored transactions and receipts; each
// receipt names its transaction's hash and the height; the block hash index maps the hash back to
// the height; the tx index maps every transaction hash to (height, index). Then that the tip's
// hash and state root are the last header's and that nothing is stored past the tip.
//
// The walk covers the blocks up to the tip read at its start. A writer may commit meanwhile (a
// read-only LmdbStore opened by another process, e.g. `trestle ledger verify` beside a running
// node): blocks it adds are not checked, and are not mistaken for data past the tip.
//
// The state root chain is checked at commit time, not here: write sets are not kept.
//
// Returns the report, or the first inconsistency: kCorrupt with a message naming the height and
// what differs ("height 17: tx_root mismatch: header 3a.., computed 9f.."); kIo from the store.
Result<ChainReport> verify_chain(const BlockStore& store);

}  // namespace trestle::ledger
