#include "trestle/ledger/tx_pool.hpp"

#include <cassert>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/sm2.hpp"
#include "worker_pool.hpp"

namespace trestle::ledger {

namespace {

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

Error bad_signature() { return Error(ErrorCode::kAuthFailed, "transaction signature does not verify"); }

// An sm transaction ready for the batch verifier, or the reason it cannot verify. The errors are
// Transaction::verify's, so that a batch answers as one-by-one verification would.
struct SmPrepared {
  std::optional<crypto::sm2::VerifyRequest> request;
  Address address;
  Result<Address> failure = bad_signature();
};

SmPrepared prepare_sm(const crypto::CryptoSuite& suite, const Transaction& tx) {
  SmPrepared out;
  if (tx.sender.size() != Transaction::kSenderKeySize) {
    out.failure = invalid("transaction sender is " + std::to_string(tx.sender.size()) + " bytes; suite " +
                          std::string(suite.name()) + " needs the 64-byte public key");
    return out;
  }
  auto key = crypto::PublicKey::parse(crypto::KeyType::kSm2, tx.sender);
  if (!key.ok()) {
    out.failure = Error(ErrorCode::kAuthFailed, "transaction sender key is not a valid public key");
    return out;
  }
  auto signature = crypto::sm2::Signature::from_bytes(tx.signature);
  if (!signature.ok()) return out;  // not 64 bytes: the suite's verify is false
  // e = SM3(Z_A || M) with the default user ID, as the sm suite's verify computes it.
  auto digest = crypto::sm2::message_digest(key.value(), tx.signing_bytes());
  if (!digest.ok()) return out;
  out.address = suite.address(key.value());
  out.request = crypto::sm2::VerifyRequest{key.value(), digest.value(), signature.value()};
  return out;
}

}  // namespace

// Signature checks for batches. ecdsa verifies (recovers) through the suite on the worker
// threads; sm computes the digests on the workers, then verifies them all with one
// sm2::Verifier::verify_batch, whose per-key tables make repeat senders about 2.5x cheaper.
class TxPool::Workers {
 public:
  Workers(const crypto::CryptoSuite& suite, std::size_t thread_count) : suite_(suite), pool_(thread_count) {
    if (suite.id() == crypto::SuiteId::kSm) {
      crypto::sm2::VerifierOptions options;
      // The workers and the caller, as the worker pool counts them.
      options.threads = static_cast<unsigned>(thread_count + 1);
      verifier_ = std::make_unique<crypto::sm2::Verifier>(options);
    }
  }

  // Runs fn(i) for every i in [0, count) on the workers and the caller.
  void parallel_for(std::size_t count, const std::function<void(std::size_t)>& fn) { pool_.parallel_for(count, fn); }

  void verify_missing(std::span<const Transaction> txs, std::span<std::optional<Result<Address>>> senders) {
    std::vector<const Transaction*> pointers(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i) pointers[i] = &txs[i];
    verify_missing(pointers, senders);
  }

  // For every i where senders[i] is empty and txs[i] is not null: senders[i] = txs[i]->verify(suite).
  void verify_missing(std::span<const Transaction* const> txs, std::span<std::optional<Result<Address>>> senders) {
    assert(txs.size() == senders.size());
    if (!verifier_) {
      pool_.parallel_for(txs.size(), [&](std::size_t i) {
        if (txs[i] != nullptr && !senders[i]) senders[i] = txs[i]->verify(suite_);
      });
      return;
    }
    std::vector<SmPrepared> prepared(txs.size());
    pool_.parallel_for(txs.size(), [&](std::size_t i) {
      if (txs[i] != nullptr && !senders[i]) prepared[i] = prepare_sm(suite_, *txs[i]);
    });
    std::vector<crypto::sm2::VerifyRequest> requests;
    std::vector<std::size_t> request_index;
    requests.reserve(txs.size());
    request_index.reserve(txs.size());
    for (std::size_t i = 0; i < txs.size(); ++i) {
      if (txs[i] == nullptr || senders[i]) continue;
      if (prepared[i].request) {
        requests.push_back(*prepared[i].request);
        request_index.push_back(i);
      } else {
        senders[i] = std::move(prepared[i].failure);
      }
    }
    const std::vector<bool> verified = verifier_->verify_batch(requests);
    for (std::size_t j = 0; j < requests.size(); ++j) {
      const std::size_t i = request_index[j];
      senders[i] = verified[j] ? Result<Address>(prepared[i].address) : Result<Address>(bad_signature());
    }
  }

 private:
  const crypto::CryptoSuite& suite_;
  detail::WorkerPool pool_;
  std::unique_ptr<crypto::sm2::Verifier> verifier_;  // sm only
};

namespace {

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
      workers_(std::make_unique<Workers>(suite, options.verify_thread_count)) {
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
  const std::size_t count = encoded.size();
  // Decoding and hashing run on the workers too: they read the pool's state only under its lock.
  std::vector<std::optional<Result<Candidate>>> candidates(count);
  workers_->parallel_for(count, [&](std::size_t i) { candidates[i] = state.precheck(suite_, encoded[i]); });
  std::vector<const Transaction*> txs(count, nullptr);
  for (std::size_t i = 0; i < count; ++i) {
    if (candidates[i]->ok()) txs[i] = &candidates[i]->value().tx;
  }
  std::vector<std::optional<Result<Address>>> senders(count);
  workers_->verify_missing(txs, senders);

  std::vector<Result<Hash256>> results;
  results.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Result<Candidate>& result = *candidates[i];
    if (!result.ok()) {
      results.emplace_back(result.error());
      continue;
    }
    Candidate& candidate = result.value();
    if (!senders[i]->ok()) {
      results.emplace_back(senders[i]->error());
      continue;
    }
    const Address sender = senders[i]->value();
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
  workers_->verify_missing(txs, senders);
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
  workers_->verify_missing(txs, senders);

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
