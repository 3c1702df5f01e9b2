// `trestle rpc | tx transfer | tx send` against a stand-in node (rpc_cli_fixture.hpp), and
// against the node library's own RpcServer.

#include "rpc_cli_fixture.hpp"

namespace trestle::cli_test::rpc {

TEST_CASE("rpc prints a method's result as indented JSON", "[cli][rpc]") {
  FakeNode node(crypto::CryptoSuite::sm());
  RunResult info = trestle({"rpc", "--url", node.url(), "getNodeInfo"});
  INFO("stderr: " << info.err);
  REQUIRE(info.exit_code == 0);
  CHECK(info.err.empty());
  CHECK(info.out == node.node_info().dump(2) + "\n");  // the node's key order, 2 spaces
  CHECK(node.params_of("getNodeInfo") == std::vector<json>{json::array()});

  RunResult height = trestle({"rpc", "--url", node.url() + "/", "getBlockNumber", "[]"});
  CHECK(height.exit_code == 0);
  CHECK(height.out == std::to_string(kStartHeight) + "\n");

  SECTION("a JSON array is the params, any other value the only param") {
    RunResult block = trestle({"rpc", "--url", node.url(), "getBlockByNumber", "[3, false]"});
    REQUIRE(block.exit_code == 0);
    json shown = json::parse(block.out);
    CHECK(shown["height"] == 3);
    CHECK(shown["transactions"] == json::array());
    CHECK(block.out == shown.dump(2) + "\n");
    RunResult single = trestle({"rpc", "--url", node.url(), "getBlockByNumber", "3"});
    CHECK(single.exit_code == 0);
    CHECK(node.params_of("getBlockByNumber") == std::vector<json>{json::array({3, false}), json::array({3})});
    RunResult past_tip = trestle({"rpc", "--url", node.url(), "getBlockByNumber", "[99, false]"});
    CHECK(past_tip.exit_code == 0);
    CHECK(past_tip.out == "null\n");
  }
}

TEST_CASE("rpc reports bad URLs, unreachable nodes, error objects and bad params", "[cli][rpc]") {
  FakeNode node(crypto::CryptoSuite::sm());
  check_usage_error(trestle({"rpc", "--url", "https://127.0.0.1:1", "getBlockNumber"}), "https is not supported");
  check_usage_error(trestle({"rpc", "--url", "ftp://127.0.0.1:1", "getBlockNumber"}), "expected http://HOST:PORT");
  check_usage_error(trestle({"rpc", "--url", "http://127.0.0.1:99999", "getBlockNumber"}), "port must be");
  check_usage_error(trestle({"rpc", "--url", "http://:8545", "getBlockNumber"}), "no host");
  check_usage_error(trestle({"rpc", "--url", "http://[::1", "getBlockNumber"}), "unclosed '['");

  std::string unreachable = "http://127.0.0.1:" + std::to_string(closed_port());
  check_usage_error(trestle({"rpc", "--url", unreachable, "getBlockNumber"}), "cannot reach " + unreachable);

  check_usage_error(trestle({"rpc", "--url", node.url(), "noSuchMethod"}),
                    "noSuchMethod: method not found: noSuchMethod (code -32601)");
  check_usage_error(trestle({"rpc", "--url", node.url(), "getBlockByNumber", "[\"x\"]"}),
                    "getBlockByNumber: params[0]: expected a height (code -32602)");

  std::size_t requests_before = node.http_requests();
  check_usage_error(trestle({"rpc", "--url", node.url(), "getBlockByNumber", "[1,"}), "JSON-PARAMS: not valid JSON");
  CHECK(node.http_requests() == requests_before);  // nothing sent

  SECTION("a server that is not a node") {
    httplib::Server other;
    other.Post("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("<html>hello</html>", "text/html");
    });
    int port = other.bind_to_any_port("127.0.0.1");
    std::thread thread = start(other);
    std::string url = "http://127.0.0.1:" + std::to_string(port);
    check_usage_error(trestle({"rpc", "--url", url, "getBlockNumber"}), "getBlockNumber: the answer is not JSON");
    check_usage_error(trestle({"rpc", "--url", url + "/missing", "getBlockNumber"}), "answered HTTP 404");
    other.stop();
    thread.join();
  }
  check_no_problems(node);
}

TEST_CASE("tx transfer signs for the node's chain and waits for the receipt", "[cli][rpc]") {
  std::string suite_name = GENERATE(as<std::string>{}, "sm", "ecdsa");
  INFO("suite " << suite_name);
  const crypto::CryptoSuite& suite = suite_named(suite_name);
  FakeNode node(suite);
  TempDir dir;
  std::string key = generate_key(dir, suite_name, "sender.pem");
  ShownKey shown = show_key(key);
  std::string to = std::string(38, '0') + "2a";

  RunResult sent = trestle({"tx", "transfer", "--url", node.url(), "--key", key, "--to", "0x" + to, "--amount", "77",
                            "--wait", "--timeout", "5"});
  INFO("stderr: " << sent.err);
  REQUIRE(sent.exit_code == 0);
  CHECK(sent.err.empty());
  check_no_problems(node);
  std::vector<Received> received = node.received();
  REQUIRE(received.size() == 1);
  const ledger::Transaction& tx = received[0].tx;
  CHECK(to_hex(received[0].sender) == shown.address);
  REQUIRE(tx.target.has_value());
  CHECK(to_hex(*tx.target) == to);
  CHECK(node::asset::decode_transfer(tx.payload).value() == 77);
  CHECK(tx.block_limit == kStartHeight + 500);
  CHECK(tx.nonce.size() == 16);

  // The hash line, then the receipt as indented JSON.
  std::size_t newline = sent.out.find('\n');
  REQUIRE(newline != std::string::npos);
  CHECK(sent.out.substr(0, newline) == received[0].hash);
  json receipt = json::parse(sent.out.substr(newline + 1));
  CHECK(receipt["tx_hash"] == received[0].hash);
  CHECK(receipt["status"] == 0);
  CHECK(sent.out.substr(newline + 1) == receipt.dump(2) + "\n");
  CHECK(node.params_of("getTransactionReceipt").size() == 2);  // null first, then the receipt

  SECTION("a receipt with a non-zero status is exit 1") {
    node.set_receipt_status(node::kStatusInsufficientFunds);
    RunResult failed =
        trestle({"tx", "transfer", "--url", node.url(), "--key", key, "--to", to, "--amount", "5", "--wait"});
    CHECK(failed.exit_code == 1);
    CHECK(json::parse(failed.out.substr(failed.out.find('\n') + 1))["status"] == node::kStatusInsufficientFunds);
  }
  SECTION("without --wait only the hash is printed") {
    RunResult quick = trestle({"tx", "transfer", "--url", node.url(), "--key", key, "--to", to, "--amount", "5"});
    CHECK(quick.exit_code == 0);
    REQUIRE(node.received().size() == 2);
    CHECK(quick.out == node.received()[1].hash + "\n");
  }
}

TEST_CASE("tx send takes a payload, an optional target and nonce and block-limit overrides", "[cli][rpc]") {
  FakeNode node(crypto::CryptoSuite::ecdsa());
  TempDir dir;
  std::string key = generate_key(dir, "ecdsa", "sender.pem");

  RunResult sent = trestle({"tx", "send", "--url", node.url(), "--key", key, "--payload", "0xC0FFEE", "--nonce", "0102",
                            "--block-limit", "42"});
  INFO("stderr: " << sent.err);
  REQUIRE(sent.exit_code == 0);
  std::vector<Received> received = node.received();
  REQUIRE(received.size() == 1);
  const ledger::Transaction& tx = received[0].tx;
  CHECK_FALSE(tx.target.has_value());
  CHECK(to_hex(tx.payload) == "c0ffee");
  CHECK(to_hex(tx.nonce) == "0102");
  CHECK(tx.block_limit == 42);
  CHECK(sent.out == received[0].hash + "\n");

  // The same nonce again: the node refuses it, and the refusal is the one-line error.
  check_usage_error(trestle({"tx", "send", "--url", node.url(), "--key", key, "--payload", "", "--nonce", "0102"}),
                    "sendTransaction: duplicate nonce 0102 (code -32010)");
  CHECK(node.received().size() == 1);

  check_usage_error(trestle({"tx", "send", "--url", node.url(), "--key", key, "--payload", "zz"}), "--payload");
  check_usage_error(
      trestle({"tx", "send", "--url", node.url(), "--key", key, "--payload", "", "--nonce", std::string(66, 'a')}),
      "transaction");
  check_usage_error(trestle({"tx", "send", "--url", node.url(), "--key", key, "--payload", "", "--to", "abcd"}),
                    "--to");
  check_usage_error(trestle({"tx", "send", "--url", node.url(), "--key", dir.path("missing.pem"), "--payload", ""}),
                    "missing.pem");
  check_no_problems(node);
}

TEST_CASE("tx --wait gives up after --timeout with exit 1", "[cli][rpc]") {
  // A node that accepts transactions but never has a receipt.
  httplib::Server server;
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::sm();
  FakeNode info_source(suite);
  json info = info_source.node_info();
  server.Post("/", [&](const httplib::Request& request, httplib::Response& response) {
    json call = json::parse(request.body);
    json result = nullptr;
    if (call["method"] == "getNodeInfo") result = info;
    if (call["method"] == "getBlockNumber") result = kStartHeight;
    if (call["method"] == "sendTransaction") {
      auto tx = ledger::Transaction::decode(from_hex(call["params"][0].get<std::string>()).value(), ledger::Limits{});
      result = to_hex(tx.value().hash(suite));
    }
    response.set_content(json({{"jsonrpc", "2.0"}, {"id", call["id"]}, {"result", result}}).dump(), "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::thread thread = start(server);
  TempDir dir;
  std::string key = generate_key(dir, "sm", "sender.pem");
  auto started = std::chrono::steady_clock::now();
  RunResult waited = trestle({"tx", "transfer", "--url", "http://127.0.0.1:" + std::to_string(port), "--key", key,
                              "--to", std::string(40, '1'), "--amount", "1", "--wait", "--timeout", "0.5"});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  server.stop();
  thread.join();
  INFO("stderr: " << waited.err);
  CHECK(waited.exit_code == 1);
  CHECK(waited.out.size() == 65);  // the hash line only
  CHECK(is_one_line_error(waited.err));
  CHECK(waited.err.find("no receipt after 0.5 s") != std::string::npos);
  CHECK(seconds >= 0.5);
}

TEST_CASE("tx refuses a key of the other suite before sending anything", "[cli][rpc]") {
  FakeNode node(crypto::CryptoSuite::sm());
  TempDir dir;
  std::string key = generate_key(dir, "ecdsa", "wrong.pem");
  check_usage_error(
      trestle({"tx", "transfer", "--url", node.url(), "--key", key, "--to", std::string(40, '1'), "--amount", "1"}),
      "whose suite is sm");
  CHECK(node.params_of("sendTransaction").empty());
  std::string unreachable = "http://127.0.0.1:" + std::to_string(closed_port());
  check_usage_error(
      trestle({"tx", "transfer", "--url", unreachable, "--key", key, "--to", std::string(40, '1'), "--amount", "1"}),
      "cannot reach");
  RunResult zero =
      trestle({"tx", "transfer", "--url", node.url(), "--key", key, "--to", std::string(40, '1'), "--amount", "0"});
  CHECK(zero.exit_code == 2);
  CHECK(is_one_line_error(zero.err));
}

namespace {

// The node's own JSON-RPC server over an empty in-memory ledger: the pool is the set of accepted
// transactions, and nothing commits.
class PoolOnlyNode : public node::NodeApi {
 public:
  explicit PoolOnlyNode(const crypto::CryptoSuite& suite)
      : suite_(suite), store_(ledger::MemoryStore::create(suite, kChainId)) {}

  const crypto::CryptoSuite& suite() const override { return suite_; }
  const ledger::Store& store() const override { return *store_; }
  Result<Hash256> submit_transaction(ByteView encoded) override {
    TRESTLE_TRY(ledger::Transaction tx, ledger::Transaction::decode(encoded, store_->limits()));
    TRESTLE_TRY(Address sender, tx.verify(suite_));
    // As the pool does for an empty chain: the window is [0, 1000).
    if (tx.block_limit >= 1'000) return Error(ErrorCode::kInvalidArgument, "block_limit outside [0, 1000)");
    std::lock_guard lock(mutex_);
    senders_.push_back(sender);
    pending_.emplace(tx.hash(suite_), tx);
    return tx.hash(suite_);
  }
  std::optional<ledger::Transaction> pending_transaction(const Hash256& tx_hash) const override {
    std::lock_guard lock(mutex_);
    auto found = pending_.find(tx_hash);
    if (found == pending_.end()) return std::nullopt;
    return found->second;
  }
  node::NodeInfo info() const override {
    node::NodeInfo info;
    info.version = "test";
    info.chain_id = kChainId;
    info.group_id = kGroupId;
    info.suite = std::string(suite_.name());
    info.consensus = "pbft";
    info.application = "asset";
    info.sealer_count = 1;
    return info;
  }
  std::vector<node::SealerInfo> sealers() const override { return {}; }
  std::vector<node::PeerInfo> peers() const override { return {}; }
  node::SyncStatus sync_status() const override { return {}; }
  node::NodeMetrics metrics() const override { return {}; }

  std::vector<Address> senders() const {
    std::lock_guard lock(mutex_);
    return senders_;
  }

 private:
  const crypto::CryptoSuite& suite_;
  std::unique_ptr<ledger::MemoryStore> store_;
  mutable std::mutex mutex_;
  std::map<Hash256, ledger::Transaction> pending_;
  std::vector<Address> senders_;
};

}  // namespace

TEST_CASE("rpc and tx send work against the node's RpcServer", "[cli][rpc]") {
  PoolOnlyNode api(crypto::CryptoSuite::ecdsa());
  auto server = node::RpcServer::start(api, node::RpcServerOptions{});
  INFO((server.ok() ? std::string() : server.error().message()));
  REQUIRE(server.ok());
  std::string url = "http://127.0.0.1:" + std::to_string(server.value()->port());

  RunResult info = trestle({"rpc", "--url", url, "getNodeInfo"});
  INFO("stderr: " << info.err);
  REQUIRE(info.exit_code == 0);
  CHECK(json::parse(info.out)["chain_id"] == kChainId);

  TempDir dir;
  std::string key = generate_key(dir, "ecdsa", "sender.pem");
  RunResult sent = trestle({"tx", "send", "--url", url, "--key", key, "--to", std::string(40, '5'), "--payload", "ab"});
  INFO("stderr: " << sent.err);
  REQUIRE(sent.exit_code == 0);
  REQUIRE(api.senders().size() == 1);
  CHECK(to_hex(api.senders()[0]) == show_key(key).address);
  std::string hash = trim(sent.out);
  CHECK(trestle({"rpc", "--url", url, "getTransactionReceipt", "\"" + hash + "\""}).out == "null\n");
  RunResult pending = trestle({"rpc", "--url", url, "getTransaction", "[\"" + hash + "\"]"});
  CHECK(pending.exit_code == 0);
  CHECK(json::parse(pending.out)["height"].is_null());

  check_usage_error(trestle({"rpc", "--url", url, "noSuchMethod"}), "noSuchMethod: ");
  check_usage_error(trestle({"rpc", "--url", url, "noSuchMethod"}), "(code -32601)");
  check_usage_error(trestle({"rpc", "--url", url, "getTransactionReceipt", "[\"zz\"]"}), "(code -32602)");
  check_usage_error(
      trestle({"tx", "send", "--url", url, "--key", key, "--payload", "", "--nonce", "00", "--block-limit", "5000"}),
      "(code -32010)");
}

}  // namespace trestle::cli_test::rpc
