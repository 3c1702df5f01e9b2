#pragma once
// Helpers for the ledger tests: temporary directories, deterministic keys, signed transactions
// and well-formed blocks built on a store's tip.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/ledger/write_set.hpp"

namespace trestle::ledger::test {

inline constexpr const char* kChainId = "chain0";
inline constexpr const char* kGroupId = "group0";

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device random;
    const auto suffix = std::to_string(random()) + std::to_string(random());
    path_ = std::filesystem::temp_directory_path() / ("trestle-ledger-test-" + suffix);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Key number `n` (n >= 1) of the suite's type: the scalar n, so runs are reproducible.
inline crypto::PrivateKey test_key(const crypto::CryptoSuite& suite, std::uint8_t n) {
  Bytes scalar(32, 0);
  scalar[31] = n;
  scalar[0] = 0x11;  // keep the scalar far from tiny values without leaving the curve order
  return crypto::PrivateKey::from_bytes(suite.key_type(), scalar).value();
}

inline Transaction unsigned_tx(std::uint64_t nonce, Height block_limit, std::string_view payload = "payload") {
  Transaction tx;
  tx.chain_id = kChainId;
  tx.group_id = kGroupId;
  for (int shift = 56; shift >= 0; shift -= 8) tx.nonce.push_back(static_cast<std::uint8_t>(nonce >> shift));
  tx.block_limit = block_limit;
  Address target;
  target[19] = 0x42;
  tx.target = target;
  tx.payload = to_bytes(as_bytes(payload));
  tx.timestamp_ms = 1'700'000'000'000;
  return tx;
}

inline Transaction signed_tx(const crypto::CryptoSuite& suite, const crypto::PrivateKey& key, std::uint64_t nonce,
                             Height block_limit, std::string_view payload = "payload") {
  Transaction tx = unsigned_tx(nonce, block_limit, payload);
  auto signed_ok = tx.sign(suite, key);
  if (!signed_ok.ok()) throw std::runtime_error(signed_ok.error().message());
  return tx;
}

// A block with its receipts and write set, consistent with `tip` (roots filled in).
struct BuiltBlock {
  Block block;
  std::vector<Receipt> receipts;
  WriteSet writes;
};

inline BuiltBlock build_block(const crypto::CryptoSuite& suite, const std::optional<ChainTip>& tip,
                              std::vector<Transaction> txs, WriteSet writes = {}) {
  BuiltBlock out;
  Block& block = out.block;
  block.header.height = tip ? tip->height + 1 : 0;
  block.header.parent_hash = tip ? tip->block_hash : Hash256();
  block.header.timestamp_ms = 1'700'000'000'000 + block.header.height;
  block.header.proposer_index = static_cast<std::uint32_t>(block.header.height % 4);
  block.transactions = std::move(txs);
  block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
  for (const auto& tx : block.transactions) {
    Receipt receipt;
    receipt.tx_hash = tx.hash(suite);
    receipt.output = tx.payload;
    receipt.height = block.header.height;
    LogEntry log;
    log.address[0] = 0xaa;
    log.topics.push_back(receipt.tx_hash);
    log.data = {1, 2, 3};
    receipt.logs.push_back(log);
    out.receipts.push_back(std::move(receipt));
  }
  block.header.tx_root = transaction_root(suite, block.transactions);
  block.header.receipt_root = receipt_root(suite, out.receipts);
  block.header.state_root = next_state_root(suite, tip ? tip->state_root : Hash256(), writes);
  block.header.sealer_set_hash = suite.hash(as_bytes("sealers"));
  block.header.certificate = {SealerSignature{0, Bytes(64, 0x01)}, SealerSignature{2, Bytes(64, 0x02)}};
  out.writes = std::move(writes);
  return out;
}

inline Status commit_built(BlockStore& store, const BuiltBlock& built) {
  return store.commit(built.block, built.receipts, built.writes);
}

}  // namespace trestle::ledger::test
