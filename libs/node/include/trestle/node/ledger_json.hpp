#pragma once
// JSON views of ledger values, for `trestle ledger show` and the node's JSON-RPC answers. Bytes
// and hashes are lower-case hex without 0x; integers are JSON numbers (heights and timestamps fit
// in a double's 53 bits for any real chain); a missing target is null. docs/ledger.md lists the
// fields.

#include <nlohmann/json.hpp>

#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/merkle.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/transaction.hpp"

namespace trestle::node {

// The header's fields, its hash and its commit certificate.
nlohmann::ordered_json header_json(const crypto::CryptoSuite& suite, const ledger::BlockHeader& header);
// The transaction's fields and hash, and its signature check: "sender_address" (null when the
// signature does not verify) and "signature_valid".
nlohmann::ordered_json transaction_json(const crypto::CryptoSuite& suite, const ledger::Transaction& tx);
// The receipt's hash and fields.
nlohmann::ordered_json receipt_json(const crypto::CryptoSuite& suite, const ledger::Receipt& receipt);
// {"header": ..., "transactions": [...]}.
nlohmann::ordered_json block_json(const crypto::CryptoSuite& suite, const ledger::Block& block);
nlohmann::ordered_json proof_json(const ledger::MerkleProof& proof);

}  // namespace trestle::node
