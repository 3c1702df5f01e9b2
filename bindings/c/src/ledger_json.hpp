#pragma once
// JSON views of ledger values, the same fields `trestle ledger show` prints: bytes and hashes as
// lower-case hex without 0x, integers as JSON numbers, a missing target as null.

#include <string>

#include <nlohmann/json.hpp>

#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/transaction.hpp"

namespace trestle::capi {

nlohmann::ordered_json header_json(const crypto::CryptoSuite& suite, const ledger::BlockHeader& header);
// The fields, the hash, and the signature check: "sender_address" (null when the signature does
// not verify) and "signature_valid".
nlohmann::ordered_json transaction_json(const crypto::CryptoSuite& suite, const ledger::Transaction& tx);
nlohmann::ordered_json receipt_json(const crypto::CryptoSuite& suite, const ledger::Receipt& receipt);
// {"header": ..., "transactions": [...]}.
nlohmann::ordered_json block_json(const crypto::CryptoSuite& suite, const ledger::Block& block);

// Compact text. Chain and group ids are arbitrary bytes: invalid UTF-8 is replaced by U+FFFD
// rather than failing (the exact bytes are in the encoding and the transaction accessors).
std::string dump(const nlohmann::ordered_json& value);

}  // namespace trestle::capi
