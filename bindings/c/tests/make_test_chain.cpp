// Writes a small chain into an LMDB data dir, for the C and Python tests of the read-only store
// API: make_test_chain DIR sm|ecdsa BLOCKS. DIR is a scratch directory: anything in it is deleted. Block h holds 2h + 1
// signed transactions (odd counts, so the Merkle trees have promoted nodes), each with a receipt, and one state write.
// BLOCKS = 0 leaves an empty store. Keys are fixed, so the chain's content is reproducible
// except for SM2's random signature nonces.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/write_set.hpp"

using namespace trestle;

namespace {

constexpr const char* kChainId = "bindings-test";
constexpr std::uint64_t kTimestampMs = 1'700'000'000'000;

Status commit_block(ledger::Store& store, const crypto::CryptoSuite& suite, const crypto::PrivateKey& key,
                    ledger::Height height) {
  const auto tip = store.tip();
  ledger::Block block;
  block.header.height = height;
  block.header.parent_hash = tip ? tip->block_hash : Hash256();
  block.header.timestamp_ms = kTimestampMs + height * 1'000;
  for (std::uint64_t i = 0; i < 2 * height + 1; ++i) {
    ledger::Transaction tx;
    tx.chain_id = kChainId;
    tx.group_id = "group0";
    tx.nonce = {static_cast<std::uint8_t>(height), static_cast<std::uint8_t>(i)};
    tx.block_limit = height + 100;
    Address target;
    target[19] = static_cast<std::uint8_t>(i);
    tx.target = target;
    tx.payload = to_bytes(as_bytes("payload " + std::to_string(height) + "/" + std::to_string(i)));
    tx.timestamp_ms = kTimestampMs;
    TRESTLE_TRY_STATUS(tx.sign(suite, key));
    block.transactions.push_back(std::move(tx));
  }
  block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
  std::vector<ledger::Receipt> receipts;
  for (const auto& tx : block.transactions) {
    ledger::Receipt receipt;
    receipt.tx_hash = tx.hash(suite);
    receipt.status = static_cast<std::uint32_t>(receipts.size() % 2);
    receipt.output = tx.payload;
    receipt.height = height;
    receipts.push_back(std::move(receipt));
  }
  ledger::WriteSet writes;
  writes.put("kv", as_bytes("height"), as_bytes(std::to_string(height)));
  block.header.tx_root = ledger::transaction_root(suite, block.transactions);
  block.header.receipt_root = ledger::receipt_root(suite, receipts);
  block.header.state_root = ledger::next_state_root(suite, tip ? tip->state_root : Hash256(), writes);
  block.header.sealer_set_hash = suite.hash(as_bytes("sealers"));
  return store.commit(block, receipts, writes);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_test_chain DIR sm|ecdsa BLOCKS\n");
    return 2;
  }
  auto suite = crypto::CryptoSuite::by_name(argv[2]);
  if (!suite.ok()) {
    std::fprintf(stderr, "%s\n", suite.error().message().c_str());
    return 2;
  }
  const long blocks = std::strtol(argv[3], nullptr, 10);
  std::error_code ignored;
  std::filesystem::remove_all(argv[1], ignored);
  ledger::LmdbOptions options;
  options.suite = suite.value();
  options.chain_id = kChainId;
  options.sync = false;  // a test fixture, rebuilt on every run
  auto store = ledger::LmdbStore::open(argv[1], options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().message().c_str());
    return 1;
  }
  Bytes scalar(32, 0x11);
  auto key = crypto::PrivateKey::from_bytes(suite.value()->key_type(), scalar);
  if (!key.ok()) return 1;
  for (long height = 0; height < blocks; ++height) {
    const Status committed =
        commit_block(*store.value(), *suite.value(), key.value(), static_cast<ledger::Height>(height));
    if (!committed.ok()) {
      std::fprintf(stderr, "block %ld: %s\n", height, committed.error().message().c_str());
      return 1;
    }
  }
  return 0;
}
