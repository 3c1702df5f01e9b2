// The asset and kv applications, executed block by block against a MemoryStore: each block's
// execution reads the state the store holds after the previous block, and its receipts and writes
// are committed so that the next block sees them.

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/memory_store.hpp"
#include "trestle/node/apps.hpp"

namespace trestle::node {
namespace {

using ledger::Receipt;
using ledger::Transaction;

template <typename T>
T unwrap(Result<T> result) {
  if (!result.ok()) throw std::runtime_error(result.error().message());
  return std::move(result).value();
}

void require_ok(const Status& status) {
  if (!status.ok()) FAIL(status.error().message());
}

std::string text(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

Bytes u64_be(std::uint64_t value) { return Writer().u64(value).take(); }

// A chain of one application over a MemoryStore with the sm suite.
class Chain {
 public:
  Chain(std::unique_ptr<Application> app, std::string_view genesis_json)
      : suite_(crypto::CryptoSuite::sm()), store_(ledger::MemoryStore::create(suite_, "chain0")), app_(std::move(app)) {
    ledger::WriteSet genesis = unwrap(app_->genesis_state(genesis_json));
    commit({}, {}, genesis);
  }

  const crypto::CryptoSuite& suite() const { return suite_; }
  const Application& app() const { return *app_; }

  // The key of account `n` (n >= 1); deterministic, so addresses repeat across runs.
  crypto::PrivateKey key(std::uint8_t n) const {
    Bytes scalar(32, 0);
    scalar[0] = 0x11;
    scalar[31] = n;
    return unwrap(crypto::PrivateKey::from_bytes(suite_.key_type(), scalar));
  }
  Address address(std::uint8_t n) const { return suite_.address(key(n).public_key()); }

  Transaction tx(std::uint8_t sender, std::optional<Address> target, Bytes payload) {
    Transaction tx;
    tx.chain_id = "chain0";
    tx.group_id = "group0";
    tx.nonce = u64_be(next_nonce_++);
    tx.block_limit = 1'000;
    tx.target = target;
    tx.payload = std::move(payload);
    tx.timestamp_ms = 1'700'000'000'000;
    require_ok(tx.sign(suite_, key(sender)));
    return tx;
  }
  Transaction transfer(std::uint8_t from, std::uint8_t to, std::uint64_t amount) {
    return tx(from, address(to), asset::encode_transfer(amount));
  }

  // What the node does before execution: checks the signature and computes the hash.
  std::vector<VerifiedTransaction> verify(const std::vector<Transaction>& txs) const {
    std::vector<VerifiedTransaction> verified;
    for (const auto& tx : txs) {
      verified.push_back(VerifiedTransaction{&tx, tx.hash(suite_), unwrap(tx.verify(suite_))});
    }
    return verified;
  }

  BlockContext next_context() const { return BlockContext{store_->tip()->height + 1, 1'700'000'000'000, 0}; }

  // Executes the transactions as the next block without committing.
  Execution execute(const std::vector<Transaction>& txs) const {
    auto view = unwrap(store_->state_view());
    return unwrap(app_->execute(next_context(), verify(txs), *view));
  }

  // Executes and commits the next block; returns its execution.
  Execution run(const std::vector<Transaction>& txs) {
    Execution execution = execute(txs);
    REQUIRE(execution.receipts.size() == txs.size());
    commit(txs, execution.receipts, execution.writes);
    return execution;
  }

  Status check(const Transaction& tx) const {
    auto view = unwrap(store_->state_view());
    const std::vector<Transaction> txs = {tx};  // outlives `verified`, which points into it
    const auto verified = verify(txs);
    return app_->check_tx(verified.front(), *view);
  }

  std::uint64_t balance(std::uint8_t n) const {
    auto view = unwrap(store_->state_view());
    return unwrap(asset::balance(*view, address(n)));
  }
  std::optional<Bytes> get(std::string_view table, ByteView key) const {
    auto view = unwrap(store_->state_view());
    return unwrap(view->get(table, key));
  }

 private:
  void commit(const std::vector<Transaction>& txs, const std::vector<Receipt>& receipts,
              const ledger::WriteSet& writes) {
    const auto tip = store_->tip();
    ledger::Block block;
    block.header.height = tip ? tip->height + 1 : 0;
    block.header.parent_hash = tip ? tip->block_hash : Hash256();
    block.header.timestamp_ms = 1'700'000'000'000;
    block.transactions = txs;
    block.header.tx_count = static_cast<std::uint32_t>(txs.size());
    block.header.tx_root = ledger::transaction_root(suite_, block.transactions);
    block.header.receipt_root = ledger::receipt_root(suite_, receipts);
    block.header.state_root = ledger::next_state_root(suite_, tip ? tip->state_root : Hash256(), writes);
    require_ok(store_->commit(block, receipts, writes));
  }

  const crypto::CryptoSuite& suite_;
  std::unique_ptr<ledger::MemoryStore> store_;
  std::unique_ptr<Application> app_;
  std::uint64_t next_nonce_ = 1;
};

std::string accounts_json(const Chain& chain, const std::vector<std::pair<std::uint8_t, std::uint64_t>>& balances) {
  std::string out = R"({"accounts": [)";
  for (std::size_t i = 0; i < balances.size(); ++i) {
    if (i != 0) out += ", ";
    out += R"({"address": ")" + to_hex(chain.address(balances[i].first)) + R"(", "balance": )" +
           std::to_string(balances[i].second) + "}";
  }
  return out + "]}";
}

// A chain whose accounts 1 and 2 hold 100 and 50; account 3 holds nothing.
Chain asset_chain() {
  Chain probe(make_asset_application(), "");
  return Chain(make_asset_application(), accounts_json(probe, {{1, 100}, {2, 50}}));
}

// A state view whose reads fail, or return a fixed value, to reach execute()'s error paths.
class FixedView final : public ledger::StateView {
 public:
  explicit FixedView(Result<std::optional<Bytes>> answer) : answer_(std::move(answer)) {}
  std::optional<ledger::Height> height() const override { return 0; }
  Hash256 state_root() const override { return {}; }
  Result<std::optional<Bytes>> get(std::string_view, ByteView) const override { return answer_; }

 private:
  Result<std::optional<Bytes>> answer_;
};

TEST_CASE("asset: transfer payload encoding", "[node][apps][asset]") {
  const Bytes payload = asset::encode_transfer(0x0102030405060708);
  CHECK(payload == Bytes{1, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(unwrap(asset::decode_transfer(payload)) == 0x0102030405060708);
  CHECK(unwrap(asset::decode_transfer(asset::encode_transfer(UINT64_MAX))) == UINT64_MAX);
}

TEST_CASE("asset: malformed transfer payloads are refused", "[node][apps][asset]") {
  const Bytes good = asset::encode_transfer(7);
  auto refused = [](const Bytes& payload) {
    auto decoded = asset::decode_transfer(payload);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
    return decoded.error().message();
  };
  CHECK_THAT(refused({}), Catch::Contains("empty"));
  for (std::size_t size = 1; size < good.size(); ++size) {
    CHECK_THAT(refused(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(size))),
               Catch::Contains("truncated"));
  }
  Bytes trailing = good;
  trailing.push_back(0);
  CHECK_THAT(refused(trailing), Catch::Contains("1 trailing bytes"));
  Bytes wrong_op = good;
  wrong_op[0] = 2;
  CHECK_THAT(refused(wrong_op), Catch::Contains("unknown operation 2"));
  CHECK_THAT(refused(asset::encode_transfer(0)), Catch::Contains("amount is zero"));
}

TEST_CASE("asset: genesis balances", "[node][apps][asset]") {
  Chain chain = asset_chain();
  CHECK(chain.balance(1) == 100);
  CHECK(chain.balance(2) == 50);
  CHECK(chain.balance(3) == 0);
  CHECK(chain.get(asset::kBalanceTable, chain.address(1)) == std::optional<Bytes>(u64_be(100)));

  auto app = make_asset_application();
  CHECK(app->name() == "asset");
  CHECK(unwrap(app->genesis_state("")).empty());
  CHECK(unwrap(app->genesis_state(R"({"accounts": []})")).empty());
  // 0x prefix and upper case accepted; a zero balance is not stored; the maximum fits.
  const auto writes = unwrap(app->genesis_state(R"({"accounts": [
      {"address": "0x00000000000000000000000000000000000000AA", "balance": 18446744073709551615},
      {"address": "00000000000000000000000000000000000000bb", "balance": 0}]})"));
  REQUIRE(writes.size() == 1);
  Address aa;
  aa[19] = 0xaa;
  const auto* stored = writes.find(asset::kBalanceTable, aa);
  REQUIRE(stored != nullptr);
  CHECK(**stored == u64_be(UINT64_MAX));
}

TEST_CASE("asset: genesis errors name the field", "[node][apps][asset]") {
  auto app = make_asset_application();
  const std::string a1 = R"("address": "0000000000000000000000000000000000000001")";
  auto error = [&](const std::string& json) {
    auto writes = app->genesis_state(json);
    REQUIRE_FALSE(writes.ok());
    CHECK(writes.error().code() == ErrorCode::kInvalidArgument);
    return writes.error().message();
  };
  CHECK_THAT(error("{"), Catch::StartsWith("application_state: not valid JSON"));
  CHECK_THAT(error("[]"), Catch::StartsWith("application_state: expected an object"));
  CHECK_THAT(error("{}"), Catch::StartsWith("application_state.accounts: missing"));
  CHECK_THAT(error(R"({"accounts": [], "extra": 1})"), Catch::StartsWith("application_state.extra: unknown field"));
  CHECK_THAT(error(R"({"accounts": {}})"), Catch::StartsWith("application_state.accounts: expected an array"));
  CHECK_THAT(error(R"({"accounts": [1]})"), Catch::StartsWith("application_state.accounts[0]: expected an object"));
  CHECK_THAT(error(R"({"accounts": [{)" + a1 + R"(, "balance": 1, "memo": ""}]})"),
             Catch::StartsWith("application_state.accounts[0].memo: unknown field"));
  CHECK_THAT(error(R"({"accounts": [{"balance": 1}]})"),
             Catch::StartsWith("application_state.accounts[0].address: missing"));
  CHECK_THAT(error(R"({"accounts": [{)" + a1 + "}]}"),
             Catch::StartsWith("application_state.accounts[0].balance: missing"));
  CHECK_THAT(error(R"({"accounts": [{"address": "zz00000000000000000000000000000000000001", "balance": 1}]})"),
             Catch::StartsWith("application_state.accounts[0].address: "));
  CHECK_THAT(error(R"({"accounts": [{"address": "0001", "balance": 1}]})"),
             Catch::StartsWith("application_state.accounts[0].address: expected 20 bytes"));
  CHECK_THAT(error(R"({"accounts": [{"address": 1, "balance": 1}]})"),
             Catch::StartsWith("application_state.accounts[0].address: expected a string"));
  CHECK_THAT(error(R"({"accounts": [{)" + a1 + R"(, "balance": 1}, {)" + a1 + R"(, "balance": 2}]})"),
             Catch::StartsWith("application_state.accounts[1].address: duplicate address"));
  // Case and prefix differences do not hide a duplicate.
  CHECK_THAT(error(R"({"accounts": [{"address": "00000000000000000000000000000000000000aa", "balance": 1},
                                    {"address": "0x00000000000000000000000000000000000000AA", "balance": 1}]})"),
             Catch::StartsWith("application_state.accounts[1].address: duplicate address"));
  for (const char* balance : {"-1", "1.5", "\"1\"", "18446744073709551616", "null", "true"}) {
    CAPTURE(balance);
    CHECK_THAT(error(R"({"accounts": [{)" + a1 + R"(, "balance": )" + balance + "}]}"),
               Catch::StartsWith("application_state.accounts[0].balance: expected an integer"));
  }
}

TEST_CASE("asset: a transfer moves funds and its receipt says so", "[node][apps][asset]") {
  Chain chain = asset_chain();
  const std::vector<Transaction> txs = {chain.transfer(1, 2, 30), chain.transfer(2, 3, 80)};
  const Execution execution = chain.run(txs);
  REQUIRE(execution.receipts.size() == 2);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    CHECK(execution.receipts[i].status == Receipt::kStatusSuccess);
    CHECK(execution.receipts[i].output.empty());
    CHECK(execution.receipts[i].logs.empty());
    CHECK(execution.receipts[i].height == 1);
    CHECK(execution.receipts[i].tx_hash == txs[i].hash(chain.suite()));
  }
  // The second transfer spends funds that arrived earlier in the same block: 50 + 30 - 80 = 0,
  // and a zero balance is erased, not stored.
  CHECK(chain.balance(1) == 70);
  CHECK(chain.balance(2) == 0);
  CHECK(chain.balance(3) == 80);
  CHECK_FALSE(chain.get(asset::kBalanceTable, chain.address(2)).has_value());
  const auto* erased = execution.writes.find(asset::kBalanceTable, chain.address(2));
  REQUIRE(erased != nullptr);
  CHECK_FALSE(erased->has_value());
}

TEST_CASE("asset: a chain of transfers within one block", "[node][apps][asset]") {
  Chain chain = asset_chain();
  // 1 -> 3 -> 4 -> 5 -> 1: each hop spends what the previous hop delivered.
  const Execution execution = chain.run(
      {chain.transfer(1, 3, 60), chain.transfer(3, 4, 60), chain.transfer(4, 5, 25), chain.transfer(5, 1, 5)});
  for (const auto& receipt : execution.receipts) CHECK(receipt.status == Receipt::kStatusSuccess);
  CHECK(chain.balance(1) == 45);
  CHECK(chain.balance(3) == 0);
  CHECK(chain.balance(4) == 35);
  CHECK(chain.balance(5) == 20);
  // The next block starts from the committed result.
  chain.run({chain.transfer(4, 1, 35)});
  CHECK(chain.balance(1) == 80);
  CHECK(chain.balance(4) == 0);
}

TEST_CASE("asset: insufficient funds fail without writes", "[node][apps][asset]") {
  Chain chain = asset_chain();
  const Execution execution =
      chain.run({chain.transfer(2, 1, 51), chain.transfer(3, 1, 1), chain.transfer(2, 1, 50), chain.transfer(2, 1, 1)});
  REQUIRE(execution.receipts.size() == 4);
  CHECK(execution.receipts[0].status == kStatusInsufficientFunds);
  CHECK(text(execution.receipts[0].output) == "insufficient funds: balance 50, amount 51");
  CHECK(execution.receipts[1].status == kStatusInsufficientFunds);
  CHECK(text(execution.receipts[1].output) == "insufficient funds: balance 0, amount 1");
  CHECK(execution.receipts[2].status == Receipt::kStatusSuccess);
  // The pending debit of the third transaction is what the fourth sees.
  CHECK(execution.receipts[3].status == kStatusInsufficientFunds);
  CHECK(text(execution.receipts[3].output) == "insufficient funds: balance 0, amount 1");
  // Only the successful transfer wrote (sender erased, recipient credited); account 3 untouched.
  CHECK(execution.writes.size() == 2);
  CHECK(execution.writes.find(asset::kBalanceTable, chain.address(3)) == nullptr);
  CHECK(chain.balance(1) == 150);
  CHECK(chain.balance(2) == 0);
}

TEST_CASE("asset: a transfer to oneself succeeds and changes nothing", "[node][apps][asset]") {
  Chain chain = asset_chain();
  const Execution execution = chain.run({chain.transfer(1, 1, 100), chain.transfer(1, 1, 101)});
  CHECK(execution.receipts[0].status == Receipt::kStatusSuccess);
  CHECK(execution.receipts[1].status == kStatusInsufficientFunds);
  CHECK(execution.writes.empty());
  CHECK(chain.balance(1) == 100);
}

TEST_CASE("asset: a credit past 2^64 - 1 fails with balance overflow", "[node][apps][asset]") {
  Chain probe(make_asset_application(), "");
  Chain chain(make_asset_application(), accounts_json(probe, {{1, 10}, {2, UINT64_MAX - 5}}));
  const Execution execution = chain.run({chain.transfer(1, 2, 6), chain.transfer(1, 2, 5)});
  CHECK(execution.receipts[0].status == kStatusBalanceOverflow);
  CHECK(text(execution.receipts[0].output) ==
        "balance overflow: recipient balance " + std::to_string(UINT64_MAX - 5) + ", amount 6");
  CHECK(execution.receipts[1].status == Receipt::kStatusSuccess);
  CHECK(chain.balance(1) == 5);
  CHECK(chain.balance(2) == UINT64_MAX);
}

TEST_CASE("asset: missing target and malformed payloads get receipts, not errors", "[node][apps][asset]") {
  Chain chain = asset_chain();
  Bytes trailing = asset::encode_transfer(1);
  trailing.push_back(9);
  Bytes wrong_op = asset::encode_transfer(1);
  wrong_op[0] = 7;
  const Execution execution = chain.run({
      chain.tx(1, std::nullopt, asset::encode_transfer(1)),
      chain.tx(1, chain.address(2), Bytes{1, 0, 0}),
      chain.tx(1, chain.address(2), trailing),
      chain.tx(1, chain.address(2), wrong_op),
      chain.tx(1, chain.address(2), asset::encode_transfer(0)),
      chain.tx(1, chain.address(2), {}),
  });
  REQUIRE(execution.receipts.size() == 6);
  CHECK(execution.receipts[0].status == kStatusMissingTarget);
  CHECK_THAT(text(execution.receipts[0].output), Catch::StartsWith("missing target"));
  for (std::size_t i = 1; i < 6; ++i) {
    CAPTURE(i);
    CHECK(execution.receipts[i].status == kStatusMalformedPayload);
    CHECK_THAT(text(execution.receipts[i].output), Catch::StartsWith("malformed transfer payload"));
  }
  CHECK(execution.writes.empty());
  CHECK(chain.balance(1) == 100);
}

TEST_CASE("asset: execution is deterministic", "[node][apps][asset]") {
  Chain chain = asset_chain();
  const std::vector<Transaction> txs = {chain.transfer(1, 3, 10), chain.transfer(3, 2, 10), chain.transfer(2, 2, 1),
                                        chain.transfer(2, 1, 500), chain.tx(1, std::nullopt, {})};
  const Execution first = chain.execute(txs);
  const Execution second = chain.execute(txs);
  CHECK(first.receipts == second.receipts);
  CHECK(first.writes == second.writes);
  CHECK(first.writes.encode() == second.writes.encode());
  // A fresh application object over a fresh store with the same genesis agrees too.
  const Chain other = asset_chain();
  const Execution third = other.execute(txs);
  CHECK(third.receipts == first.receipts);
  CHECK(third.writes == first.writes);
  // And the outcome does depend on the state: over an empty one every transfer lacks funds.
  const auto empty_store = ledger::MemoryStore::create(chain.suite(), "chain0");
  const auto empty_view = unwrap(empty_store->state_view());
  const Execution over_empty =
      unwrap(make_asset_application()->execute(chain.next_context(), chain.verify(txs), *empty_view));
  CHECK(over_empty.receipts != first.receipts);
  CHECK(over_empty.receipts[0].status == kStatusInsufficientFunds);
}

TEST_CASE("asset: check_tx admits only plausible transfers", "[node][apps][asset]") {
  Chain chain = asset_chain();
  require_ok(chain.check(chain.transfer(1, 2, 100)));
  require_ok(chain.check(chain.transfer(1, 1, 1)));
  auto refused = [&](const Transaction& tx) {
    const Status status = chain.check(tx);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code() == ErrorCode::kInvalidArgument);
    return status.error().message();
  };
  CHECK(refused(chain.transfer(1, 2, 101)) == "insufficient funds: balance 100, amount 101");
  CHECK(refused(chain.transfer(3, 2, 1)) == "insufficient funds: balance 0, amount 1");
  CHECK_THAT(refused(chain.tx(1, std::nullopt, asset::encode_transfer(1))), Catch::StartsWith("missing target"));
  CHECK_THAT(refused(chain.tx(1, chain.address(2), asset::encode_transfer(0))), Catch::Contains("amount is zero"));
  CHECK_THAT(refused(chain.tx(1, chain.address(2), {1, 2})), Catch::Contains("truncated"));
}

TEST_CASE("asset: state read failures are execution errors", "[node][apps][asset]") {
  const auto& suite = crypto::CryptoSuite::sm();
  Transaction tx;
  tx.target = Address();
  tx.payload = asset::encode_transfer(1);
  const std::vector<VerifiedTransaction> txs = {VerifiedTransaction{&tx, tx.hash(suite), Address()}};
  auto app = make_asset_application();

  const FixedView failing(Error(ErrorCode::kIo, "disk failed"));
  auto failed = app->execute(BlockContext{1, 0, 0}, txs, failing);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code() == ErrorCode::kIo);
  CHECK_FALSE(app->check_tx(txs.front(), failing).ok());

  const FixedView corrupt(std::optional<Bytes>(Bytes{1, 2, 3}));
  auto corrupted = app->execute(BlockContext{1, 0, 0}, txs, corrupt);
  REQUIRE_FALSE(corrupted.ok());
  CHECK(corrupted.error().code() == ErrorCode::kCorrupt);
  auto balance = asset::balance(corrupt, Address());
  REQUIRE_FALSE(balance.ok());
  CHECK(balance.error().code() == ErrorCode::kCorrupt);
}

TEST_CASE("kv: payload encoding", "[node][apps][kv]") {
  const Bytes key = to_bytes(as_bytes("k"));
  const Bytes value = to_bytes(as_bytes("value"));
  CHECK(kv::encode_put(key, value) == Bytes{1, 1, 'k', 5, 'v', 'a', 'l', 'u', 'e'});
  CHECK(kv::encode_erase(key) == Bytes{2, 1, 'k'});
  const auto put = unwrap(kv::decode_operation(kv::encode_put(key, value)));
  CHECK(put.key == key);
  CHECK(put.value == std::optional<Bytes>(value));
  const auto empty_value = unwrap(kv::decode_operation(kv::encode_put(key, {})));
  CHECK(empty_value.value == std::optional<Bytes>(Bytes{}));
  const auto erase = unwrap(kv::decode_operation(kv::encode_erase(key)));
  CHECK(erase.key == key);
  CHECK_FALSE(erase.value.has_value());
  const Bytes largest_key(kv::kKeyMaxBytes, 0x5a);
  const Bytes largest_value(kv::kValueMaxBytes, 0xa5);
  CHECK(unwrap(kv::decode_operation(kv::encode_put(largest_key, largest_value))).value->size() == kv::kValueMaxBytes);
}

TEST_CASE("kv: malformed payloads are refused", "[node][apps][kv]") {
  auto refused = [](const Bytes& payload) {
    auto decoded = kv::decode_operation(payload);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
    return decoded.error().message();
  };
  const Bytes key = to_bytes(as_bytes("key"));
  CHECK_THAT(refused({}), Catch::Contains("empty"));
  CHECK_THAT(refused({0, 1, 'k'}), Catch::Contains("unknown operation 0"));
  CHECK_THAT(refused({3, 1, 'k'}), Catch::Contains("unknown operation 3"));
  CHECK_THAT(refused(kv::encode_erase({})), Catch::Contains("empty key"));
  CHECK_THAT(refused(kv::encode_put({}, key)), Catch::Contains("empty key"));
  CHECK_THAT(refused(kv::encode_erase(Bytes(kv::kKeyMaxBytes + 1, 1))), Catch::Contains("key"));
  CHECK_THAT(refused(kv::encode_put(key, Bytes(kv::kValueMaxBytes + 1, 1))), Catch::Contains("value"));
  const Bytes put = kv::encode_put(key, key);
  for (std::size_t size = 1; size < put.size(); ++size) {
    CAPTURE(size);
    // Every prefix is malformed, including the one cut right after the key (a put without value).
    refused(Bytes(put.begin(), put.begin() + static_cast<std::ptrdiff_t>(size)));
  }
  Bytes trailing = kv::encode_erase(key);
  trailing.push_back(0);
  CHECK_THAT(refused(trailing), Catch::Contains("1 trailing bytes"));
  Bytes put_trailing = put;
  put_trailing.push_back(0);
  CHECK_THAT(refused(put_trailing), Catch::Contains("1 trailing bytes"));
  // A non-minimal varint length is not the canonical encoding.
  CHECK_THAT(refused({2, 0x83, 0x00, 'k', 'e', 'y'}), Catch::Contains("key"));
}

TEST_CASE("kv: genesis entries", "[node][apps][kv]") {
  auto app = make_kv_application();
  CHECK(app->name() == "kv");
  CHECK(unwrap(app->genesis_state("")).empty());
  const auto writes = unwrap(app->genesis_state(R"({"entries": [{"key": "0x6b31", "value": "76"},
                                                                {"key": "6b32", "value": ""}]})"));
  REQUIRE(writes.size() == 2);
  CHECK(**writes.find(kv::kTable, to_bytes(as_bytes("k1"))) == to_bytes(as_bytes("v")));
  CHECK(**writes.find(kv::kTable, to_bytes(as_bytes("k2"))) == Bytes{});

  auto error = [&](const std::string& json) {
    auto result = app->genesis_state(json);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code() == ErrorCode::kInvalidArgument);
    return result.error().message();
  };
  CHECK_THAT(error("nope"), Catch::StartsWith("application_state: not valid JSON"));
  CHECK_THAT(error("{}"), Catch::StartsWith("application_state.entries: missing"));
  CHECK_THAT(error(R"({"entries": [], "accounts": []})"), Catch::StartsWith("application_state.accounts: unknown"));
  CHECK_THAT(error(R"({"entries": [{"key": "01"}]})"),
             Catch::StartsWith("application_state.entries[0].value: missing"));
  CHECK_THAT(error(R"({"entries": [{"value": "01"}]})"),
             Catch::StartsWith("application_state.entries[0].key: missing"));
  CHECK_THAT(error(R"({"entries": [{"key": "", "value": "01"}]})"),
             Catch::StartsWith("application_state.entries[0].key: 0 bytes"));
  CHECK_THAT(error(R"({"entries": [{"key": "0g", "value": "01"}]})"),
             Catch::StartsWith("application_state.entries[0].key: "));
  CHECK_THAT(error(R"({"entries": [{"key": "01", "value": 1}]})"),
             Catch::StartsWith("application_state.entries[0].value: expected a hex string"));
  CHECK_THAT(error(R"({"entries": [{"key": "01", "value": "", "ttl": 5}]})"),
             Catch::StartsWith("application_state.entries[0].ttl: unknown field"));
  CHECK_THAT(error(R"({"entries": [{"key": "01", "value": ""}, {"key": "0x01", "value": "02"}]})"),
             Catch::StartsWith("application_state.entries[1].key: duplicate key 01"));
  const std::string long_key(2 * (kv::kKeyMaxBytes + 1), 'a');
  CHECK_THAT(error(R"({"entries": [{"key": ")" + long_key + R"(", "value": ""}]})"),
             Catch::StartsWith("application_state.entries[0].key: 401 bytes"));
}

TEST_CASE("kv: put, overwrite and erase across blocks", "[node][apps][kv]") {
  Chain chain(make_kv_application(), R"({"entries": [{"key": "6b30", "value": "7630"}]})");
  const Bytes k0 = to_bytes(as_bytes("k0"));
  const Bytes k1 = to_bytes(as_bytes("k1"));
  CHECK(chain.get(kv::kTable, k0) == std::optional<Bytes>(to_bytes(as_bytes("v0"))));

  // Within one block the last write to a key wins; a malformed payload writes nothing.
  const Execution first =
      chain.run({chain.tx(1, std::nullopt, kv::encode_put(k1, as_bytes("a"))),
                 chain.tx(2, chain.address(1), kv::encode_put(k1, as_bytes("b"))), chain.tx(1, std::nullopt, Bytes{9}),
                 chain.tx(3, std::nullopt, kv::encode_erase(k0))});
  REQUIRE(first.receipts.size() == 4);
  CHECK(first.receipts[0].status == Receipt::kStatusSuccess);
  CHECK(first.receipts[1].status == Receipt::kStatusSuccess);
  CHECK(first.receipts[2].status == kStatusMalformedPayload);
  CHECK_THAT(text(first.receipts[2].output), Catch::StartsWith("malformed kv payload: unknown operation 9"));
  CHECK(first.receipts[3].status == Receipt::kStatusSuccess);
  for (const auto& receipt : first.receipts) {
    CHECK(receipt.height == 1);
    if (receipt.status == Receipt::kStatusSuccess) CHECK(receipt.output.empty());
  }
  CHECK(first.writes.size() == 2);
  CHECK(chain.get(kv::kTable, k1) == std::optional<Bytes>(to_bytes(as_bytes("b"))));
  CHECK_FALSE(chain.get(kv::kTable, k0).has_value());

  // Overwrite in a later block, then erase and put again in one block.
  chain.run({chain.tx(1, std::nullopt, kv::encode_put(k1, as_bytes("c")))});
  CHECK(chain.get(kv::kTable, k1) == std::optional<Bytes>(to_bytes(as_bytes("c"))));
  chain.run({chain.tx(1, std::nullopt, kv::encode_erase(k1)), chain.tx(1, std::nullopt, kv::encode_put(k0, {}))});
  CHECK_FALSE(chain.get(kv::kTable, k1).has_value());
  CHECK(chain.get(kv::kTable, k0) == std::optional<Bytes>(Bytes{}));

  // Deterministic: the same block executed twice gives identical receipts and writes.
  const std::vector<Transaction> txs = {chain.tx(1, std::nullopt, kv::encode_put(k1, as_bytes("x"))),
                                        chain.tx(1, std::nullopt, {2})};
  const Execution a = chain.execute(txs);
  const Execution b = chain.execute(txs);
  CHECK(a.receipts == b.receipts);
  CHECK(a.writes == b.writes);
}

TEST_CASE("kv: check_tx refuses malformed payloads only", "[node][apps][kv]") {
  Chain chain(make_kv_application(), "");
  require_ok(chain.check(chain.tx(1, std::nullopt, kv::encode_put(as_bytes("k"), as_bytes("v")))));
  require_ok(chain.check(chain.tx(1, chain.address(2), kv::encode_erase(as_bytes("absent")))));
  const Status refused = chain.check(chain.tx(1, std::nullopt, {1, 0}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.error().message(), Catch::Contains("empty key"));
}

TEST_CASE("make_application selects by name", "[node][apps]") {
  CHECK(unwrap(make_application("asset"))->name() == "asset");
  CHECK(unwrap(make_application("kv"))->name() == "kv");
  auto unknown = make_application("evm");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code() == ErrorCode::kInvalidArgument);
  CHECK(unknown.error().message() == "unknown application \"evm\": expected asset or kv");
}

}  // namespace
}  // namespace trestle::node
