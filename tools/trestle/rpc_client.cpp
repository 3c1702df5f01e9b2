#include "rpc_client.hpp"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <unordered_map>
#include <utility>

#include "trestle/crypto/random.hpp"

namespace trestle::cli {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kNonceSize = 16;

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

std::string seconds_text(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

std::string transport_text(httplib::Error error, const RpcClientOptions& options) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection refused or host unreachable";
    case httplib::Error::ConnectionTimeout:
      return "no connection within " + seconds_text(options.connect_timeout);
    case httplib::Error::Read:
      return "no complete answer (connection closed, or nothing within " + seconds_text(options.read_timeout) + ")";
    case httplib::Error::Write:
      return "cannot send the request";
    case httplib::Error::BindIPAddress:
      return "cannot resolve or bind the address";
    default:
      return "HTTP error " + httplib::to_string(error);
  }
}

// "METHOD: message (code N)" for an error object; tolerant of a malformed one.
RpcAnswer error_answer(const std::string& method, const json& error) {
  RpcAnswer answer;
  int code = 0;
  std::string message = "malformed error object: " + error.dump();
  if (error.is_object()) {
    auto found_code = error.find("code");
    if (found_code != error.end() && found_code->is_number_integer()) code = found_code->get<int>();
    auto found_message = error.find("message");
    if (found_message != error.end() && found_message->is_string()) message = found_message->get<std::string>();
  }
  answer.error_code = code;
  answer.error_message = method + ": " + message + " (code " + std::to_string(code) + ")";
  return answer;
}

Error answer_error(const RpcAnswer& answer) {
  ErrorCode code = answer.error_code == -32004 ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument;
  return Error(code, answer.error_message);
}

// One response object of a JSON-RPC answer: its result or its error object. A response with
// neither is malformed.
Result<RpcAnswer> read_response(const std::string& method, const json& response) {
  if (!response.is_object()) return invalid(method + ": the answer is not a JSON-RPC response object");
  auto error = response.find("error");
  if (error != response.end() && !error->is_null()) return error_answer(method, *error);
  auto result = response.find("result");
  if (result == response.end()) return invalid(method + ": the answer has neither result nor error");
  RpcAnswer answer;
  answer.result = *result;
  return answer;
}

}  // namespace

Result<RpcUrl> parse_rpc_url(std::string_view url) {
  RpcUrl out;
  out.text = std::string(url);
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, 8) == "https://") return invalid(out.text + ": https is not supported; use http://");
  if (url.substr(0, kScheme.size()) != kScheme) {
    return invalid("'" + out.text + "' is not an RPC URL; expected http://HOST:PORT");
  }
  std::string_view rest = url.substr(kScheme.size());
  std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash));
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return invalid(out.text + ": unclosed '[' in the host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid(out.text + ": expected ':PORT' after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) return invalid(out.text + ": empty port");
    }
  } else {
    std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return invalid(out.text + ": empty port");
    }
  }
  if (out.host.empty()) return invalid(out.text + ": no host");
  if (out.host.find_first_of("@ ") != std::string::npos) return invalid(out.text + ": invalid host");
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, failure] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (failure != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return invalid(out.text + ": port must be a number from 1 to 65535");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

Result<std::unique_ptr<RpcClient>> RpcClient::create(std::string_view url, const RpcClientOptions& options) {
  TRESTLE_TRY(RpcUrl parsed, parse_rpc_url(url));
  auto http = std::make_unique<httplib::Client>(parsed.host, parsed.port);
  http->set_connection_timeout(options.connect_timeout);
  http->set_read_timeout(options.read_timeout);
  http->set_write_timeout(options.read_timeout);
  http->set_keep_alive(true);
  auto client = std::unique_ptr<RpcClient>(new RpcClient(std::move(parsed), std::move(http)));
  client->options_ = options;
  return client;
}

RpcClient::RpcClient(RpcUrl url, std::unique_ptr<httplib::Client> http)
    : url_(std::move(url)), http_(std::move(http)) {}

RpcClient::~RpcClient() = default;

Result<std::string> RpcClient::post(const std::string& body, std::string_view what) {
  httplib::Request request;
  request.method = "POST";
  request.path = url_.path;
  request.body = body;
  request.set_header("Content-Type", "application/json");
  std::string answer;
  bool too_large = false;
  request.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
    if (size > kRpcResponseSizeMax - answer.size()) {
      too_large = true;
      return false;
    }
    answer.append(data, size);
    return true;
  };
  httplib::Result response = http_->send(request);
  if (too_large) {
    return Error(ErrorCode::kLimitExceeded, std::string(what) + ": the answer is larger than " +
                                                std::to_string(kRpcResponseSizeMax >> 20) + " MiB");
  }
  if (!response) {
    return Error(ErrorCode::kIo, "cannot reach " + url_.text + ": " + transport_text(response.error(), options_));
  }
  // The node answers every JSON-RPC request with 200, and an oversize body with 413 and an error
  // object; any other status means this URL is not a node's RPC endpoint.
  if (response->status != 200 && response->status != 413) {
    return invalid(std::string(what) + ": " + url_.text + " answered HTTP " + std::to_string(response->status) +
                   "; is it a Trestle node's RPC address?");
  }
  return answer;
}

Result<nlohmann::ordered_json> RpcClient::call(const std::string& method, nlohmann::ordered_json params) {
  std::uint64_t id = next_id_++;
  json request = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
  TRESTLE_TRY(std::string text, post(request.dump(), method));
  json response = json::parse(text, nullptr, false);
  if (response.is_discarded()) return invalid(method + ": the answer is not JSON");
  TRESTLE_TRY(RpcAnswer answer, read_response(method, response));
  if (!answer.ok()) return answer_error(answer);
  if (response.value("id", json()) != json(id)) {
    return invalid(method + ": the answer is not the response to request " + std::to_string(id));
  }
  return std::move(answer.result);
}

Result<std::vector<RpcAnswer>> RpcClient::call_batch(const std::vector<RpcRequest>& requests) {
  if (requests.empty()) return std::vector<RpcAnswer>{};
  std::uint64_t first_id = next_id_;
  next_id_ += requests.size();
  json batch = json::array();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    batch.push_back(
        {{"jsonrpc", "2.0"}, {"id", first_id + i}, {"method", requests[i].method}, {"params", requests[i].params}});
  }
  const std::string& what = requests.front().method;
  TRESTLE_TRY(std::string text, post(batch.dump(), what));
  json response = json::parse(text, nullptr, false);
  if (response.is_discarded()) return invalid(what + ": the answer is not JSON");
  // A batch the node refuses as a whole (too many requests, body too large) gets one error object.
  if (response.is_object()) {
    TRESTLE_TRY(RpcAnswer answer, read_response(what, response));
    if (!answer.ok()) return answer_error(answer);
    return invalid(what + ": a batch was answered with a single result");
  }
  if (!response.is_array()) return invalid(what + ": the answer to a batch is not an array");
  std::unordered_map<std::uint64_t, const json*> by_id;
  for (const json& entry : response) {
    if (!entry.is_object()) return invalid(what + ": an entry of the batch answer is not an object");
    auto id = entry.find("id");
    if (id != entry.end() && id->is_number_unsigned()) by_id.emplace(id->get<std::uint64_t>(), &entry);
  }
  std::vector<RpcAnswer> answers;
  answers.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto found = by_id.find(first_id + i);
    if (found == by_id.end()) {
      return invalid(requests[i].method + ": the batch answer has no response to request " +
                     std::to_string(first_id + i));
    }
    TRESTLE_TRY(RpcAnswer answer, read_response(requests[i].method, *found->second));
    answers.push_back(std::move(answer));
  }
  return answers;
}

Result<ChainInfo> fetch_chain_info(RpcClient& client) {
  TRESTLE_TRY(json info, client.call("getNodeInfo"));
  ChainInfo chain;
  auto text_field = [&](const char* name) -> Result<std::string> {
    if (!info.is_object() || !info.contains(name) || !(*info.find(name)).is_string()) {
      return invalid(std::string("getNodeInfo: the answer has no string field '") + name + "'");
    }
    return info[name].get<std::string>();
  };
  TRESTLE_TRY(std::string suite_name, text_field("suite"));
  TRESTLE_TRY(chain.chain_id, text_field("chain_id"));
  TRESTLE_TRY(chain.group_id, text_field("group_id"));
  auto suite = crypto::CryptoSuite::by_name(suite_name);
  if (!suite.ok()) return suite.error().with_context("getNodeInfo: suite");
  chain.suite = suite.value();
  return chain;
}

Result<std::int64_t> fetch_block_number(RpcClient& client) {
  TRESTLE_TRY(json height, client.call("getBlockNumber"));
  if (!height.is_number_integer() || height.get<std::int64_t>() < -1) {
    return invalid("getBlockNumber: expected an integer >= -1, got " + height.dump());
  }
  return height.get<std::int64_t>();
}

Result<ledger::Transaction> new_transaction(const ChainInfo& chain, std::optional<Address> target, Bytes payload,
                                            std::uint64_t block_limit) {
  ledger::Transaction tx;
  tx.chain_id = chain.chain_id;
  tx.group_id = chain.group_id;
  TRESTLE_TRY(tx.nonce, crypto::random_bytes(kNonceSize));
  tx.block_limit = block_limit;
  tx.target = target;
  tx.payload = std::move(payload);
  tx.timestamp_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  return tx;
}

Status check_key_suite(const ChainInfo& chain, const crypto::PrivateKey& key, std::string_view key_name) {
  if (key.type() == chain.suite->key_type()) return ok_status();
  return invalid(std::string(key_name) + ": a " + std::string(crypto::key_type_name(key.type())) +
                 " key cannot sign for this chain, whose suite is " + std::string(chain.suite->name()) + " (" +
                 std::string(crypto::key_type_name(chain.suite->key_type())) + " keys)");
}

}  // namespace trestle::cli
