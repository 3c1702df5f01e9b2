#pragma once
// The JSON-RPC methods of the node over a NodeApi, and the request/response framing of JSON-RPC
// 2.0 (batches, notifications, error objects). Private to the node library: RpcServer (rpc_server.hpp)
// is the public entry point. docs/rpc.md is the reference of every method.

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "trestle/node/node_api.hpp"

namespace trestle::node::rpc {

// JSON-RPC error codes (docs/rpc.md).
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kNotFound = -32004;
inline constexpr int kTransactionRejected = -32010;

// A batch's answer stops growing past this size: the requests left get an error asking for a
// smaller batch (a client refuses larger answers anyway).
inline constexpr std::size_t kBatchResponseMaxBytes = 64u << 20;

// A complete error response {"jsonrpc": "2.0", "id": id, "error": {...}}, serialized.
std::string error_response(const nlohmann::ordered_json& id, int code, const std::string& message);

// Answers one request value (an element of a batch or the whole body): the serialized response,
// or nullopt for a valid notification (no "id"). Never throws.
std::optional<std::string> answer_request(NodeApi& api, const nlohmann::ordered_json& request);

// Serializes a JSON value for the wire: compact, invalid UTF-8 replaced (strings from requests
// and from transactions are not guaranteed to be UTF-8).
std::string dump(const nlohmann::ordered_json& value);

}  // namespace trestle::node::rpc
