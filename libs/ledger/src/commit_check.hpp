#pragma once
// The checks BlockStore::commit makes before it writes anything, shared by both stores, and the
// encodings the LMDB store then writes.

#include <optional>
#include <span>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/limits.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/ledger/write_set.hpp"
#include "worker_pool.hpp"

namespace trestle::ledger::detail {

struct CommitPlan {
  ChainTip new_tip;
  std::vector<Hash256> tx_hashes;  // in block order
  Bytes header_bytes;              // BlockHeader::encode()
  Bytes body_bytes;                // storage list (storage_codec.hpp) of transaction encodings
  Bytes receipts_bytes;            // storage list of receipt encodings
};

// Everything commit() checks except "no transaction committed before", which needs the store's
// index. With verify_roots false the header's tx, receipt and state roots are taken as they are
// (the new tip's state root is the header's). Errors as BlockStore::commit. With `workers` the
// encoding and hashing run on them and the caller; the result is the same.
Result<CommitPlan> check_commit(const crypto::CryptoSuite& suite, const Limits& limits,
                                const std::optional<ChainTip>& tip, const Block& block,
                                std::span<const Receipt> receipts, const WriteSet& writes, bool verify_roots = true,
                                WorkerPool* workers = nullptr);

}  // namespace trestle::ledger::detail
