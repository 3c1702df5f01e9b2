#include "rpc_methods.hpp"

#include <array>
#include <exception>
#include <string_view>
#include <utility>
#include <variant>

#include "trestle/core/hex.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/node/ledger_json.hpp"

namespace trestle::node::rpc {
namespace {

using json = nlohmann::ordered_json;

// What a method answers: a result, or an error object.
struct Failure {
  int code = kInternalError;
  std::string message;
  json data;  // null: the error object has no "data"
};
using Outcome = std::variant<json, Failure>;

// Method names and strings echoed in messages are cut to this length: an error message must not
// reflect megabytes of a request back.
constexpr std::size_t kEchoMaxChars = 80;

std::string echo(std::string_view text) {
  if (text.size() <= kEchoMaxChars) return std::string(text);
  return std::string(text.substr(0, kEchoMaxChars)) + "...";
}

Failure invalid_params(const Error& error) { return {kInvalidParams, error.message(), nullptr}; }

Failure store_failure(const std::string& what, const Error& error) {
  return {kInternalError, what + ": " + error.message(), nullptr};
}

std::string param_name(std::size_t index) { return "params[" + std::to_string(index) + "]"; }

Error param_error(std::size_t index, const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, param_name(index) + ": " + message);
}

// The JSON type as a message says it ("got a string").
std::string described_type(const json& value) {
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number_float()) return "a non-integer number";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_array()) return "an array";
  return "an object";
}

Status check_param_count(const json& params, std::size_t count_max) {
  if (params.size() <= count_max) return ok_status();
  return Error(ErrorCode::kInvalidArgument,
               "expected at most " + std::to_string(count_max) + " params, got " + std::to_string(params.size()));
}

std::string_view strip_hex_prefix(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  return text;
}

Result<Hash256> hash_param(const json& params, std::size_t index) {
  const std::string expected = "expected 64 hex digits";
  if (index >= params.size()) return param_error(index, "missing, " + expected);
  const json& value = params[index];
  if (!value.is_string()) return param_error(index, expected + ", got " + described_type(value));
  const std::string_view digits = strip_hex_prefix(value.get_ref<const std::string&>());
  if (digits.size() != 2 * Hash256::kSize) {
    return param_error(index, expected + ", got " + std::to_string(digits.size()) + " characters");
  }
  auto hash = fixed_from_hex<Hash256::kSize>(digits);
  if (!hash.ok()) return param_error(index, expected + ": " + hash.error().message());
  return hash.value();
}

// Hex bytes: 1..bytes_max of them.
Result<Bytes> bytes_param(const json& params, std::size_t index, const std::string& what, std::size_t bytes_max) {
  const std::string expected = "expected " + what + " as hex";
  if (index >= params.size()) return param_error(index, "missing, " + expected);
  const json& value = params[index];
  if (!value.is_string()) return param_error(index, expected + ", got " + described_type(value));
  auto bytes = from_hex(value.get_ref<const std::string&>());
  if (!bytes.ok()) return param_error(index, expected + ": " + bytes.error().message());
  if (bytes.value().empty()) return param_error(index, expected + ", got no bytes");
  if (bytes.value().size() > bytes_max) {
    return param_error(index, what + " of " + std::to_string(bytes.value().size()) + " bytes is over the limit of " +
                                  std::to_string(bytes_max));
  }
  return std::move(bytes).value();
}

Result<std::uint64_t> height_param(const json& params, std::size_t index) {
  const std::string expected = "expected a block height (a non-negative integer)";
  if (index >= params.size()) return param_error(index, "missing, " + expected);
  const json& value = params[index];
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer())
    return param_error(index, expected + ", got " + std::to_string(value.get<std::int64_t>()));
  return param_error(index, expected + ", got " + described_type(value));
}

// Optional boolean: absent means `fallback`.
Result<bool> bool_param(const json& params, std::size_t index, bool fallback) {
  if (index >= params.size()) return fallback;
  const json& value = params[index];
  if (!value.is_boolean()) return param_error(index, "expected true or false, got " + described_type(value));
  return value.get<bool>();
}

Result<std::string> table_param(const json& params, std::size_t index, std::size_t bytes_max) {
  const std::string expected = "expected a table name (a string)";
  if (index >= params.size()) return param_error(index, "missing, " + expected);
  const json& value = params[index];
  if (!value.is_string()) return param_error(index, expected + ", got " + described_type(value));
  const auto& table = value.get_ref<const std::string&>();
  if (table.empty() || table.size() > bytes_max) {
    return param_error(
        index, "a table name has 1.." + std::to_string(bytes_max) + " bytes, got " + std::to_string(table.size()));
  }
  return table;
}

// -1 before the first block: the same answer as getBlockNumber.
json committed_height(const ledger::Store& store) {
  const auto tip = store.tip();
  return tip ? json(tip->height) : json(-1);
}

Outcome send_transaction(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 1); !count.ok()) return invalid_params(count.error());
  auto encoded = bytes_param(params, 0, "a signed transaction", api.store().limits().tx_size_max_bytes);
  if (!encoded.ok()) return invalid_params(encoded.error());
  auto hash = api.submit_transaction(encoded.value());
  if (!hash.ok()) {
    return Failure{kTransactionRejected, hash.error().message(),
                   json{{"status", std::string(error_code_name(hash.error().code()))}}};
  }
  return json(to_hex(hash.value()));
}

Outcome get_transaction(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 1); !count.ok()) return invalid_params(count.error());
  auto hash = hash_param(params, 0);
  if (!hash.ok()) return invalid_params(hash.error());
  const auto& store = api.store();
  const auto committed = [&](const ledger::TxLocation& location) -> Outcome {
    auto tx = store.transaction_at(location.height, location.index);
    if (!tx.ok()) return store_failure("reading transaction " + to_hex(hash.value()), tx.error());
    json out = transaction_json(api.suite(), tx.value());
    out["height"] = location.height;
    out["index"] = location.index;
    return out;
  };
  auto location = store.locate_transaction(hash.value());
  if (location.ok()) return committed(location.value());
  if (location.error().code() != ErrorCode::kNotFound) {
    return store_failure("looking up transaction " + to_hex(hash.value()), location.error());
  }
  if (auto pending = api.pending_transaction(hash.value())) {
    // Waiting in the pool: the null location marks it pending.
    json out = transaction_json(api.suite(), *pending);
    out["height"] = nullptr;
    out["index"] = nullptr;
    return out;
  }
  // Not pending: it may have been committed between the two looks.
  location = store.locate_transaction(hash.value());
  if (location.ok()) return committed(location.value());
  if (location.error().code() != ErrorCode::kNotFound) {
    return store_failure("looking up transaction " + to_hex(hash.value()), location.error());
  }
  return json(nullptr);
}

Outcome get_transaction_receipt(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 1); !count.ok()) return invalid_params(count.error());
  auto hash = hash_param(params, 0);
  if (!hash.ok()) return invalid_params(hash.error());
  auto receipt = api.store().receipt(hash.value());
  if (receipt.ok()) return receipt_json(api.suite(), receipt.value());
  if (receipt.error().code() == ErrorCode::kNotFound) return json(nullptr);
  return store_failure("reading the receipt of " + to_hex(hash.value()), receipt.error());
}

// getTransactionProof and getReceiptProof: one object carries both proofs.
Outcome get_inclusion_proof(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 1); !count.ok()) return invalid_params(count.error());
  auto hash = hash_param(params, 0);
  if (!hash.ok()) return invalid_params(hash.error());
  auto inclusion = ledger::prove_transaction(api.store(), hash.value());
  if (!inclusion.ok()) {
    if (inclusion.error().code() == ErrorCode::kNotFound) {
      return Failure{kNotFound, "no committed transaction " + to_hex(hash.value()), nullptr};
    }
    return store_failure("proving transaction " + to_hex(hash.value()), inclusion.error());
  }
  const auto& proof = inclusion.value();
  return json{{"header", to_hex(proof.header.encode())},
              {"transaction", to_hex(proof.transaction.encode())},
              {"transaction_proof", to_hex(proof.transaction_proof.encode())},
              {"receipt", to_hex(proof.receipt.encode())},
              {"receipt_proof", to_hex(proof.receipt_proof.encode())}};
}

Outcome block_at(NodeApi& api, std::uint64_t height, bool include_transactions) {
  const auto& store = api.store();
  auto header = store.header_at(height);
  if (!header.ok()) {
    if (header.error().code() == ErrorCode::kNotFound) return json(nullptr);
    return store_failure("reading block " + std::to_string(height), header.error());
  }
  auto txs = store.transactions_at(height);
  if (!txs.ok()) return store_failure("reading the transactions of block " + std::to_string(height), txs.error());
  json out = header_json(api.suite(), header.value());
  json transactions = json::array();
  for (const auto& tx : txs.value()) {
    transactions.push_back(include_transactions ? transaction_json(api.suite(), tx)
                                                : json(to_hex(tx.hash(api.suite()))));
  }
  out["transactions"] = std::move(transactions);
  return out;
}

Outcome get_block_by_number(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 2); !count.ok()) return invalid_params(count.error());
  auto height = height_param(params, 0);
  if (!height.ok()) return invalid_params(height.error());
  auto include = bool_param(params, 1, false);
  if (!include.ok()) return invalid_params(include.error());
  return block_at(api, height.value(), include.value());
}

Outcome get_block_by_hash(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 2); !count.ok()) return invalid_params(count.error());
  auto hash = hash_param(params, 0);
  if (!hash.ok()) return invalid_params(hash.error());
  auto include = bool_param(params, 1, false);
  if (!include.ok()) return invalid_params(include.error());
  auto height = api.store().height_of(hash.value());
  if (!height.ok()) {
    if (height.error().code() == ErrorCode::kNotFound) return json(nullptr);
    return store_failure("looking up block " + to_hex(hash.value()), height.error());
  }
  return block_at(api, height.value(), include.value());
}

Outcome get_block_number(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 0); !count.ok()) return invalid_params(count.error());
  return committed_height(api.store());
}

Outcome get_state(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 2); !count.ok()) return invalid_params(count.error());
  const auto& limits = api.store().limits();
  auto table = table_param(params, 0, limits.state_table_name_max_bytes);
  if (!table.ok()) return invalid_params(table.error());
  auto key = bytes_param(params, 1, "a state key", limits.state_key_max_bytes);
  if (!key.ok()) return invalid_params(key.error());
  auto view = api.store().state_view();
  if (!view.ok()) return store_failure("opening a state view", view.error());
  auto value = view.value()->get(table.value(), key.value());
  if (!value.ok()) return store_failure("reading table '" + echo(table.value()) + "'", value.error());
  if (!value.value()) return json(nullptr);
  return json(to_hex(*value.value()));
}

Outcome get_peers(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 0); !count.ok()) return invalid_params(count.error());
  json out = json::array();
  for (const auto& peer : api.peers()) {
    const auto& stats = peer.stats;
    out.push_back({{"index", peer.index},
                   {"node_id", to_hex(stats.peer)},
                   {"connected", stats.connected},
                   {"outbound", stats.outbound},
                   {"remote_endpoint", stats.remote_endpoint},
                   {"bytes_sent", stats.bytes_sent},
                   {"bytes_received", stats.bytes_received},
                   {"frames_sent", stats.frames_sent},
                   {"frames_received", stats.frames_received},
                   {"frames_dropped", stats.frames_dropped},
                   {"connects", stats.connects},
                   {"reconnects", stats.reconnects},
                   {"disconnects", stats.disconnects},
                   {"queued_bytes", stats.queued_bytes},
                   {"queued_frames", stats.queued_frames}});
  }
  return out;
}

Outcome get_sealers(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 0); !count.ok()) return invalid_params(count.error());
  json out = json::array();
  for (const auto& sealer : api.sealers()) {
    out.push_back({{"index", sealer.index},
                   {"public_key", to_hex(sealer.public_key)},
                   {"address", to_hex(sealer.address)},
                   {"node_id", to_hex(sealer.node_id)}});
  }
  return out;
}

Outcome get_sync_status(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 0); !count.ok()) return invalid_params(count.error());
  const auto status = api.sync_status();
  return json{{"syncing", status.syncing},
              {"height", status.height},
              {"highest_height", status.highest_height},
              {"blocks_synced", status.blocks_synced}};
}

Outcome get_node_info(NodeApi& api, const json& params) {
  if (auto count = check_param_count(params, 0); !count.ok()) return invalid_params(count.error());
  const auto info = api.info();
  return json{{"version", info.version},
              {"chain_id", info.chain_id},
              {"group_id", info.group_id},
              {"suite", info.suite},
              {"consensus", info.consensus},
              {"application", info.application},
              {"node_index", info.node_index},
              {"node_id", to_hex(info.node_id)},
              {"sealer_count", info.sealer_count},
              {"uptime_ms", info.uptime_ms},
              {"consensus_failed", info.consensus_failed},
              {"height", committed_height(api.store())}};
}

struct Method {
  std::string_view name;
  Outcome (*run)(NodeApi& api, const json& params);
};

constexpr std::array<Method, 13> kMethods{{
    {"sendTransaction", send_transaction},
    {"getTransaction", get_transaction},
    {"getTransactionReceipt", get_transaction_receipt},
    {"getTransactionProof", get_inclusion_proof},
    {"getReceiptProof", get_inclusion_proof},
    {"getBlockByNumber", get_block_by_number},
    {"getBlockByHash", get_block_by_hash},
    {"getBlockNumber", get_block_number},
    {"getState", get_state},
    {"getPeers", get_peers},
    {"getSealers", get_sealers},
    {"getSyncStatus", get_sync_status},
    {"getNodeInfo", get_node_info},
}};

Outcome run_method(NodeApi& api, const std::string& name, const json& params) {
  for (const auto& method : kMethods) {
    if (method.name != name) continue;
    // The api and the JSON library may throw (std::bad_alloc at least): the caller gets an error
    // object, the server keeps serving.
    try {
      return method.run(api, params);
    } catch (const std::exception& error) {
      return Failure{kInternalError, name + " failed: " + error.what(), nullptr};
    } catch (...) {
      return Failure{kInternalError, name + " failed with an unknown exception", nullptr};
    }
  }
  return Failure{kMethodNotFound, "method not found: " + echo(name), nullptr};
}

std::string response(const json& id, Outcome outcome) {
  json out{{"jsonrpc", "2.0"}, {"id", id}};
  if (auto* result = std::get_if<json>(&outcome)) {
    out["result"] = std::move(*result);
  } else {
    auto& failure = std::get<Failure>(outcome);
    json error{{"code", failure.code}, {"message", std::move(failure.message)}};
    if (!failure.data.is_null()) error["data"] = std::move(failure.data);
    out["error"] = std::move(error);
  }
  return dump(out);
}

}  // namespace

std::string dump(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string error_response(const nlohmann::ordered_json& id, int code, const std::string& message) {
  return response(id, Failure{code, message, nullptr});
}

std::optional<std::string> answer_request(NodeApi& api, const nlohmann::ordered_json& request) {
  json id = nullptr;
  try {
    if (!request.is_object()) {
      return error_response(nullptr, kInvalidRequest,
                            "a request must be a JSON object, got " + described_type(request));
    }
    const auto id_member = request.find("id");
    const bool notification = id_member == request.end();
    if (!notification) {
      if (!id_member->is_string() && !id_member->is_number() && !id_member->is_null()) {
        return error_response(nullptr, kInvalidRequest, "\"id\" must be a string, a number or null");
      }
      id = *id_member;
    }
    const auto version = request.find("jsonrpc");
    if (version == request.end() || !version->is_string() || version->get_ref<const std::string&>() != "2.0") {
      return error_response(id, kInvalidRequest, "\"jsonrpc\" must be \"2.0\"");
    }
    const auto method = request.find("method");
    if (method == request.end() || !method->is_string()) {
      return error_response(id, kInvalidRequest, "\"method\" must be a string");
    }
    static const json kNoParams = json::array();
    const auto params = request.find("params");
    if (params != request.end() && !params->is_array()) {
      return error_response(id, kInvalidRequest,
                            "\"params\" must be an array (positional params), got " + described_type(*params));
    }
    auto outcome =
        run_method(api, method->get_ref<const std::string&>(), params == request.end() ? kNoParams : *params);
    if (notification) return std::nullopt;
    return response(id, std::move(outcome));
  } catch (const std::exception& error) {
    return error_response(id, kInternalError, std::string("internal error: ") + error.what());
  } catch (...) {
    return error_response(id, kInternalError, "internal error");
  }
}

}  // namespace trestle::node::rpc
