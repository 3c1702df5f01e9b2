#pragma once
// A small JSON-RPC 2.0 client for a Trestle node (docs/rpc.md has the methods), used by
// `trestle rpc`, `trestle tx` and `trestle load`.
//
// One RpcClient talks to one node over plain HTTP, keeping its connection open between calls. It
// is not thread-safe: use one client per thread. Errors are values:
//   kIo               the node cannot be reached, or the connection broke ("cannot reach URL: ...")
//   kNotFound         error object -32004 (nothing committed under that hash)
//   kInvalidArgument  any other error object ("METHOD: message (code N)"), or an answer that is
//                     not a JSON-RPC response
//   kLimitExceeded    an answer over kRpcResponseSizeMax

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/transaction.hpp"

namespace httplib {
class Client;
}

namespace trestle::cli {

// A block with many transactions is a few MiB of JSON; anything far larger is not an answer.
inline constexpr std::size_t kRpcResponseSizeMax = std::size_t{64} << 20;

// The JSON-RPC error code of a transaction refused by the pool.
inline constexpr int kRpcTransactionRejected = -32010;

// Where a node listens: http://HOST[:PORT][/PATH]. HOST may be a name, an IPv4 address or a
// bracketed IPv6 address; PORT defaults to 80, PATH to "/".
struct RpcUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string path = "/";
  std::string text;  // as given, for messages
};

// Errors (kInvalidArgument): https ("https is not supported"), another scheme, an empty host, a
// port out of range.
Result<RpcUrl> parse_rpc_url(std::string_view url);

struct RpcClientOptions {
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds read_timeout{30'000};
};

struct RpcRequest {
  std::string method;
  nlohmann::ordered_json params = nlohmann::ordered_json::array();
};

// One JSON-RPC outcome: the result, or the error object's code and message.
struct RpcAnswer {
  nlohmann::ordered_json result;
  std::optional<int> error_code;  // set when the node answered with an error object
  std::string error_message;      // "METHOD: message (code N)" when error_code is set

  bool ok() const { return !error_code.has_value(); }
};

class RpcClient {
 public:
  // Errors: as parse_rpc_url. Does not connect yet.
  static Result<std::unique_ptr<RpcClient>> create(std::string_view url, const RpcClientOptions& options = {});
  ~RpcClient();
  RpcClient(const RpcClient&) = delete;
  RpcClient& operator=(const RpcClient&) = delete;

  const RpcUrl& url() const { return url_; }

  // Calls `method` with positional `params` (an array) and returns its result (null included).
  // An error object becomes an Error as listed at the top of this file.
  Result<nlohmann::ordered_json> call(const std::string& method,
                                      nlohmann::ordered_json params = nlohmann::ordered_json::array());

  // Sends `requests` as one JSON-RPC batch (one HTTP request) and returns one answer per request,
  // in order. An error object of one request is its RpcAnswer, not an Error; an Error means the
  // whole batch failed (transport, or a malformed answer). An empty batch is answered with no
  // request sent.
  Result<std::vector<RpcAnswer>> call_batch(const std::vector<RpcRequest>& requests);

 private:
  RpcClient(RpcUrl url, std::unique_ptr<httplib::Client> http);
  // POSTs `body` and returns the answer's text. Errors: kIo, kLimitExceeded.
  Result<std::string> post(const std::string& body, std::string_view what);

  RpcUrl url_;
  RpcClientOptions options_;
  std::unique_ptr<httplib::Client> http_;
  std::uint64_t next_id_ = 1;
};

// What a client must know of a chain to sign for it, from getNodeInfo.
struct ChainInfo {
  const crypto::CryptoSuite* suite = nullptr;
  std::string chain_id;
  std::string group_id;
};

// Errors: as RpcClient::call, kInvalidArgument for an answer without these fields or an unknown
// suite.
Result<ChainInfo> fetch_chain_info(RpcClient& client);

// The latest committed height (getBlockNumber): -1 before the genesis block. Errors: as
// RpcClient::call, kInvalidArgument for an answer that is not an integer >= -1.
Result<std::int64_t> fetch_block_number(RpcClient& client);

// A transaction for `chain`, not yet signed: a 16-byte random nonce, the clock's timestamp.
// Error: kInternal when the system's random generator fails.
Result<ledger::Transaction> new_transaction(const ChainInfo& chain, std::optional<Address> target, Bytes payload,
                                            std::uint64_t block_limit);

// Checks that `key` belongs to the chain's suite. Error: kInvalidArgument naming both.
Status check_key_suite(const ChainInfo& chain, const crypto::PrivateKey& key, std::string_view key_name);

}  // namespace trestle::cli
