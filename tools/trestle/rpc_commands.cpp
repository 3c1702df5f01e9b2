// trestle rpc | tx transfer | tx send (the load generator is in load_command.cpp)

#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "rpc_client.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/node/apps.hpp"

namespace trestle::cli {

namespace {

using json = nlohmann::ordered_json;

constexpr const char* kUrlHelp = "The node's JSON-RPC address, http://HOST:PORT[/PATH]";
// How far ahead of the chain's height a transaction stays valid; nodes accept up to 1000.
constexpr std::uint64_t kBlockLimitAhead = 500;
constexpr std::chrono::milliseconds kReceiptPollInterval{100};

Status print_json(const json& value) { return write_stdout_line(value.dump(2)); }

struct CallOptions {
  std::string url;
  std::string method;
  std::string params;
};

// JSON-PARAMS: an array as is; any other value is the single parameter.
Result<json> parse_params(const std::string& text) {
  if (text.empty()) return json::array();
  json params = json::parse(text, nullptr, false);
  if (params.is_discarded()) {
    return Error(ErrorCode::kInvalidArgument, "JSON-PARAMS: not valid JSON: " + text);
  }
  if (!params.is_array()) params = json::array({std::move(params)});
  return params;
}

Outcome run_call(const CallOptions& options) {
  TRESTLE_TRY(json params, parse_params(options.params));
  TRESTLE_TRY(std::unique_ptr<RpcClient> client, RpcClient::create(options.url));
  TRESTLE_TRY(json result, client->call(options.method, std::move(params)));
  TRESTLE_TRY_STATUS(print_json(result));
  return kExitOk;
}

struct TxOptions {
  std::string url;
  std::string key;
  std::string to;
  std::string nonce;
  std::optional<std::uint64_t> block_limit;
  bool wait = false;
  double timeout_s = 30;
  // transfer
  std::uint64_t amount = 0;
  // send
  std::string payload;
  bool is_transfer = false;
};

// Polls getTransactionReceipt until the receipt exists; nullopt when `timeout_s` passed first.
Result<std::optional<json>> wait_for_receipt(RpcClient& client, const std::string& hash, double timeout_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    TRESTLE_TRY(json receipt, client.call("getTransactionReceipt", json::array({hash})));
    if (!receipt.is_null()) return std::optional<json>(std::move(receipt));
    if (std::chrono::steady_clock::now() >= deadline) return std::optional<json>();
    std::this_thread::sleep_for(kReceiptPollInterval);
  }
}

Outcome run_tx(const TxOptions& options) {
  std::optional<Address> target;
  if (!options.to.empty()) {
    auto to = fixed_from_hex<Address::kSize>(options.to);
    if (!to.ok()) return to.error().with_context("--to");
    target = to.value();
  }
  Bytes payload;
  if (options.is_transfer) {
    payload = node::asset::encode_transfer(options.amount);
  } else {
    TRESTLE_TRY(payload, parse_hex_option("--payload", options.payload));
  }
  std::optional<Bytes> nonce;
  if (!options.nonce.empty()) {
    TRESTLE_TRY(nonce, parse_hex_option("--nonce", options.nonce));
  }
  TRESTLE_TRY(crypto::PrivateKey key, read_private_key(options.key));
  TRESTLE_TRY(std::unique_ptr<RpcClient> client, RpcClient::create(options.url));
  TRESTLE_TRY(ChainInfo chain, fetch_chain_info(*client));
  TRESTLE_TRY_STATUS(check_key_suite(chain, key, options.key));
  std::uint64_t block_limit = 0;
  if (options.block_limit) {
    block_limit = *options.block_limit;
  } else {
    TRESTLE_TRY(std::int64_t height, fetch_block_number(*client));
    block_limit = static_cast<std::uint64_t>(height + 1) + kBlockLimitAhead - 1;
  }

  TRESTLE_TRY(ledger::Transaction tx, new_transaction(chain, target, std::move(payload), block_limit));
  if (nonce) tx.nonce = std::move(*nonce);
  auto valid = tx.validate(ledger::Limits{});
  if (!valid.ok()) return valid.error().with_context("transaction");
  TRESTLE_TRY_STATUS(tx.sign(*chain.suite, key));
  std::string hash = to_hex(tx.hash(*chain.suite));

  TRESTLE_TRY(json answer, client->call("sendTransaction", json::array({to_hex(tx.encode())})));
  if (!answer.is_string() || answer.get<std::string>() != hash) {
    return Error(ErrorCode::kInvalidArgument,
                 "sendTransaction: the node answered " + answer.dump() + ", not the transaction hash " + hash);
  }
  TRESTLE_TRY_STATUS(write_stdout_line(hash));
  if (!options.wait) return kExitOk;

  TRESTLE_TRY(std::optional<json> waited, wait_for_receipt(*client, hash, options.timeout_s));
  if (!waited) {
    print_error("transaction " + hash + " has no receipt after " + fmt::format("{:g}", options.timeout_s) +
                " s; it may still commit later");
    return kExitInvalid;
  }
  const json& receipt = *waited;
  TRESTLE_TRY_STATUS(print_json(receipt));
  auto status = receipt.find("status");
  if (!receipt.is_object() || status == receipt.end() || !status->is_number_unsigned()) {
    return Error(ErrorCode::kInvalidArgument, "getTransactionReceipt: the receipt has no integer 'status'");
  }
  return status->get<std::uint64_t>() == ledger::Receipt::kStatusSuccess ? kExitOk : kExitInvalid;
}

void add_tx_options(CLI::App& command, TxOptions& options) {
  command.add_option("--url", options.url, kUrlHelp)->required()->type_name("URL");
  command
      .add_option("--key", options.key, "The sender's PEM private key (an sm chain needs an SM2 key, ecdsa secp256k1)")
      ->required()
      ->type_name("FILE");
  command.add_flag("--wait", options.wait,
                   "Wait for the receipt and print it; exit 1 when its status is not 0 or it does not come in time");
  command.add_option("--timeout", options.timeout_s, "Seconds --wait waits for the receipt")
      ->default_val(30)
      ->check(CLI::Range(0.0, 86'400.0))
      ->type_name("S");
  command.add_option("--nonce", options.nonce, "Use this nonce (1 to 32 bytes) instead of 16 random bytes")
      ->type_name("HEX");
  command
      .add_option("--block-limit", options.block_limit,
                  "The last height that may include the transaction (default: the chain's height + 500)")
      ->type_name("N");
}

constexpr const char* kTxDetails =
    "The chain id, group id and suite come from the node (getNodeInfo); the key must be of the chain's suite. "
    "Prints the transaction hash on one line once the node accepted it. With --wait, then polls "
    "getTransactionReceipt every 100 ms and prints the receipt as JSON. Exit codes: 0 accepted (with --wait: "
    "committed with status 0); 1 with --wait, a receipt whose status is not 0, or no receipt within --timeout; 2 "
    "usage error, unreachable node, or the node refused the transaction (its message on stderr).";

}  // namespace

void add_rpc_commands(CLI::App& app, Action& action) {
  auto call = std::make_shared<CallOptions>();
  CLI::App* rpc = app.add_subcommand("rpc", "Call a node's JSON-RPC method and print the result as JSON");
  add_details(*rpc,
              "JSON-PARAMS is a JSON array of positional parameters; any other JSON value is taken as the only "
              "parameter. The result is printed as JSON indented by 2 spaces (null when there is none). A JSON-RPC "
              "error object is exit 2 with 'METHOD: message (code N)' on stderr.");
  rpc->add_option("--url", call->url, kUrlHelp)->required()->type_name("URL");
  rpc->add_option("method", call->method, "The method, e.g. getBlockNumber")->required()->type_name("METHOD");
  rpc->add_option("params", call->params, "Parameters as JSON, e.g. '[1, true]'")->type_name("JSON-PARAMS");
  rpc->callback([call, &action] { action = [call] { return run_call(*call); }; });

  CLI::App* tx = app.add_subcommand("tx", "Sign and submit transactions to a node");
  tx->require_subcommand(1);

  auto transfer = std::make_shared<TxOptions>();
  transfer->is_transfer = true;
  CLI::App* transfer_command = tx->add_subcommand("transfer", "Transfer an amount of the asset application");
  add_details(*transfer_command, kTxDetails);
  add_tx_options(*transfer_command, *transfer);
  transfer_command->add_option("--to", transfer->to, "The recipient's address (20 bytes)")
      ->required()
      ->type_name("ADDRESS");
  transfer_command->add_option("--amount", transfer->amount, "The amount, at least 1")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->type_name("N");
  transfer_command->callback([transfer, &action] { action = [transfer] { return run_tx(*transfer); }; });

  auto send = std::make_shared<TxOptions>();
  CLI::App* send_command = tx->add_subcommand("send", "Send a transaction with any payload");
  add_details(*send_command, kTxDetails);
  add_tx_options(*send_command, *send);
  send_command->add_option("--to", send->to, "The target address (20 bytes); without it the transaction has no target")
      ->type_name("ADDRESS");
  send_command->add_option("--payload", send->payload, "The payload bytes ('' for none)")->required()->type_name("HEX");
  send_command->callback([send, &action] { action = [send] { return run_tx(*send); }; });

  add_load_command(app, action);
}

}  // namespace trestle::cli
