// `trestle rpc | tx transfer | tx send | load` against a stand-in node: an HTTP server in this
// test that answers the JSON-RPC methods of docs/rpc.md from canned state, and decodes and
// verifies every transaction it receives with the ledger library.

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "process.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/memory_store.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/node/apps.hpp"
#include "trestle/node/rpc_server.hpp"

namespace trestle::cli_test {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kChainId = "rpc-test-chain";
constexpr const char* kGroupId = "group-1";
constexpr std::uint64_t kStartHeight = 10;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Serves `server` (already bound) on a new thread, and returns once it accepts requests, so that a
// stop() cannot come before the serving loop starts and be missed.
std::thread start(httplib::Server& server) {
  std::thread thread([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return thread;
}

// A transaction the stand-in accepted, with the sender its signature proves.
struct Received {
  ledger::Transaction tx;
  Address sender;
  std::string hash;
};

// A node that answers getNodeInfo, getBlockNumber, sendTransaction, getTransactionReceipt and
// getBlockByNumber. Every accepted transaction goes into the next block, made when a client next
// asks getBlockNumber (unless `commit` is false). Problems it finds in a request are collected,
// for the test thread to check (Catch2 assertions are not thread-safe).
class FakeNode {
 public:
  explicit FakeNode(const crypto::CryptoSuite& suite) : suite_(suite) {
    server_.Post("/", [this](const httplib::Request& request, httplib::Response& response) {
      response.set_content(answer(request.body), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = start(server_);
  }
  ~FakeNode() {
    server_.stop();
    thread_.join();
  }
  FakeNode(const FakeNode&) = delete;
  FakeNode& operator=(const FakeNode&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void set_receipt_status(std::uint32_t status) {
    std::lock_guard lock(mutex_);
    receipt_status_ = status;
  }
  void set_commit(bool commit) {
    std::lock_guard lock(mutex_);
    commit_ = commit;
  }
  std::vector<Received> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }
  std::vector<json> params_of(const std::string& method) const {
    std::lock_guard lock(mutex_);
    auto found = params_.find(method);
    return found == params_.end() ? std::vector<json>{} : found->second;
  }
  std::vector<std::size_t> batch_sizes() const {
    std::lock_guard lock(mutex_);
    return batch_sizes_;
  }
  std::size_t http_requests() const {
    std::lock_guard lock(mutex_);
    return http_requests_;
  }
  json node_info() const {
    return {
        {"version", "0.0.0-test"}, {"chain_id", kChainId},   {"group_id", kGroupId},  {"suite", suite_.name()},
        {"consensus", "pbft"},     {"application", "asset"}, {"node_index", 0},       {"node_id", std::string(64, 'a')},
        {"sealer_count", 4},       {"uptime_ms", 1234},      {"height", kStartHeight}};
  }

 private:
  std::string answer(const std::string& body) {
    std::lock_guard lock(mutex_);
    ++http_requests_;
    json request = json::parse(body, nullptr, false);
    if (request.is_array()) {
      batch_sizes_.push_back(request.size());
      json out = json::array();
      for (const json& one : request) out.push_back(answer_one(one));
      return out.dump();
    }
    return answer_one(request).dump();
  }

  static json error(const json& id, int code, const std::string& message) {
    return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
  }

  json answer_one(const json& request) {
    if (!request.is_object() || request.value("jsonrpc", "") != "2.0" || !request.contains("id") ||
        !request.contains("method") || !request["method"].is_string() || !request.contains("params") ||
        !request["params"].is_array()) {
      problems_.push_back("malformed request: " + request.dump());
      return error(nullptr, -32600, "invalid request");
    }
    const json& id = request["id"];
    std::string method = request["method"];
    const json& params = request["params"];
    params_[method].push_back(params);
    json result;
    if (method == "getNodeInfo") {
      result = node_info();
    } else if (method == "getBlockNumber") {
      if (commit_ && !pending_.empty()) blocks_.push_back(std::exchange(pending_, {}));
      result = height();
    } else if (method == "getBlockByNumber") {
      if (params.empty() || !params[0].is_number_unsigned()) return error(id, -32602, "params[0]: expected a height");
      if (params.size() != 2 || params[1] != false)
        problems_.push_back("getBlockByNumber without false: " + params.dump());
      std::uint64_t at = params[0];
      if (at > height()) {
        result = nullptr;
      } else {
        json hashes = json::array();
        if (at > kStartHeight) hashes = blocks_[at - kStartHeight - 1];
        result = {{"height", at}, {"hash", std::string(64, 'b')}, {"transactions", hashes}};
      }
    } else if (method == "sendTransaction") {
      return send_transaction(id, params);
    } else if (method == "getTransactionReceipt") {
      std::string hash = params.empty() ? "" : params[0].get<std::string>();
      bool known = false;
      for (const Received& one : received_) known = known || one.hash == hash;
      // The first poll finds nothing yet, as while a transaction waits for its block.
      if (known && receipt_polls_[hash]++ > 0) {
        result = {{"tx_hash", hash},
                  {"status", receipt_status_},
                  {"output", ""},
                  {"logs", json::array()},
                  {"height", kStartHeight + 1}};
      }
    } else {
      return error(id, -32601, "method not found: " + method);
    }
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}};
  }

  std::uint64_t height() const { return kStartHeight + blocks_.size(); }

  json send_transaction(const json& id, const json& params) {
    if (params.size() != 1 || !params[0].is_string()) return error(id, -32602, "params[0]: expected hex");
    auto bytes = from_hex(params[0].get<std::string>());
    if (!bytes.ok()) return error(id, -32602, "params[0]: " + bytes.error().message());
    auto tx = ledger::Transaction::decode(bytes.value(), ledger::Limits{});
    if (!tx.ok()) {
      problems_.push_back("undecodable transaction: " + tx.error().message());
      return error(id, -32010, tx.error().message());
    }
    auto sender = tx.value().verify(suite_);
    if (!sender.ok()) {
      problems_.push_back("bad signature: " + sender.error().message());
      return error(id, -32010, sender.error().message());
    }
    if (tx.value().chain_id != kChainId || tx.value().group_id != kGroupId) problems_.push_back("wrong chain or group");
    if (std::llabs(static_cast<long long>(tx.value().timestamp_ms) - now_ms()) > 60'000) {
      problems_.push_back("timestamp is not the current time");
    }
    std::string nonce = to_hex(tx.value().nonce);
    if (!nonces_.insert(nonce).second) {
      json refused = error(id, -32010, "duplicate nonce " + nonce);
      refused["error"]["data"] = {{"status", "invalid_argument"}};
      return refused;
    }
    std::string hash = to_hex(tx.value().hash(suite_));
    received_.push_back({tx.value(), sender.value(), hash});
    pending_.push_back(hash);
    return {{"jsonrpc", "2.0"}, {"id", id}, {"result", hash}};
  }

  const crypto::CryptoSuite& suite_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  std::uint32_t receipt_status_ = 0;
  bool commit_ = true;
  std::vector<Received> received_;
  std::vector<std::string> problems_;
  std::map<std::string, std::vector<json>> params_;
  std::set<std::string> nonces_;
  std::map<std::string, int> receipt_polls_;
  std::vector<std::string> pending_;
  std::vector<std::vector<std::string>> blocks_;  // blocks_[i] is at height kStartHeight + 1 + i
  std::size_t http_requests_ = 0;
  std::vector<std::size_t> batch_sizes_;
};

void check_no_problems(const FakeNode& node) {
  for (const std::string& problem : node.problems()) FAIL_CHECK(problem);
}

// A port nothing listens on: bound to a socket that is then closed, so connecting is refused.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
               ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  REQUIRE(bound);
  return ntohs(address.sin_port);
}

void check_usage_error(const RunResult& result, const std::string& needle) {
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(is_one_line_error(result.err));
  CHECK(result.err.find(needle) != std::string::npos);
}

const crypto::CryptoSuite& suite_named(const std::string& name) {
  return name == "sm" ? crypto::CryptoSuite::sm() : crypto::CryptoSuite::ecdsa();
}

}  // namespace

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

// DIR/accounts.json and DIR/accountJ.pem as `trestle chain init` writes them, with keys made by
// the crypto library.
std::vector<Address> write_accounts(const TempDir& dir, const crypto::CryptoSuite& suite, std::size_t count) {
  std::filesystem::create_directory(dir.path("accounts"));
  json list = json::array();
  std::vector<Address> addresses;
  for (std::size_t j = 0; j < count; ++j) {
    crypto::PrivateKey key = suite.generate_key().value();
    std::string name = "account" + std::to_string(j) + ".pem";
    dir.write("accounts/" + name, crypto::private_key_to_pem(key));
    addresses.push_back(suite.address(key.public_key()));
    list.push_back({{"address", to_hex(addresses.back())}, {"key", name}, {"balance", 1'000'000}});
  }
  dir.write("accounts/accounts.json", list.dump(2));
  return addresses;
}

}  // namespace

TEST_CASE("load signs, submits in batches and measures commits", "[cli][rpc][load]") {
  std::string suite_name = GENERATE(as<std::string>{}, "sm", "ecdsa");
  INFO("suite " << suite_name);
  const crypto::CryptoSuite& suite = suite_named(suite_name);
  FakeNode node(suite);
  TempDir dir;
  std::vector<Address> accounts = write_accounts(dir, suite, 3);

  RunResult load = trestle({"load", "--url", node.url() + "," + node.url(), "--accounts", dir.path("accounts"), "--txs",
                            "20", "--batch", "7", "--amount", "3", "--json"});
  INFO("stderr: " << load.err);
  REQUIRE(load.exit_code == 0);
  json report = json::parse(load.out);
  CHECK(load.out == report.dump() + "\n");  // one object on one line
  CHECK(report["submitted"] == 20);
  CHECK(report["committed"] == 20);
  CHECK(report["rejected"] == 0);
  CHECK(report["tps"].get<double>() > 0);
  CHECK(report["latency_ms_p50"].get<double>() > 0);
  CHECK(report["latency_ms_p99"].get<double>() >= report["latency_ms_p50"].get<double>());
  CHECK(report.contains("seconds"));
  check_no_problems(node);

  // Every transfer is a signed, distinct transaction from account i mod 3 to the next account.
  std::vector<Received> received = node.received();
  REQUIRE(received.size() == 20);
  std::map<std::pair<std::string, std::string>, int> pairs;
  std::set<std::string> hashes;
  for (const Received& one : received) {
    REQUIRE(one.tx.target.has_value());
    CHECK(node::asset::decode_transfer(one.tx.payload).value() == 3);
    CHECK(one.tx.block_limit == kStartHeight + 500);
    pairs[{to_hex(one.sender), to_hex(*one.tx.target)}]++;
    hashes.insert(one.hash);
  }
  CHECK(hashes.size() == 20);
  CHECK(pairs.size() == 3);
  CHECK(pairs[{to_hex(accounts[0]), to_hex(accounts[1])}] == 7);
  CHECK(pairs[{to_hex(accounts[1]), to_hex(accounts[2])}] == 7);
  CHECK(pairs[{to_hex(accounts[2]), to_hex(accounts[0])}] == 6);
  // Batches of 7: 20 transactions in 3 sendTransaction batches, each one HTTP request.
  CHECK(node.params_of("sendTransaction").size() == 20);
  std::vector<std::size_t> batches = node.batch_sizes();
  std::sort(batches.begin(), batches.end());
  CHECK(batches == std::vector<std::size_t>{6, 7, 7});
  for (const json& params : node.params_of("getBlockByNumber")) CHECK(params[1] == false);
}

TEST_CASE("load prints a text report and exits 1 when transactions do not commit", "[cli][rpc][load]") {
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::sm();
  FakeNode node(suite);
  TempDir dir;
  std::vector<Address> accounts = write_accounts(dir, suite, 2);

  SECTION("all committed, rate-limited") {
    auto started = std::chrono::steady_clock::now();
    RunResult load =
        trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "10", "--rate", "20"});
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO("stderr: " << load.err);
    REQUIRE(load.exit_code == 0);
    std::regex report(
        "submitted 10\ncommitted 10\nrejected 0\ntx/s [0-9]+\\.[0-9]\nlatency p50 [0-9]+\\.[0-9] ms\n"
        "latency p99 [0-9]+\\.[0-9] ms\n");
    CHECK(std::regex_match(load.out, report));
    CHECK(seconds >= 0.4);  // 10 transfers at 20 tx/s in batches of 2: the last batch leaves at 0.4 s
  }
  SECTION("nothing commits") {
    node.set_commit(false);
    RunResult load = trestle(
        {"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "5", "--timeout", "0.5", "--json"});
    CHECK(load.exit_code == 1);
    json report = json::parse(load.out);
    CHECK(report["submitted"] == 5);
    CHECK(report["committed"] == 0);
    CHECK(report["tps"] == 0);
    CHECK(load.err.find("5 of 5 transactions not committed within 0.5 s") != std::string::npos);
  }
  SECTION("refused transactions are counted") {
    // Every other batch of one goes to a URL where nothing listens: those transfers are refused.
    std::string unreachable = "http://127.0.0.1:" + std::to_string(closed_port());
    RunResult load = trestle({"load", "--url", node.url() + "," + unreachable, "--accounts", dir.path("accounts"),
                              "--txs", "4", "--batch", "1", "--timeout", "3", "--json"});
    CHECK(load.exit_code == 1);
    json report = json::parse(load.out);
    CHECK(report["submitted"] == 4);
    CHECK(report["committed"] == 2);
    CHECK(report["rejected"] == 2);
    CHECK(load.err.find("cannot reach " + unreachable) != std::string::npos);
  }
  SECTION("bad accounts directories") {
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("nowhere"), "--txs", "1"}),
                      "nowhere");
    dir.write("accounts/accounts.json", "[{\"address\": \"00\", \"key\": \"account0.pem\"}]");
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "accounts.json[0].address");
    dir.write("accounts/accounts.json",
              json::array({{{"address", std::string(40, '0')}, {"key", "account0.pem"}}}).dump());
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "has the address");
    dir.write("accounts/accounts.json",
              json::array({{{"address", to_hex(accounts[0])}, {"key", "account0.pem"}, {"balance", 0}}}).dump());
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "none can send");
    dir.write("accounts/accounts.json", "{}");
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "non-empty array");
    CHECK(node.params_of("sendTransaction").empty());
  }
}

}  // namespace trestle::cli_test

namespace trestle::cli_test {
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

}  // namespace trestle::cli_test
