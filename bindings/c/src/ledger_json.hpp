#pragma once
// JSON views of ledger values: the node library's (the fields `trestle ledger show` and the JSON-RPC
// print), and their compact text.

#include <string>

#include <nlohmann/json.hpp>

#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/node/ledger_json.hpp"

namespace trestle::capi {

using node::block_json;
using node::header_json;
using node::receipt_json;
using node::transaction_json;

// Compact text. Chain and group ids are arbitrary bytes: invalid UTF-8 is replaced by U+FFFD
// rather than failing (the exact bytes are in the encoding and the transaction accessors).
std::string dump(const nlohmann::ordered_json& value);

}  // namespace trestle::capi
