#pragma once
// Application: what a chain does with its transactions.
//
// The node orders transactions (consensus) and stores them (ledger); the application gives them
// meaning. It checks a transaction before the pool admits it, and executes the transactions of a
// block against the state after the previous block, producing one receipt per transaction and the
// block's state writes. Execution must be deterministic: every node executes every block, and
// nodes whose receipts or writes differ compute different roots and cannot agree on the block.
// So: no clocks (use BlockContext::timestamp_ms), no randomness, no iteration over unordered
// containers, no floating point, no reads outside the StateView.
//
// A failed transaction (insufficient funds, a malformed payload) is not an execution error: it
// gets a receipt with a non-zero status and an explanatory output, and its writes are dropped.
// execute() returns an error only when it cannot run at all (the state store fails); the node
// then refuses the block.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/ledger/write_set.hpp"

namespace trestle::node {

// What a block's execution may know about the block besides its transactions.
struct BlockContext {
  ledger::Height height = 0;
  std::uint64_t timestamp_ms = 0;  // the proposer's clock, agreed by consensus
  // The sealer the header names as proposer. Validators check only that it is a sealer index:
  // under PBFT a faulty primary may name another one, so an application that rewards proposers
  // must not trust it.
  std::uint32_t proposer_index = 0;
};

// A transaction whose signature the node has checked, with the sender it proved.
struct VerifiedTransaction {
  const ledger::Transaction* transaction = nullptr;
  Hash256 hash;
  Address sender;
};

struct Execution {
  std::vector<ledger::Receipt> receipts;  // one per transaction, in order, height set
  ledger::WriteSet writes;
};

class Application {
 public:
  virtual ~Application() = default;

  // "asset", "kv", ...: the value of genesis.json's "application" field that selects it.
  virtual std::string_view name() const = 0;

  // The state of block 0, from genesis.json's "application_state" (an application-defined JSON
  // value, passed here as its serialized text; "" when absent). Error (kInvalidArgument): the
  // value is not what this application accepts; the message names the offending field.
  virtual Result<ledger::WriteSet> genesis_state(std::string_view application_state_json) const = 0;

  // The pool's admission hook: a cheap check of one transaction against the latest committed
  // state (`state`). Refusing here keeps hopeless transactions out of blocks; accepting does not
  // promise success (the state changes before the transaction executes). Called from several
  // threads at once. The default accepts everything.
  virtual Status check_tx(const VerifiedTransaction& tx, const ledger::StateView& state) const;

  // Executes `txs` (in order) on top of `state`, the state after block context.height - 1.
  // Deterministic; see the header comment. Called from one thread at a time.
  virtual Result<Execution> execute(const BlockContext& context, std::span<const VerifiedTransaction> txs,
                                    const ledger::StateView& state) const = 0;
};

}  // namespace trestle::node
