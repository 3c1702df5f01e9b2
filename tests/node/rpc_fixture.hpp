#pragma once
// The JSON-RPC tests' fixture: a fake node (NodeApi) over a real in-memory ledger with a few
// committed blocks of signed transactions, a store whose reads fail, and request helpers.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "trestle/core/hex.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/memory_store.hpp"
#include "trestle/ledger/write_set.hpp"
#include "trestle/node/rpc_server.hpp"

namespace trestle::node::rpc_test {

using json = nlohmann::json;
using ledger::Height;
using ledger::Transaction;

inline constexpr const char* kChainId = "chain0";

inline crypto::PrivateKey test_key(const crypto::CryptoSuite& suite, std::uint8_t n) {
  Bytes scalar(32, 0);
  scalar[0] = 0x11;
  scalar[31] = n;
  return crypto::PrivateKey::from_bytes(suite.key_type(), scalar).value();
}

inline Transaction signed_tx(const crypto::CryptoSuite& suite, std::uint8_t key, std::uint64_t nonce) {
  Transaction tx;
  tx.chain_id = kChainId;
  tx.group_id = "group0";
  for (int shift = 56; shift >= 0; shift -= 8) tx.nonce.push_back(static_cast<std::uint8_t>(nonce >> shift));
  tx.block_limit = 100;
  Address target;
  target[19] = 0x42;
  tx.target = target;
  tx.payload = {1, 2, 3, static_cast<std::uint8_t>(nonce)};
  tx.timestamp_ms = 1'700'000'000'000;
  if (!tx.sign(suite, test_key(suite, key)).ok()) throw std::runtime_error("signing failed");
  return tx;
}

// Commits a block of `txs` on the store's tip with correct roots, one receipt per transaction.
inline void commit_block(ledger::Store& store, const crypto::CryptoSuite& suite, std::vector<Transaction> txs,
                         const ledger::WriteSet& writes) {
  const auto tip = store.tip();
  ledger::Block block;
  block.header.height = tip ? tip->height + 1 : 0;
  block.header.parent_hash = tip ? tip->block_hash : Hash256();
  block.header.timestamp_ms = 1'700'000'000'000 + block.header.height;
  block.header.tx_count = static_cast<std::uint32_t>(txs.size());
  block.transactions = std::move(txs);
  std::vector<ledger::Receipt> receipts;
  for (const auto& tx : block.transactions) {
    ledger::Receipt receipt;
    receipt.tx_hash = tx.hash(suite);
    receipt.output = tx.payload;
    receipt.height = block.header.height;
    ledger::LogEntry log;
    log.address[0] = 0xaa;
    log.topics.push_back(receipt.tx_hash);
    log.data = {7, 8};
    receipt.logs.push_back(log);
    receipts.push_back(std::move(receipt));
  }
  block.header.tx_root = ledger::transaction_root(suite, block.transactions);
  block.header.receipt_root = ledger::receipt_root(suite, receipts);
  block.header.state_root = ledger::next_state_root(suite, tip ? tip->state_root : Hash256(), writes);
  block.header.sealer_set_hash = suite.hash(as_bytes("sealers"));
  block.header.certificate = {ledger::SealerSignature{0, Bytes(64, 0x01)}, ledger::SealerSignature{2, Bytes(64, 0x02)}};
  const auto committed = store.commit(block, receipts, writes);
  if (!committed.ok()) throw std::runtime_error(committed.error().message());
}

// A store whose every read fails as a failing disk does.
class FailingStore : public ledger::Store {
 public:
  explicit FailingStore(const crypto::CryptoSuite& suite) : suite_(suite) {}
  const crypto::CryptoSuite& suite() const override { return suite_; }
  const std::string& chain_id() const override { return chain_id_; }
  const ledger::Limits& limits() const override { return limits_; }
  std::optional<ledger::ChainTip> tip() const override { return ledger::ChainTip{5, Hash256(), Hash256()}; }
  Status commit(const ledger::Block&, std::span<const ledger::Receipt>, const ledger::WriteSet&) override {
    return io();
  }
  Result<ledger::BlockHeader> header_at(Height) const override { return io(); }
  Result<std::vector<Transaction>> transactions_at(Height) const override { return io(); }
  Result<Transaction> transaction_at(Height, std::uint32_t) const override { return io(); }
  Result<std::vector<ledger::Receipt>> receipts_at(Height) const override { return io(); }
  Result<ledger::Receipt> receipt_at(Height, std::uint32_t) const override { return io(); }
  Result<Height> height_of(const Hash256&) const override { return io(); }
  Result<ledger::TxLocation> locate_transaction(const Hash256&) const override { return io(); }
  Result<std::unique_ptr<ledger::StateView>> state_view() const override { return io(); }

 private:
  static Error io() { return Error(ErrorCode::kIo, "disk failing"); }
  const crypto::CryptoSuite& suite_;
  std::string chain_id_ = kChainId;
  ledger::Limits limits_;
};

// NodeApi over a store: the pool is a set of accepted hashes; peers, sealers and counters are
// fixed values the tests compare with.
class FakeNodeApi : public NodeApi {
 public:
  explicit FakeNodeApi(const crypto::CryptoSuite& suite)
      : suite_(suite), store_(ledger::MemoryStore::create(suite, kChainId)) {}

  const crypto::CryptoSuite& suite() const override { return suite_; }
  const ledger::Store& store() const override {
    if (failing_) return *failing_;
    return *store_;
  }
  ledger::Store& mutable_store() { return *store_; }
  void fail_store() { failing_ = std::make_unique<FailingStore>(suite_); }

  Result<Hash256> submit_transaction(ByteView encoded) override {
    if (pool_full) return Error(ErrorCode::kLimitExceeded, "the pool holds 10 transactions, its limit");
    auto tx = Transaction::decode(encoded, store_->limits());
    if (!tx.ok()) return tx.error().with_context("transaction");
    auto sender = tx.value().verify(suite_);
    if (!sender.ok()) return sender.error();
    std::lock_guard lock(mutex_);
    pending_.emplace(tx.value().hash(suite_), tx.value());
    return tx.value().hash(suite_);
  }
  std::optional<ledger::Transaction> pending_transaction(const Hash256& tx_hash) const override {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(tx_hash);
    if (it == pending_.end()) return std::nullopt;
    return it->second;
  }

  NodeInfo info() const override {
    if (throw_from_info) throw std::runtime_error("info exploded");
    NodeInfo out;
    out.version = "0.1.0";
    out.chain_id = kChainId;
    out.group_id = "group0";
    out.suite = "sm";
    out.consensus = "pbft";
    out.application = "kv";
    out.node_index = 1;
    out.node_id[0] = 0x77;
    out.sealer_count = 4;
    out.uptime_ms = 1234;
    return out;
  }
  std::vector<SealerInfo> sealers() const override {
    std::vector<SealerInfo> out;
    for (std::uint8_t i = 0; i < 2; ++i) {
      const auto key = test_key(suite_, i + 1);
      SealerInfo sealer;
      sealer.index = i;
      sealer.public_key = Bytes(key.public_key().xy().begin(), key.public_key().xy().end());
      sealer.address = suite_.address(key.public_key());
      sealer.node_id = network::node_id_of(suite_, key.public_key());
      out.push_back(sealer);
    }
    return out;
  }
  std::vector<PeerInfo> peers() const override {
    PeerInfo peer;
    peer.index = 2;
    peer.stats.peer[0] = 0x22;
    peer.stats.connected = true;
    peer.stats.outbound = true;
    peer.stats.remote_endpoint = "127.0.0.1:30302";
    peer.stats.bytes_sent = 1000;
    peer.stats.bytes_received = 2000;
    peer.stats.frames_dropped = 3;
    peer.stats.reconnects = 4;
    PeerInfo other;
    other.index = 3;
    return {peer, other};
  }
  SyncStatus sync_status() const override { return {true, 2, 9, 5}; }
  NodeMetrics metrics() const override {
    NodeMetrics out;
    out.height = 2;
    out.txs_committed = 5;
    out.blocks_committed = 3;
    out.pool_size = 1;
    out.txs_submitted = 6;
    out.txs_rejected = 7;
    out.view_changes = 8;
    out.consensus_dropped = 9;
    out.blocks_synced = 10;
    out.peer_messages_dropped = 11;
    out.peers = peers();
    return out;
  }

  std::atomic<bool> pool_full{false};
  std::atomic<bool> throw_from_info{false};

 private:
  const crypto::CryptoSuite& suite_;
  std::unique_ptr<ledger::MemoryStore> store_;
  std::unique_ptr<FailingStore> failing_;
  mutable std::mutex mutex_;
  std::map<Hash256, ledger::Transaction> pending_;
};

// A node with three blocks: 1, 3 and 2 transactions, and a state write.
struct Chain {
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::sm();
  FakeNodeApi api{suite};
  std::vector<std::vector<Transaction>> blocks;

  Chain() {
    std::uint64_t nonce = 0;
    for (std::size_t count : {1u, 3u, 2u}) {
      std::vector<Transaction> txs;
      for (std::size_t i = 0; i < count; ++i) txs.push_back(signed_tx(suite, 1, nonce++));
      ledger::WriteSet writes;
      if (blocks.size() == 1) writes.put("accounts", as_bytes("alice"), as_bytes("100"));
      blocks.push_back(txs);
      commit_block(api.mutable_store(), suite, txs, writes);
    }
  }
  std::string tx_hash(std::size_t height, std::size_t index) const { return to_hex(blocks[height][index].hash(suite)); }
  std::string block_hash(Height height) const { return to_hex(api.store().header_at(height).value().hash(suite)); }
};

inline json request(const std::string& method, json params, json id = 1) {
  return {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}, {"params", std::move(params)}};
}

inline json raw(FakeNodeApi& api, const std::string& body, std::size_t batch_max = 1'000) {
  const auto answer = RpcServer::handle(api, body, batch_max);
  return answer.empty() ? json() : json::parse(answer);
}

// The response to one call; checks the envelope.
inline json call(FakeNodeApi& api, const std::string& method, json params) {
  const json answer = raw(api, request(method, std::move(params)).dump());
  REQUIRE(answer["jsonrpc"] == "2.0");
  REQUIRE(answer["id"] == 1);
  return answer;
}

inline json result(FakeNodeApi& api, const std::string& method, json params = json::array()) {
  const json answer = call(api, method, std::move(params));
  INFO(answer.dump());
  REQUIRE(answer.contains("result"));
  REQUIRE_FALSE(answer.contains("error"));
  return answer["result"];
}

inline json error(FakeNodeApi& api, const std::string& method, json params) {
  const json answer = call(api, method, std::move(params));
  INFO(answer.dump());
  REQUIRE(answer.contains("error"));
  REQUIRE_FALSE(answer.contains("result"));
  return answer["error"];
}

}  // namespace trestle::node::rpc_test
