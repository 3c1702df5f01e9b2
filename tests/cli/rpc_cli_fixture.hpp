#pragma once
// The RPC client tests' stand-in node: an HTTP server that answers the JSON-RPC methods of
// docs/rpc.md from canned state, and decodes and verifies every transaction it receives with the
// ledger library; plus an accounts directory as `trestle chain init` writes it.

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

namespace trestle::cli_test::rpc {

using json = nlohmann::ordered_json;

inline constexpr const char* kChainId = "rpc-test-chain";
inline constexpr const char* kGroupId = "group-1";
inline constexpr std::uint64_t kStartHeight = 10;

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Serves `server` (already bound) on a new thread, and returns once it accepts requests, so that a
// stop() cannot come before the serving loop starts and be missed.
inline std::thread start(httplib::Server& server) {
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

inline void check_no_problems(const FakeNode& node) {
  for (const std::string& problem : node.problems()) FAIL_CHECK(problem);
}

// A port nothing listens on: bound to a socket that is then closed, so connecting is refused.
inline int closed_port() {
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

inline void check_usage_error(const RunResult& result, const std::string& needle) {
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(is_one_line_error(result.err));
  CHECK(result.err.find(needle) != std::string::npos);
}

inline const crypto::CryptoSuite& suite_named(const std::string& name) {
  return name == "sm" ? crypto::CryptoSuite::sm() : crypto::CryptoSuite::ecdsa();
}

// the crypto library.
inline std::vector<Address> write_accounts(const TempDir& dir, const crypto::CryptoSuite& suite, std::size_t count) {
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

}  // namespace trestle::cli_test::rpc
