#include "trestle/node/ledger_json.hpp"

#include "trestle/core/hex.hpp"

namespace trestle::node {

using json = nlohmann::ordered_json;

nlohmann::ordered_json header_json(const crypto::CryptoSuite& suite, const ledger::BlockHeader& header) {
  json certificate = json::array();
  for (const auto& vote : header.certificate) {
    certificate.push_back({{"sealer_index", vote.sealer_index}, {"signature", to_hex(vote.signature)}});
  }
  return {{"hash", to_hex(header.hash(suite))},
          {"version", ledger::BlockHeader::kVersion},
          {"parent_hash", to_hex(header.parent_hash)},
          {"height", header.height},
          {"timestamp_ms", header.timestamp_ms},
          {"proposer_index", header.proposer_index},
          {"tx_count", header.tx_count},
          {"tx_root", to_hex(header.tx_root)},
          {"receipt_root", to_hex(header.receipt_root)},
          {"state_root", to_hex(header.state_root)},
          {"sealer_set_hash", to_hex(header.sealer_set_hash)},
          {"certificate", std::move(certificate)}};
}

nlohmann::ordered_json transaction_json(const crypto::CryptoSuite& suite, const ledger::Transaction& tx) {
  auto sender = tx.verify(suite);
  return {{"hash", to_hex(tx.hash(suite))},
          {"version", ledger::Transaction::kVersion},
          {"chain_id", tx.chain_id},
          {"group_id", tx.group_id},
          {"nonce", to_hex(tx.nonce)},
          {"block_limit", tx.block_limit},
          {"target", tx.target ? json(to_hex(*tx.target)) : json(nullptr)},
          {"payload", to_hex(tx.payload)},
          {"timestamp_ms", tx.timestamp_ms},
          {"sender", to_hex(tx.sender)},
          {"signature", to_hex(tx.signature)},
          {"sender_address", sender.ok() ? json(to_hex(sender.value())) : json(nullptr)},
          {"signature_valid", sender.ok()}};
}

nlohmann::ordered_json receipt_json(const crypto::CryptoSuite& suite, const ledger::Receipt& receipt) {
  json logs = json::array();
  for (const auto& log : receipt.logs) {
    json topics = json::array();
    for (const auto& topic : log.topics) topics.push_back(to_hex(topic));
    logs.push_back({{"address", to_hex(log.address)}, {"topics", std::move(topics)}, {"data", to_hex(log.data)}});
  }
  return {{"hash", to_hex(receipt.hash(suite))},
          {"tx_hash", to_hex(receipt.tx_hash)},
          {"status", receipt.status},
          {"output", to_hex(receipt.output)},
          {"logs", std::move(logs)},
          {"height", receipt.height}};
}

nlohmann::ordered_json block_json(const crypto::CryptoSuite& suite, const ledger::Block& block) {
  json transactions = json::array();
  for (const auto& tx : block.transactions) transactions.push_back(transaction_json(suite, tx));
  return {{"header", header_json(suite, block.header)}, {"transactions", std::move(transactions)}};
}

nlohmann::ordered_json proof_json(const ledger::MerkleProof& proof) {
  json siblings = json::array();
  for (const auto& sibling : proof.siblings) siblings.push_back(to_hex(sibling));
  return {{"leaf_index", proof.leaf_index}, {"tree_size", proof.tree_size}, {"siblings", std::move(siblings)}};
}

}  // namespace trestle::node
