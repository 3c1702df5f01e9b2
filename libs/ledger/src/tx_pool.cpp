#include "trestle/ledger/tx_pool.hpp"

#include <cassert>
#include <deque>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "trestle/core/hex.hpp"
#include "worker_pool.hpp"

namespace trestle::ledger {

class TxPool::Workers : public detail::WorkerPool {
 public:
  using WorkerPool::WorkerPool;
};

namespace {

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

// (sender, nonce) as one string key.
std::string nonce_key(const Address& sender, const Bytes& nonce) {
  std::string key(sender.begin(), sender.end());
  key.append(nonce.begin(), nonce.end());
  return key;
}

// A transaction between decoding and insertion.
struct Candidate {
  Transaction tx;
  Hash256 hash;
  std::size_t size = 0;
  Result<Address> sender = Error(ErrorCode::kInternal, "not verified");
};

}  // namespace

struct TxPool::State {
  struct Entry {
    PooledTransaction pooled;
    std::uint64_t sequence = 0;
    std::size_t size = 0;
  };

  TxPoolOptions options;
  CheckTx check_tx;

  mutable std::mutex mutex;
  std::optional<Height> tip;
  std::uint64_t next_sequence = 0;
  std::unordered_map<Hash256, Entry, FixedBytesHasher> by_hash;
  std::map<std::uint64_t, Hash256> fifo;                     // arrival order
  std::multimap<Height, Hash256> by_block_limit;             // for expiry
  std::unordered_map<std::string, Hash256> pending_nonces;   // (sender, nonce) of waiting txs
  std::unordered_map<std::string, Height> committed_nonces;  // (sender, nonce) -> commit height
  std::deque<std::pair<Height, std::vector<std::string>>> committed_by_height;

  Height next_height() const { return tip ? *tip + 1 : 0; }

  // Block limit rule for a transaction to be included at `height`.
  Status check_block_limit(const Transaction& tx, Height height) const {
    if (tx.block_limit < height) {
      return invalid("transaction expired: block limit " + std::to_string(tx.block_limit) + " is below height " +
                     std::to_string(height));
    }
    if (tx.block_limit - height >= options.block_limit_window) {
      return invalid("transaction block limit " + std::to_string(tx.block_limit) +
                     " is too far ahead: it must be below " + std::to_string(height) + " + " +
                     std::to_string(options.block_limit_window));
    }
    return ok_status();
  }

  Status check_ids(const Transaction& tx) const {
    if (tx.chain_id != options.chain_id) {
      return invalid("transaction is for chain '" + tx.chain_id + "', this is chain '" + options.chain_id + "'");
    }
    if (tx.group_id != options.group_id) {
      return invalid("transaction is for group '" + tx.group_id + "', this is group '" + options.group_id + "'");
    }
    return ok_status();
  }

  Status check_nonce(const std::string& key) const {
    if (pending_nonces.count(key) != 0) return invalid("the sender's nonce is already used by a waiting transaction");
    auto committed = committed_nonces.find(key);
    if (committed != committed_nonces.end()) {
      return invalid("the sender's nonce was used by a transaction committed at height " +
                     std::to_string(committed->second));
    }
    return ok_status();
  }

  Status check_room(const Hash256& hash) const {
    if (by_hash.count(hash) != 0) return invalid("transaction " + to_hex(hash) + " is already in the pool");
    if (by_hash.size() >= options.capacity_tx_count) {
      return Error(ErrorCode::kLimitExceeded,
                   "pool full: " + std::to_string(options.capacity_tx_count) + " transactions are waiting");
    }
    return ok_status();
  }

  void insert(Candidate&& candidate, const Address& sender) {
    const std::uint64_t sequence = next_sequence++;
    pending_nonces.emplace(nonce_key(sender, candidate.tx.nonce), candidate.hash);
    fifo.emplace(sequence, candidate.hash);
    by_block_limit.emplace(candidate.tx.block_limit, candidate.hash);
    Entry entry{PooledTransaction{candidate.hash, sender, std::move(candidate.tx)}, sequence, candidate.size};
    by_hash.emplace(candidate.hash, std::move(entry));
  }

  void remove(const Hash256& hash) {
    auto it = by_hash.find(hash);
    if (it == by_hash.end()) return;
    const Entry& entry = it->second;
    fifo.erase(entry.sequence);
    pending_nonces.erase(nonce_key(entry.pooled.sender, entry.pooled.transaction.nonce));
    auto [begin, end] = by_block_limit.equal_range(entry.pooled.transaction.block_limit);
    for (auto limit = begin; limit != end; ++limit) {
      if (limit->second == hash) {
        by_block_limit.erase(limit);
        break;
      }
    }
    by_hash.erase(it);
  }

  // The checks before the signature: size, decoding, ids, block limit, duplicate hash, room.
  Result<Candidate> precheck(const crypto::CryptoSuite& suite, ByteView encoded) const {
    const Limits& limits = options.limits;
    if (encoded.size() > limits.tx_size_max_bytes) {
      return Error(ErrorCode::kLimitExceeded, "transaction is " + std::to_string(encoded.size()) + " bytes, limit " +
                                                  std::to_string(limits.tx_size_max_bytes));
    }
    Candidate candidate;
    TRESTLE_TRY(candidate.tx, Transaction::decode(encoded, limits));
    candidate.size = encoded.size();
    TRESTLE_TRY_STATUS(check_ids(candidate.tx));
    candidate.hash = candidate.tx.hash(suite);
    std::lock_guard lock(mutex);
    TRESTLE_TRY_STATUS(check_block_limit(candidate.tx, next_height()));
    TRESTLE_TRY_STATUS(check_room(candidate.hash));
    return candidate;
  }

  // The sender of `tx` when the pool verified this very transaction (same signature and key).
  std::optional<Address> known_sender(const Hash256& hash, const Transaction& tx) const {
    auto it = by_hash.find(hash);
    if (it == by_hash.end()) return std::nullopt;
    const Transaction& pooled = it->second.pooled.transaction;
    if (pooled.signature != tx.signature || pooled.sender != tx.sender) return std::nullopt;
    return it->second.pooled.sender;
  }
};

TxPool::TxPool(const crypto::CryptoSuite& suite, TxPoolOptions options, std::optional<Height> tip, CheckTx check_tx)
    : suite_(suite),
      state_(std::make_unique<State>()),
      workers_(std::make_unique<Workers>(options.verify_thread_count)) {
  assert(options.block_limit_window >= 1);
  state_->options = std::move(options);
  state_->check_tx = std::move(check_tx);
  state_->tip = tip;
}

TxPool::~TxPool() = default;

Result<Hash256> TxPool::submit(ByteView encoded) {
  Bytes copy = to_bytes(encoded);
  return std::move(submit_batch(std::span<const Bytes>(&copy, 1)).front());
}

std::vector<Result<Hash256>> TxPool::submit_batch(std::span<const Bytes> encoded) {
  State& state = *state_;
  std::vector<Result<Candidate>> candidates;
  candidates.reserve(encoded.size());
  for (const Bytes& bytes : encoded) candidates.push_back(state.precheck(suite_, bytes));

  workers_->parallel_for(candidates.size(), [&](std::size_t i) {
    if (candidates[i].ok()) candidates[i]->sender = candidates[i]->tx.verify(suite_);
  });

  std::vector<Result<Hash256>> results;
  results.reserve(candidates.size());
  for (auto& result : candidates) {
    if (!result.ok()) {
      results.emplace_back(result.error());
      continue;
    }
    Candidate& candidate = result.value();
    if (!candidate.sender.ok()) {
      results.emplace_back(candidate.sender.error());
      continue;
    }
    const Address sender = candidate.sender.value();
    const std::string key = nonce_key(sender, candidate.tx.nonce);
    {
      // Again, for duplicates earlier in this batch, before the application sees it.
      std::lock_guard lock(state.mutex);
      Status fresh = state.check_room(candidate.hash);
      if (fresh.ok()) fresh = state.check_nonce(key);
      if (!fresh.ok()) {
        results.emplace_back(fresh.error());
        continue;
      }
    }
    if (state.check_tx) {
      Status verdict = state.check_tx(candidate.tx, sender);
      if (!verdict.ok()) {
        results.emplace_back(verdict.error().with_context("refused by the application"));
        continue;
      }
    }
    // The pool may have changed while the lock was released: check again, then insert.
    std::lock_guard lock(state.mutex);
    Status ready = state.check_block_limit(candidate.tx, state.next_height());
    if (ready.ok()) ready = state.check_room(candidate.hash);
    if (ready.ok()) ready = state.check_nonce(key);
    if (!ready.ok()) {
      results.emplace_back(ready.error());
      continue;
    }
    const Hash256 hash = candidate.hash;
    state.insert(std::move(candidate), sender);
    results.emplace_back(hash);
  }
  return results;
}

std::vector<Transaction> TxPool::propose(std::size_t count_max, std::size_t size_max_bytes) const {
  std::lock_guard lock(state_->mutex);
  std::vector<Transaction> out;
  std::size_t total = 0;
  for (const auto& [sequence, hash] : state_->fifo) {
    if (out.size() >= count_max) break;
    const State::Entry& entry = state_->by_hash.at(hash);
    if (entry.size > size_max_bytes - total) break;  // FIFO: never skip ahead of an older one
    total += entry.size;
    out.push_back(entry.pooled.transaction);
  }
  return out;
}

Status TxPool::validate_block(const Block& block) const {
  const State& state = *state_;
  const Height height = block.header.height;
  const auto& txs = block.transactions;
  auto at = [&](std::size_t i, const Error& error) {
    return error.with_context("block " + std::to_string(height) + " transaction " + std::to_string(i));
  };
  std::vector<Hash256> hashes(txs.size());
  std::unordered_set<Hash256, FixedBytesHasher> seen;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    Status ok = txs[i].validate(state.options.limits);
    if (ok.ok()) ok = state.check_ids(txs[i]);
    if (ok.ok()) ok = state.check_block_limit(txs[i], height);
    if (!ok.ok()) return at(i, ok.error());
    hashes[i] = txs[i].hash(suite_);
    if (!seen.insert(hashes[i]).second) return at(i, invalid("the transaction appears twice in the block"));
  }
  std::vector<std::optional<Result<Address>>> senders(txs.size());
  {
    std::lock_guard lock(state.mutex);
    for (std::size_t i = 0; i < txs.size(); ++i) {
      if (auto sender = state.known_sender(hashes[i], txs[i])) senders[i] = Result<Address>(*sender);
    }
  }
  workers_->parallel_for(txs.size(), [&](std::size_t i) {
    if (!senders[i]) senders[i] = txs[i].verify(suite_);
  });
  std::unordered_set<std::string> nonces;
  std::lock_guard lock(state.mutex);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    const Result<Address>& sender = *senders[i];
    if (!sender.ok()) return at(i, sender.error());
    const std::string key = nonce_key(sender.value(), txs[i].nonce);
    if (!nonces.insert(key).second) return at(i, invalid("the sender's nonce appears twice in the block"));
    auto committed = state.committed_nonces.find(key);
    if (committed != state.committed_nonces.end()) {
      return at(i, invalid("the sender's nonce was used by a transaction committed at height " +
                           std::to_string(committed->second)));
    }
  }
  return ok_status();
}

void TxPool::on_block_committed(Height height, std::span<const Transaction> txs) {
  State& state = *state_;
  std::vector<Hash256> hashes(txs.size());
  std::vector<std::optional<Result<Address>>> senders(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) hashes[i] = txs[i].hash(suite_);
  {
    std::lock_guard lock(state.mutex);
    for (std::size_t i = 0; i < txs.size(); ++i) {
      if (auto sender = state.known_sender(hashes[i], txs[i])) senders[i] = Result<Address>(*sender);
    }
  }
  // Committed transactions the pool never saw: their senders come from their signatures.
  workers_->parallel_for(txs.size(), [&](std::size_t i) {
    if (!senders[i]) senders[i] = txs[i].verify(suite_);
  });

  std::lock_guard lock(state.mutex);
  assert(!state.tip || height > *state.tip);
  state.tip = height;
  std::vector<std::string> keys;
  keys.reserve(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    state.remove(hashes[i]);
    if (!senders[i]->ok()) continue;  // cannot happen for a validated block; nothing to remember
    std::string key = nonce_key(senders[i]->value(), txs[i].nonce);
    // A waiting transaction that reuses a committed nonce can never be included: drop it.
    auto pending = state.pending_nonces.find(key);
    if (pending != state.pending_nonces.end()) state.remove(Hash256(pending->second));
    state.committed_nonces[key] = height;
    keys.push_back(std::move(key));
  }
  state.committed_by_height.emplace_back(height, std::move(keys));
  const Height window = state.options.block_limit_window;
  while (!state.committed_by_height.empty() && state.committed_by_height.front().first + window <= height) {
    for (const auto& key : state.committed_by_height.front().second) {
      auto it = state.committed_nonces.find(key);
      if (it != state.committed_nonces.end() && it->second == state.committed_by_height.front().first) {
        state.committed_nonces.erase(it);
      }
    }
    state.committed_by_height.pop_front();
  }
  while (!state.by_block_limit.empty() && state.by_block_limit.begin()->first <= height) {
    state.remove(Hash256(state.by_block_limit.begin()->second));
  }
}

std::size_t TxPool::size() const {
  std::lock_guard lock(state_->mutex);
  return state_->by_hash.size();
}

bool TxPool::contains(const Hash256& hash) const {
  std::lock_guard lock(state_->mutex);
  return state_->by_hash.count(hash) != 0;
}

std::optional<PooledTransaction> TxPool::find(const Hash256& hash) const {
  std::lock_guard lock(state_->mutex);
  auto it = state_->by_hash.find(hash);
  if (it == state_->by_hash.end()) return std::nullopt;
  return it->second.pooled;
}

std::optional<Height> TxPool::tip() const {
  std::lock_guard lock(state_->mutex);
  return state_->tip;
}

}  // namespace trestle::ledger
