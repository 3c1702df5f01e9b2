// The node's consensus Host: timers on Asio, messages through the transport, proposals from the
// pool, validation by execution, commits into the store. Every function here runs on the
// consensus thread.

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "node_impl.hpp"
#include "node_messages.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/ledger/inclusion.hpp"

namespace trestle::node {
namespace {

// How often a proposer waiting for transactions looks at the pool again.
constexpr std::chrono::milliseconds kProposalPoll{5};
// A proposal whose timestamp is this far ahead of the validator's clock is refused.
constexpr std::uint64_t kClockSkewMaxMs = 60'000;
// Room left in a block for its header and length prefixes.
constexpr std::size_t kBlockOverheadBytes = 64u << 10;
// After a transient failure (the store busy or out of reader slots), the work is retried this
// much later instead of being answered wrongly.
constexpr std::chrono::milliseconds kRetryDelay{50};
constexpr int kCommitAttemptsMax = 100;

// Errors that say nothing about the block: the store could not be read just now.
bool transient(const Error& error) {
  return error.code() == ErrorCode::kIo || error.code() == ErrorCode::kLimitExceeded;
}

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string short_hash(const Hash256& hash) { return to_hex(hash.view().first(4)); }

}  // namespace

void Node::Impl::send(consensus::NodeIndex to, Bytes message) {
  if (halted() || to >= node_ids_.size() || to == self_index_) return;
  auto sent = transport_->send(node_ids_[to], detail::kConsensusMessage, message);
  if (!sent.ok()) log_->debug("consensus message to node {} not queued: {}", to, sent.error().message());
}

void Node::Impl::broadcast(Bytes message) {
  if (halted()) return;
  auto sent = transport_->broadcast(detail::kConsensusMessage, message);
  if (!sent.ok()) log_->debug("consensus broadcast not queued: {}", sent.error().message());
}

void Node::Impl::set_timer(consensus::TimerId id, std::uint64_t delay_ms) {
  Timer& slot = timers_[id];
  if (!slot.timer) slot.timer = std::make_unique<asio::steady_timer>(io_);
  // A timer that already expired may have its handler queued; the generation tells it apart
  // from the re-armed one.
  const std::uint64_t generation = ++slot.generation;
  slot.timer->expires_after(std::chrono::milliseconds(delay_ms));
  slot.timer->async_wait([this, id, generation](const asio::error_code& error) {
    if (error || halted()) return;
    auto it = timers_.find(id);
    if (it == timers_.end() || it->second.generation != generation) return;
    engine_->on_timer(id);
  });
}

void Node::Impl::cancel_timer(consensus::TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  ++it->second.generation;
  it->second.timer->cancel();
}

std::uint64_t Node::Impl::now_ms() const {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_).count());
}

consensus::Height Node::Impl::committed_height() const {
  auto tip = store_->tip();
  return tip ? tip->height : 0;
}

Bytes Node::Impl::sign(ByteView message) { return signer_->sign(message); }

bool Node::Impl::verify(consensus::NodeIndex signer, ByteView message, ByteView signature) const {
  return signer_->verify(signer, message, signature);
}

void Node::Impl::store_state(ByteView state) { engine_state_ = to_bytes(state); }

void Node::Impl::sync_state() {
  if (!engine_state_) return;
  if (auto stored = meta_->put_engine_state(*engine_state_); !stored.ok()) {
    // Voting without durable state could make a restarted node contradict its own vote.
    fail("cannot store the consensus state: " + stored.error().message());
  }
}

std::optional<Bytes> Node::Impl::load_state() {
  auto state = meta_->engine_state();
  if (!state.ok()) {
    fail("cannot read the consensus state: " + state.error().message());
    return std::nullopt;
  }
  return std::move(state).value();
}

Address Node::Impl::sender_of(const ledger::Transaction& tx) const {
  // Called only for transactions whose signature was checked: the field is then the sender's
  // address (ecdsa) or public key (sm), and the address of a key is the tail of its hash.
  if (tx.sender.size() == Address::kSize) return Address::copy_of(tx.sender);
  const Hash256 hash = suite_.hash(tx.sender);
  return Address::copy_of(hash.view().last(Address::kSize));
}

Result<Execution> Node::Impl::execute(const ledger::Block& block) {
  std::vector<VerifiedTransaction> txs;
  txs.reserve(block.transactions.size());
  for (const auto& tx : block.transactions) {
    txs.push_back(VerifiedTransaction{&tx, tx.hash(suite_), sender_of(tx)});
  }
  TRESTLE_TRY(auto state, store_->state_view());
  BlockContext context{block.header.height, block.header.timestamp_ms, block.header.proposer_index};
  TRESTLE_TRY(Execution execution, app_->execute(context, txs, *state));
  if (execution.receipts.size() != txs.size()) {
    return Error(ErrorCode::kInternal, "application returned " + std::to_string(execution.receipts.size()) +
                                           " receipts for " + std::to_string(txs.size()) + " transactions");
  }
  return execution;
}

void Node::Impl::request_proposal(consensus::Height height) {
  proposal_wanted_ = height;
  proposal_requested_ms_ = now_ms();
  asio::post(io_, [this] { try_propose(); });
}

// Proposes at once when a block's worth of transactions waits; otherwise waits up to
// block_interval_ms for more, and with an empty pool up to empty_block_interval_ms.
void Node::Impl::try_propose() {
  if (!proposal_wanted_ || halted()) return;
  const consensus::Height height = *proposal_wanted_;
  if (height != committed_height() + 1) {
    proposal_wanted_.reset();
    return;
  }
  const ConsensusConfig& params = genesis_.consensus;
  const std::size_t waiting = pool_->size();
  const std::uint64_t waited = now_ms() - proposal_requested_ms_;
  const bool ready = waiting >= params.block_tx_max || (waiting > 0 && waited >= params.block_interval_ms) ||
                     waited >= params.empty_block_interval_ms;
  if (!ready) {
    proposal_timer_->expires_after(kProposalPoll);
    proposal_timer_->async_wait([this](const asio::error_code& error) {
      if (!error) try_propose();
    });
    return;
  }
  auto built = build_block(height);
  if (!built.ok()) {
    // Every request must be answered (a Raft leader waits for it): try again shortly.
    log_->error("cannot build block {}: {}; retrying", height, built.error().message());
    proposal_timer_->expires_after(kRetryDelay);
    proposal_timer_->async_wait([this](const asio::error_code& error) {
      if (!error) try_propose();
    });
    return;
  }
  proposal_wanted_.reset();
  Executed executed = std::move(built).value();
  const Hash256 hash = executed.block.hash(suite_);
  executed.payload = executed.block.encode();
  consensus::Proposal proposal{height, hash, executed.payload};
  log_->debug("proposing block {} with {} transactions ({})", height, executed.block.transactions.size(),
              short_hash(hash));
  executed_.insert_or_assign(hash, std::move(executed));
  asio::post(io_, [this, proposal = std::move(proposal)]() mutable {
    if (!halted()) engine_->on_proposal(std::move(proposal));
  });
}

Result<Node::Impl::Executed> Node::Impl::build_block(consensus::Height height) {
  auto tip = store_->tip();
  if (!tip) return Error(ErrorCode::kInternal, "no genesis block");
  const ledger::Limits& limits = store_->limits();
  Executed out;
  out.block.transactions =
      pool_->propose(genesis_.consensus.block_tx_max, limits.block_size_max_bytes - kBlockOverheadBytes);
  ledger::BlockHeader& header = out.block.header;
  header.parent_hash = tip->block_hash;
  header.height = height;
  header.timestamp_ms = std::max(wall_clock_ms(), tip_timestamp_ms_);
  header.proposer_index = self_index_;
  header.tx_count = static_cast<std::uint32_t>(out.block.transactions.size());
  TRESTLE_TRY(Execution execution, execute(out.block));
  header.tx_root = ledger::transaction_root(suite_, out.block.transactions);
  header.receipt_root = ledger::receipt_root(suite_, execution.receipts);
  header.state_root = ledger::next_state_root(suite_, tip->state_root, execution.writes);
  header.sealer_set_hash = sealer_set_hash_;
  out.receipts = std::move(execution.receipts);
  out.writes = std::move(execution.writes);
  return out;
}

// Everything a sealer must know before it votes for a block: it decodes, names itself by the
// agreed hash, extends the tip, carries only admissible transactions (signatures, chain, nonces,
// block limits: the pool's rules) and its roots are what executing it here gives.
Result<Node::Impl::Executed> Node::Impl::check_block(const consensus::Proposal& proposal, bool agreed) {
  auto tip = store_->tip();
  if (!tip) return Error(ErrorCode::kInternal, "no genesis block");
  if (proposal.height != tip->height + 1) {
    return Error(ErrorCode::kInvalidArgument, "height " + std::to_string(proposal.height) +
                                                  " does not follow the tip " + std::to_string(tip->height));
  }
  TRESTLE_TRY(ledger::Block block, ledger::Block::decode(proposal.payload, store_->limits()));
  const ledger::BlockHeader& header = block.header;
  if (block.hash(suite_) != proposal.hash) return Error(ErrorCode::kInvalidArgument, "block hash mismatch");
  if (header.height != proposal.height) return Error(ErrorCode::kInvalidArgument, "header height mismatch");
  if (header.parent_hash != tip->block_hash) return Error(ErrorCode::kInvalidArgument, "parent hash is not the tip");
  if (header.sealer_set_hash != sealer_set_hash_) return Error(ErrorCode::kInvalidArgument, "foreign sealer set");
  if (header.proposer_index >= sealer_count()) return Error(ErrorCode::kInvalidArgument, "proposer out of range");
  if (!header.certificate.empty()) return Error(ErrorCode::kInvalidArgument, "a proposal carries no certificate");
  if (header.timestamp_ms < tip_timestamp_ms_) return Error(ErrorCode::kInvalidArgument, "timestamp before parent");
  // Local policy, not validity: a node with a slow clock must still follow what was agreed.
  if (!agreed && header.timestamp_ms > wall_clock_ms() + kClockSkewMaxMs) {
    return Error(ErrorCode::kInvalidArgument, "timestamp too far in the future");
  }
  // The cheap check first: a body that does not match its header costs no signature checks.
  if (ledger::transaction_root(suite_, block.transactions) != header.tx_root) {
    return Error(ErrorCode::kInvalidArgument, "tx root mismatch");
  }
  TRESTLE_TRY_STATUS(pool_->validate_block(block));
  TRESTLE_TRY(Execution execution, execute(block));
  if (ledger::receipt_root(suite_, execution.receipts) != header.receipt_root) {
    return Error(ErrorCode::kInvalidArgument, "receipt root mismatch");
  }
  if (ledger::next_state_root(suite_, tip->state_root, execution.writes) != header.state_root) {
    return Error(ErrorCode::kInvalidArgument, "state root mismatch");
  }
  return Executed{proposal.payload, std::move(block), std::move(execution.receipts), std::move(execution.writes)};
}

void Node::Impl::validate_proposal(const consensus::Proposal& proposal) {
  if (halted()) return;
  // A hash validated before counts only with the same bytes: the hash names the header, and a
  // different body under it must be checked on its own.
  auto known = executed_.find(proposal.hash);
  bool valid = known != executed_.end() && known->second.payload == proposal.payload;
  if (!valid) {
    auto checked = check_block(proposal, false);
    if (checked.ok()) {
      executed_.insert_or_assign(proposal.hash, std::move(checked).value());
      valid = true;
    } else if (transient(checked.error())) {
      // Not the block's fault: ask again shortly rather than reject a good block.
      log_->warn("cannot check block {} now: {}; retrying", proposal.height, checked.error().message());
      auto retry = std::make_shared<asio::steady_timer>(io_, kRetryDelay);
      retry->async_wait([this, retry, proposal](const asio::error_code& error) {
        if (!error) validate_proposal(proposal);
      });
      return;
    } else {
      log_->warn("refusing block {} ({}): {}", proposal.height, short_hash(proposal.hash), checked.error().message());
    }
  }
  asio::post(io_, [this, height = proposal.height, hash = proposal.hash, valid] {
    if (!halted()) engine_->on_validation(height, hash, valid);
  });
}

void Node::Impl::commit(const consensus::Proposal& proposal, const consensus::CommitCertificate& certificate) {
  if (failed_) return;
  auto it = executed_.find(proposal.hash);
  if (it == executed_.end()) {
    // A crash-fault engine (Raft) lets followers commit what their leader validated. The block
    // is agreed: only a transient store error may delay it, and then the commit waits.
    auto checked = check_block(proposal, true);
    for (int attempt = 1; !checked.ok() && transient(checked.error()) && attempt < kCommitAttemptsMax; ++attempt) {
      std::this_thread::sleep_for(kRetryDelay);
      checked = check_block(proposal, true);
    }
    if (!checked.ok()) {
      fail("the agreed block " + std::to_string(proposal.height) +
           " does not check here: " + checked.error().message());
      return;
    }
    it = executed_.insert_or_assign(proposal.hash, std::move(checked).value()).first;
  }
  Executed& executed = it->second;
  for (const auto& vote : certificate.votes) {
    executed.block.header.certificate.push_back(ledger::SealerSignature{vote.sealer_index, vote.signature});
  }
  // The round first: a round stored for a block that then fails to commit is overwritten later,
  // while a committed block without its round could not be served to a lagging peer.
  if (auto stored = meta_->put_round(proposal.height, certificate.round); !stored.ok()) {
    fail("cannot store the certificate round: " + stored.error().message());
    return;
  }
  if (auto committed = store_->commit(executed.block, executed.receipts, executed.writes); !committed.ok()) {
    fail("cannot commit block " + std::to_string(proposal.height) + ": " + committed.error().message());
    return;
  }
  const std::size_t tx_count = executed.block.transactions.size();
  pool_->on_block_committed(proposal.height, executed.block.transactions);
  tip_timestamp_ms_ = executed.block.header.timestamp_ms;
  txs_committed_ += tx_count;
  ++blocks_committed_;
  log_->info("committed block {} ({}) with {} txs, round {}, {} votes", proposal.height, short_hash(proposal.hash),
             tx_count, certificate.round, certificate.votes.size());
  executed_.clear();
  snapshot_engine_stats();
}

std::optional<consensus::CommittedBlock> Node::Impl::committed_block(consensus::Height height) const {
  if (height == 0 || height > committed_height()) return std::nullopt;  // block 0 comes from genesis
  auto header = store_->header_at(height);
  auto txs = store_->transactions_at(height);
  auto round = meta_->round(height);
  if (!header.ok() || !txs.ok() || !round.ok() || !round.value()) return std::nullopt;
  ledger::Block block{std::move(header).value(), std::move(txs).value()};
  consensus::CommitCertificate certificate{height, *round.value(), block.hash(suite_), {}};
  for (auto& vote : block.header.certificate) {
    certificate.votes.push_back(consensus::CommitVote{vote.sealer_index, std::move(vote.signature)});
  }
  block.header.certificate.clear();
  consensus::Proposal proposal{height, certificate.block_hash, block.encode()};
  return consensus::CommittedBlock{std::move(proposal), std::move(certificate)};
}

void Node::Impl::fail(const std::string& what) {
  // The node cannot go on without breaking its promises (durability, its own votes): it stops
  // taking part in consensus and says why. An operator restarts it once the cause is fixed.
  failed_ = true;
  log_->critical("{}; consensus stopped on this node", what);
}

}  // namespace trestle::node
