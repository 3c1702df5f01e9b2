// The JSON-RPC server: every method and error code through RpcServer::handle over a fake node with
// a real in-memory ledger, the metrics text, and the HTTP server over real sockets.

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

namespace trestle::node {
namespace {

using json = nlohmann::json;
using ledger::Height;
using ledger::Transaction;

constexpr const char* kChainId = "chain0";

crypto::PrivateKey test_key(const crypto::CryptoSuite& suite, std::uint8_t n) {
  Bytes scalar(32, 0);
  scalar[0] = 0x11;
  scalar[31] = n;
  return crypto::PrivateKey::from_bytes(suite.key_type(), scalar).value();
}

Transaction signed_tx(const crypto::CryptoSuite& suite, std::uint8_t key, std::uint64_t nonce) {
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
void commit_block(ledger::Store& store, const crypto::CryptoSuite& suite, std::vector<Transaction> txs,
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

json request(const std::string& method, json params, json id = 1) {
  return {{"jsonrpc", "2.0"}, {"id", std::move(id)}, {"method", method}, {"params", std::move(params)}};
}

json raw(FakeNodeApi& api, const std::string& body, std::size_t batch_max = 1'000) {
  const auto answer = RpcServer::handle(api, body, batch_max);
  return answer.empty() ? json() : json::parse(answer);
}

// The response to one call; checks the envelope.
json call(FakeNodeApi& api, const std::string& method, json params) {
  const json answer = raw(api, request(method, std::move(params)).dump());
  REQUIRE(answer["jsonrpc"] == "2.0");
  REQUIRE(answer["id"] == 1);
  return answer;
}

json result(FakeNodeApi& api, const std::string& method, json params = json::array()) {
  const json answer = call(api, method, std::move(params));
  INFO(answer.dump());
  REQUIRE(answer.contains("result"));
  REQUIRE_FALSE(answer.contains("error"));
  return answer["result"];
}

json error(FakeNodeApi& api, const std::string& method, json params) {
  const json answer = call(api, method, std::move(params));
  INFO(answer.dump());
  REQUIRE(answer.contains("error"));
  REQUIRE_FALSE(answer.contains("result"));
  return answer["error"];
}

TEST_CASE("rpc: blocks by number and by hash", "[node][rpc]") {
  Chain chain;
  CHECK(result(chain.api, "getBlockNumber") == 2);

  const json block = result(chain.api, "getBlockByNumber", {1});
  CHECK(block["height"] == 1);
  CHECK(block["hash"] == chain.block_hash(1));
  CHECK(block["parent_hash"] == chain.block_hash(0));
  CHECK(block["tx_count"] == 3);
  CHECK(block["certificate"].size() == 2);
  REQUIRE(block["transactions"].size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(block["transactions"][i] == chain.tx_hash(1, i));

  const json full = result(chain.api, "getBlockByNumber", {1, true});
  REQUIRE(full["transactions"].size() == 3);
  CHECK(full["transactions"][2]["hash"] == chain.tx_hash(1, 2));
  CHECK(full["transactions"][2]["signature_valid"] == true);
  CHECK(full["transactions"][2]["chain_id"] == kChainId);

  CHECK(result(chain.api, "getBlockByNumber", {3}).is_null());
  CHECK(result(chain.api, "getBlockByNumber", {1, false}) == block);

  CHECK(result(chain.api, "getBlockByHash", {chain.block_hash(2)})["height"] == 2);
  std::string upper = chain.block_hash(2);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(result(chain.api, "getBlockByHash", {"0X" + upper, true})["transactions"][1]["hash"] == chain.tx_hash(2, 1));
  CHECK(result(chain.api, "getBlockByHash", {std::string(64, 'a')}).is_null());
}

TEST_CASE("rpc: transactions, receipts and pending transactions", "[node][rpc]") {
  Chain chain;
  const json tx = result(chain.api, "getTransaction", {chain.tx_hash(1, 2)});
  CHECK(tx["hash"] == chain.tx_hash(1, 2));
  CHECK(tx["height"] == 1);
  CHECK(tx["index"] == 2);
  CHECK(tx["signature_valid"] == true);
  CHECK(tx["payload"] == to_hex(chain.blocks[1][2].payload));

  const json receipt = result(chain.api, "getTransactionReceipt", {"0x" + chain.tx_hash(2, 0)});
  CHECK(receipt["tx_hash"] == chain.tx_hash(2, 0));
  CHECK(receipt["height"] == 2);
  CHECK(receipt["status"] == 0);
  CHECK(receipt["logs"][0]["data"] == "0708");

  // Submitted, not committed: pending with a null location, no receipt yet.
  const auto fresh = signed_tx(chain.suite, 2, 99);
  const json hash = result(chain.api, "sendTransaction", {to_hex(fresh.encode())});
  CHECK(hash == to_hex(fresh.hash(chain.suite)));
  const json pending = result(chain.api, "getTransaction", {hash});
  CHECK(pending["hash"] == hash);
  CHECK(pending["signature_valid"] == true);
  CHECK(pending["height"].is_null());
  CHECK(pending["index"].is_null());
  CHECK(result(chain.api, "getTransactionReceipt", {hash}).is_null());

  const std::string unknown(64, '0');
  CHECK(result(chain.api, "getTransaction", {unknown}).is_null());
  CHECK(result(chain.api, "getTransactionReceipt", {unknown}).is_null());
}

TEST_CASE("rpc: inclusion proofs verify against the header", "[node][rpc]") {
  Chain chain;
  const auto& limits = chain.api.store().limits();
  for (const char* method : {"getTransactionProof", "getReceiptProof"}) {
    const json proof = result(chain.api, method, {chain.tx_hash(1, 1)});
    const auto header = ledger::BlockHeader::decode(from_hex(proof["header"].get<std::string>()).value(), limits);
    const auto tx = Transaction::decode(from_hex(proof["transaction"].get<std::string>()).value(), limits);
    const auto receipt = ledger::Receipt::decode(from_hex(proof["receipt"].get<std::string>()).value(), limits);
    const auto tx_proof =
        ledger::MerkleProof::decode(from_hex(proof["transaction_proof"].get<std::string>()).value(), limits);
    const auto receipt_proof =
        ledger::MerkleProof::decode(from_hex(proof["receipt_proof"].get<std::string>()).value(), limits);
    REQUIRE((header.ok() && tx.ok() && receipt.ok() && tx_proof.ok() && receipt_proof.ok()));
    CHECK(header.value().height == 1);
    CHECK(tx.value() == chain.blocks[1][1]);
    CHECK(to_hex(receipt.value().tx_hash) == chain.tx_hash(1, 1));
    CHECK(tx_proof.value().leaf_index == 1);
    CHECK(ledger::verify_transaction_inclusion(chain.suite, header.value(), tx.value(), tx_proof.value()));
    CHECK(ledger::verify_receipt_inclusion(chain.suite, header.value(), receipt.value(), receipt_proof.value()));
  }
  const json missing = error(chain.api, "getTransactionProof", {std::string(64, 'b')});
  CHECK(missing["code"] == -32004);
  CHECK(missing["message"].get<std::string>().find(std::string(64, 'b')) != std::string::npos);
  CHECK(error(chain.api, "getReceiptProof", {std::string(64, 'b')})["code"] == -32004);
}

TEST_CASE("rpc: state, sealers, peers, sync status and node info", "[node][rpc]") {
  Chain chain;
  CHECK(result(chain.api, "getState", {"accounts", to_hex(as_bytes("alice"))}) == to_hex(as_bytes("100")));
  CHECK(result(chain.api, "getState", {"accounts", "0x" + to_hex(as_bytes("bob"))}).is_null());
  CHECK(result(chain.api, "getState", {"other", "00"}).is_null());

  const json sealers = result(chain.api, "getSealers");
  REQUIRE(sealers.size() == 2);
  const auto key = test_key(chain.suite, 2);
  CHECK(sealers[1]["index"] == 1);
  CHECK(sealers[1]["public_key"] == to_hex(key.public_key().xy()));
  CHECK(sealers[1]["address"] == to_hex(chain.suite.address(key.public_key())));
  CHECK(sealers[1]["node_id"] == to_hex(network::node_id_of(chain.suite, key.public_key())));

  const json peers = result(chain.api, "getPeers");
  REQUIRE(peers.size() == 2);
  for (const char* field : {"index", "node_id", "connected", "outbound", "remote_endpoint", "bytes_sent",
                            "bytes_received", "frames_sent", "frames_received", "frames_dropped", "connects",
                            "reconnects", "disconnects", "queued_bytes", "queued_frames"}) {
    CHECK(peers[0].contains(field));
  }
  CHECK(peers[0].size() == 15);
  CHECK(peers[0]["index"] == 2);
  CHECK(peers[0]["remote_endpoint"] == "127.0.0.1:30302");
  CHECK(peers[0]["bytes_received"] == 2000);
  CHECK(peers[0]["node_id"].get<std::string>().substr(0, 2) == "22");
  CHECK(peers[1]["connected"] == false);

  CHECK(result(chain.api, "getSyncStatus") ==
        json{{"syncing", true}, {"height", 2}, {"highest_height", 9}, {"blocks_synced", 5}});

  const json info = result(chain.api, "getNodeInfo");
  CHECK(info.size() == 12);
  CHECK(info["consensus_failed"] == false);
  CHECK(info["version"] == "0.1.0");
  CHECK(info["suite"] == "sm");
  CHECK(info["consensus"] == "pbft");
  CHECK(info["application"] == "kv");
  CHECK(info["node_index"] == 1);
  CHECK(info["sealer_count"] == 4);
  CHECK(info["uptime_ms"] == 1234);
  CHECK(info["height"] == 2);
  CHECK(info["node_id"].get<std::string>().size() == 64);
}

TEST_CASE("rpc: the pool's refusals are -32010 with the status", "[node][rpc]") {
  Chain chain;
  auto bad_signature = signed_tx(chain.suite, 1, 500);
  bad_signature.signature[5] ^= 0x01;
  json refused = error(chain.api, "sendTransaction", {to_hex(bad_signature.encode())});
  CHECK(refused["code"] == -32010);
  CHECK(refused["data"]["status"] == "auth_failed");

  refused = error(chain.api, "sendTransaction", {"01ff"});
  CHECK(refused["code"] == -32010);
  CHECK(refused["data"]["status"] == "invalid_argument");
  CHECK(refused["message"].get<std::string>().find("transaction") != std::string::npos);

  chain.api.pool_full = true;
  refused = error(chain.api, "sendTransaction", {to_hex(signed_tx(chain.suite, 1, 501).encode())});
  CHECK(refused["code"] == -32010);
  CHECK(refused["data"]["status"] == "limit_exceeded");
  CHECK(refused["message"] == "the pool holds 10 transactions, its limit");
}

TEST_CASE("rpc: invalid params name the param", "[node][rpc]") {
  Chain chain;
  const auto invalid = [&](const std::string& method, json params, const std::string& says) {
    const json failure = error(chain.api, method, std::move(params));
    CHECK(failure["code"] == -32602);
    CHECK_THAT(failure["message"].get<std::string>(), Catch::Contains(says));
  };
  invalid("getTransaction", json::array(), "params[0]: missing");
  invalid("getTransaction", {42}, "params[0]: expected 64 hex digits");
  invalid("getTransaction", {"abcd"}, "params[0]: expected 64 hex digits");
  invalid("getTransaction", {std::string(63, 'a') + "g"}, "params[0]: expected 64 hex digits");
  invalid("getTransaction", {std::string(64, 'a'), 1}, "at most 1 params, got 2");
  invalid("getTransactionReceipt", {nullptr}, "params[0]");
  invalid("getTransactionProof", {"0x12"}, "params[0]");
  invalid("getBlockByNumber", {-1}, "params[0]: expected a block height");
  invalid("getBlockByNumber", {"1"}, "params[0]: expected a block height");
  invalid("getBlockByNumber", {1.5}, "params[0]: expected a block height");
  invalid("getBlockByNumber", {1, "yes"}, "params[1]: expected true or false");
  invalid("getBlockByNumber", {1, true, 3}, "at most 2 params");
  invalid("getBlockByHash", {"xyz"}, "params[0]");
  invalid("getBlockNumber", {1}, "at most 0 params");
  invalid("getPeers", {1}, "at most 0 params");
  invalid("getState", {"accounts"}, "params[1]: missing");
  invalid("getState", {"", "00"}, "params[0]: a table name has 1..64 bytes");
  invalid("getState", {7, "00"}, "params[0]");
  invalid("getState", {"accounts", "0g"}, "params[1]");
  invalid("getState", {"accounts", ""}, "params[1]");
  invalid("sendTransaction", json::array(), "params[0]: missing");
  invalid("sendTransaction", {"abc"}, "params[0]");
  invalid("sendTransaction", {true}, "params[0]");
}

TEST_CASE("rpc: malformed requests get the JSON-RPC error codes", "[node][rpc]") {
  Chain chain;
  json answer = raw(chain.api, "{\"jsonrpc\": \"2.0\", \"id\": 1, ");
  CHECK(answer["error"]["code"] == -32700);
  CHECK(answer["id"].is_null());
  CHECK(raw(chain.api, "")["error"]["code"] == -32700);
  CHECK(raw(chain.api, "\xff\xfe garbage")["error"]["code"] == -32700);

  answer = raw(chain.api, R"({"jsonrpc":"1.0","id":"x","method":"getBlockNumber","params":[]})");
  CHECK(answer["error"]["code"] == -32600);
  CHECK(answer["id"] == "x");
  CHECK(raw(chain.api, R"({"id":1,"method":"getBlockNumber"})")["error"]["code"] == -32600);
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":1,"method":5})")["error"]["code"] == -32600);
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":1,"method":"getBlockNumber","params":{}})")["error"]["code"] == -32600);
  answer = raw(chain.api, R"({"jsonrpc":"2.0","id":{"a":1},"method":"getBlockNumber"})");
  CHECK(answer["error"]["code"] == -32600);
  CHECK(answer["id"].is_null());
  CHECK(raw(chain.api, "42")["error"]["code"] == -32600);
  CHECK(raw(chain.api, "\"text\"")["error"]["code"] == -32600);

  // Omitted params are []; ids of every allowed type come back unchanged.
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":7,"method":"getBlockNumber"})")["result"] == 2);
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":null,"method":"getBlockNumber"})")["id"].is_null());
  CHECK(raw(chain.api, R"({"jsonrpc":"2.0","id":"abc","method":"getBlockNumber"})")["id"] == "abc");

  answer = raw(chain.api, request("eth_blockNumber", json::array()).dump());
  CHECK(answer["error"]["code"] == -32601);
  CHECK(answer["error"]["message"] == "method not found: eth_blockNumber");
  // A long unknown name is cut in the message.
  answer = raw(chain.api, request(std::string(10'000, 'm'), json::array()).dump());
  CHECK(answer["error"]["message"].get<std::string>().size() < 200);
  // JSON is UTF-8: other bytes in a string are a parse error.
  answer = raw(chain.api, std::string(R"({"jsonrpc":"2.0","id":1,"method":"bad)") + "\xc3\x28" + "\"}");
  CHECK(answer["error"]["code"] == -32700);
}

TEST_CASE("rpc: strings that are not UTF-8 in the ledger are answered", "[node][rpc]") {
  Chain chain;
  // The ledger stores chain and group ids as bytes; the answer replaces what is not UTF-8.
  auto tx = signed_tx(chain.suite, 1, 900);
  tx.group_id = "g\xc3\x28";
  REQUIRE(tx.sign(chain.suite, test_key(chain.suite, 1)).ok());
  commit_block(chain.api.mutable_store(), chain.suite, {tx}, {});
  const json block = result(chain.api, "getBlockByNumber", {3, true});
  CHECK(block["transactions"][0]["hash"] == to_hex(tx.hash(chain.suite)));
  CHECK(block["transactions"][0]["group_id"] == "g\xef\xbf\xbd(");
}

TEST_CASE("rpc: notifications and batches", "[node][rpc]") {
  Chain chain;
  // A notification runs but is not answered.
  const auto fresh = signed_tx(chain.suite, 3, 1);
  json note = request("sendTransaction", {to_hex(fresh.encode())});
  note.erase("id");
  CHECK(RpcServer::handle(chain.api, note.dump()).empty());
  CHECK(chain.api.pending_transaction(fresh.hash(chain.suite)).has_value());

  json answer = raw(chain.api, "[]");
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32600);

  const json batch = {request("getBlockNumber", json::array(), 1),
                      {{"jsonrpc", "2.0"}, {"method", "getBlockNumber"}},
                      5,
                      request("nope", json::array(), "b"),
                      request("getBlockByNumber", {"x"}, 3)};
  answer = raw(chain.api, batch.dump());
  REQUIRE(answer.is_array());
  REQUIRE(answer.size() == 4);
  CHECK(answer[0]["id"] == 1);
  CHECK(answer[0]["result"] == 2);
  CHECK(answer[1]["id"].is_null());
  CHECK(answer[1]["error"]["code"] == -32600);
  CHECK(answer[2]["id"] == "b");
  CHECK(answer[2]["error"]["code"] == -32601);
  CHECK(answer[3]["id"] == 3);
  CHECK(answer[3]["error"]["code"] == -32602);

  CHECK(RpcServer::handle(chain.api, json::array({note, note}).dump()).empty());

  answer = raw(chain.api,
               json::array({request("getBlockNumber", json::array()), request("getPeers", json::array()),
                            request("getSealers", json::array())})
                   .dump(),
               2);
  REQUIRE(answer.is_object());
  CHECK(answer["error"]["code"] == -32600);
  CHECK_THAT(answer["error"]["message"].get<std::string>(), Catch::Contains("limit of 2"));
}

TEST_CASE("rpc: failures inside the node are -32603", "[node][rpc]") {
  Chain chain;
  chain.api.throw_from_info = true;
  json failure = error(chain.api, "getNodeInfo", json::array());
  CHECK(failure["code"] == -32603);
  CHECK_THAT(failure["message"].get<std::string>(), Catch::Contains("info exploded"));

  chain.api.fail_store();
  for (const auto& [method, params] :
       std::vector<std::pair<std::string, json>>{{"getBlockByNumber", {1}},
                                                 {"getBlockByHash", {std::string(64, 'a')}},
                                                 {"getTransaction", {std::string(64, 'a')}},
                                                 {"getTransactionReceipt", {std::string(64, 'a')}},
                                                 {"getTransactionProof", {std::string(64, 'a')}},
                                                 {"getState", {"accounts", "00"}}}) {
    failure = error(chain.api, method, params);
    CHECK(failure["code"] == -32603);
    CHECK_THAT(failure["message"].get<std::string>(), Catch::Contains("disk failing"));
  }
  CHECK(result(chain.api, "getBlockNumber") == 5);
}

TEST_CASE("rpc: metrics text has every series", "[node][rpc]") {
  Chain chain;
  const std::string text = RpcServer::metrics_text(chain.api);
  const std::map<std::string, std::string> series = {{"trestle_block_height", "gauge"},
                                                     {"trestle_txs_committed_total", "counter"},
                                                     {"trestle_blocks_committed_total", "counter"},
                                                     {"trestle_txpool_size", "gauge"},
                                                     {"trestle_txs_submitted_total", "counter"},
                                                     {"trestle_txs_rejected_total", "counter"},
                                                     {"trestle_consensus_view_changes_total", "counter"},
                                                     {"trestle_consensus_dropped_messages_total", "counter"},
                                                     {"trestle_blocks_synced_total", "counter"},
                                                     {"trestle_peer_messages_dropped_total", "counter"},
                                                     {"trestle_consensus_failed", "gauge"},
                                                     {"trestle_peer_connected", "gauge"},
                                                     {"trestle_peer_bytes_sent_total", "counter"},
                                                     {"trestle_peer_bytes_received_total", "counter"},
                                                     {"trestle_peer_frames_dropped_total", "counter"},
                                                     {"trestle_peer_reconnects_total", "counter"}};
  for (const auto& [name, type] : series) {
    CHECK_THAT(text, Catch::Contains("# HELP " + name + " "));
    CHECK_THAT(text, Catch::Contains("# TYPE " + name + " " + type + "\n"));
  }
  for (const char* line :
       {"trestle_block_height 2\n", "trestle_txs_committed_total 5\n", "trestle_blocks_committed_total 3\n",
        "trestle_txpool_size 1\n", "trestle_txs_submitted_total 6\n", "trestle_txs_rejected_total 7\n",
        "trestle_consensus_view_changes_total 8\n", "trestle_consensus_dropped_messages_total 9\n",
        "trestle_blocks_synced_total 10\n", "trestle_peer_messages_dropped_total 11\n", "trestle_consensus_failed 0\n",
        "trestle_peer_connected{peer=\"2\"} 1\n", "trestle_peer_connected{peer=\"3\"} 0\n",
        "trestle_peer_bytes_sent_total{peer=\"2\"} 1000\n", "trestle_peer_bytes_received_total{peer=\"2\"} 2000\n",
        "trestle_peer_frames_dropped_total{peer=\"2\"} 3\n", "trestle_peer_reconnects_total{peer=\"2\"} 4\n"}) {
    CHECK_THAT(text, Catch::Contains(line));
  }
}

// One HTTP/1.1 exchange over a fresh connection, written by hand so that the test sees the bytes
// any client would.
struct HttpAnswer {
  int status = 0;
  std::string head;
  std::string body;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  return fd;
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (an oversize body)
    sent += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

// Reads one response: the head, then Content-Length bytes of body (or up to the end of the
// connection). Does not wait for the server to close.
HttpAnswer http_exchange(std::uint16_t port, const std::string& request_bytes) {
  const int fd = connect_to(port);
  send_all(fd, request_bytes);
  std::string raw_answer;
  std::size_t head_end = std::string::npos;
  std::size_t body_size = std::string::npos;
  char buffer[4096];
  for (;;) {
    if (head_end == std::string::npos && (head_end = raw_answer.find("\r\n\r\n")) != std::string::npos) {
      std::string head = raw_answer.substr(0, head_end);
      for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto length = head.find("\r\ncontent-length: ");
      if (length != std::string::npos) body_size = std::stoul(head.substr(length + 18));
    }
    if (head_end != std::string::npos && body_size != std::string::npos &&
        raw_answer.size() >= head_end + 4 + body_size) {
      break;
    }
    const auto n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    raw_answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  HttpAnswer answer;
  REQUIRE(head_end != std::string::npos);
  answer.head = raw_answer.substr(0, head_end);
  answer.body = raw_answer.substr(head_end + 4);
  REQUIRE(answer.head.rfind("HTTP/1.1 ", 0) == 0);
  answer.status = std::stoi(answer.head.substr(9, 3));
  return answer;
}

HttpAnswer http(std::uint16_t port, const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& content_type = "application/json") {
  std::string text = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (method == "POST") {
    text += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return http_exchange(port, text + "\r\n" + body);
}

TEST_CASE("rpc: the HTTP server", "[node][rpc][http]") {
  Chain chain;
  RpcServerOptions options;
  options.port = 0;
  options.body_max_bytes = 16384;
  options.threads = 2;
  auto started = RpcServer::start(chain.api, options);
  REQUIRE(started.ok());
  auto server = std::move(started).value();
  const auto port = server->port();
  REQUIRE(port != 0);

  HttpAnswer answer = http(port, "POST", "/", request("getBlockNumber", json::array()).dump());
  CHECK(answer.status == 200);
  CHECK_THAT(answer.head, Catch::Contains("application/json"));
  CHECK(json::parse(answer.body)["result"] == 2);

  answer = http(port, "POST", "/", "{broken");
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["error"]["code"] == -32700);

  answer = http(port, "GET", "/metrics");
  CHECK(answer.status == 200);
  CHECK_THAT(answer.head, Catch::Contains("text/plain; version=0.0.4"));
  CHECK_THAT(answer.body, Catch::Contains("trestle_block_height 2\n"));

  answer = http(port, "POST", "/", std::string(20'000, ' ') + request("getBlockNumber", json::array()).dump());
  CHECK(answer.status == 413);
  CHECK(json::parse(answer.body)["error"]["code"] == -32600);
  CHECK_THAT(answer.body, Catch::Contains("16384"));
  // What `curl -d` sends: a form content type. The body is still JSON-RPC, whatever its size.
  answer = http(port, "POST", "/", std::string(10'000, ' ') + request("getBlockNumber", json::array()).dump(),
                "application/x-www-form-urlencoded");
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["result"] == 2);
  answer = http(port, "POST", "/", "--b\r\n\r\n{}\r\n--b--\r\n", "multipart/form-data; boundary=b");
  CHECK(answer.status == 415);
  CHECK(json::parse(answer.body)["error"]["code"] == -32600);

  CHECK(http(port, "GET", "/").status == 405);
  CHECK(http(port, "GET", "/nothing").status == 404);
  CHECK(http(port, "POST", "/other", "{}").status == 404);

  // A chunked body is refused before it is read.
  answer =
      http_exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  CHECK(answer.status == 411);
  CHECK(json::parse(answer.body)["error"]["code"] == -32600);
  CHECK(http_exchange(port, "PUT / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").status == 411);
  CHECK(http_exchange(port, "DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status == 405);

  // Garbage bytes over raw TCP: the connection ends, the server goes on serving.
  std::mt19937 random(7);
  for (int round = 0; round < 5; ++round) {
    std::string garbage(1 + random() % 3000, '\0');
    for (auto& c : garbage) c = static_cast<char>(random());
    const int fd = connect_to(port);
    send_all(fd, garbage + "\r\n\r\n");
    ::shutdown(fd, SHUT_WR);
    read_all(fd);
    ::close(fd);
  }
  // A client that connects and leaves without a word.
  ::close(connect_to(port));

  // Concurrent clients through the two workers.
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      const auto reply = http(port, "POST", "/", request("getBlockByNumber", {i % 3}).dump());
      if (reply.status == 200 && json::parse(reply.body)["result"]["height"] == i % 3) ++good;
    });
  }
  for (auto& client : clients) client.join();
  CHECK(good == 6);

  answer = http(port, "POST", "/", request("getBlockNumber", json::array()).dump());
  CHECK(json::parse(answer.body)["result"] == 2);

  // The port is taken while the server runs.
  RpcServerOptions same = options;
  same.port = port;
  const auto second = RpcServer::start(chain.api, same);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code() == ErrorCode::kIo);

  server->stop();
  server->stop();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0);
  ::close(fd);
}

TEST_CASE("rpc: options out of range are refused", "[node][rpc][http]") {
  Chain chain;
  RpcServerOptions options;
  options.threads = 0;
  auto started = RpcServer::start(chain.api, options);
  REQUIRE_FALSE(started.ok());
  CHECK(started.error().code() == ErrorCode::kInvalidArgument);
  options = {};
  options.body_max_bytes = 0;
  CHECK(RpcServer::start(chain.api, options).error().code() == ErrorCode::kInvalidArgument);
  options = {};
  options.host = "";
  CHECK(RpcServer::start(chain.api, options).error().code() == ErrorCode::kInvalidArgument);
  options = {};
  options.host = "203.0.113.77";  // TEST-NET-3: not an address of this machine
  CHECK(RpcServer::start(chain.api, options).error().code() == ErrorCode::kIo);
  // Start and stop at once, twice: nothing hangs.
  for (int i = 0; i < 2; ++i) {
    auto quick = RpcServer::start(chain.api, RpcServerOptions{});
    REQUIRE(quick.ok());
  }
}

}  // namespace
}  // namespace trestle::node
