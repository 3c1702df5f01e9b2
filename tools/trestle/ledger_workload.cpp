#include "ledger_workload.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>

#include "trestle/core/codec.hpp"
#include "trestle/ledger/inclusion.hpp"

namespace trestle::workload {

using ledger::Height;

namespace {

constexpr std::size_t kSealerCount = 3;
constexpr std::uint64_t kTimestampBaseMs = 1'700'000'000'000;
constexpr std::string_view kAccountTable = "account";

Bytes be64(std::uint64_t value) {
  Writer writer(8);
  writer.u64(value);
  return writer.take();
}

Hash256 account_id(const crypto::CryptoSuite& suite, std::uint64_t slot) {
  Writer writer(16);
  writer.raw(as_bytes(kAccountTable)).u64(slot);
  return suite.hash(writer.data());
}

// Key `index` of the workload: the suite hash of a fixed label, rehashed in the (negligible) case
// that it is not a valid scalar. Fixed keys make reruns sign as the same senders; they protect
// nothing and must never hold value.
Result<crypto::PrivateKey> derive_key(const crypto::CryptoSuite& suite, std::size_t index) {
  Hash256 scalar = suite.hash(as_bytes("trestle ledger bench key " + std::to_string(index)));
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto key = crypto::PrivateKey::from_bytes(suite.key_type(), scalar);
    if (key.ok()) return key;
    scalar = suite.hash(scalar);
  }
  return Error(ErrorCode::kInternal, "cannot derive a benchmark key");
}

// The store's list layout: varint count, u32 end offsets, the items concatenated.
Bytes storage_list(const std::vector<Bytes>& items) {
  Writer writer;
  writer.varint(items.size());
  std::uint32_t end = 0;
  for (const Bytes& item : items) {
    end += static_cast<std::uint32_t>(item.size());
    writer.u32(end);
  }
  for (const Bytes& item : items) writer.raw(item);
  return writer.take();
}

bool bytes_less(const Bytes& a, const Bytes& b) {
  const std::size_t n = std::min(a.size(), b.size());
  const int order = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return order < 0 || (order == 0 && a.size() < b.size());
}

}  // namespace

Result<Workload> Workload::create(const crypto::CryptoSuite& suite, std::string chain_id, WorkloadOptions options) {
  options.sender_count = std::max(options.sender_count, kSealerCount);
  options.account_count = std::max(options.account_count, options.tx_count);
  std::vector<crypto::PrivateKey> keys;
  for (std::size_t i = 0; i < options.sender_count; ++i) {
    TRESTLE_TRY(crypto::PrivateKey key, derive_key(suite, i));
    keys.push_back(std::move(key));
  }
  return Workload(suite, std::move(chain_id), options, std::move(keys));
}

std::vector<ledger::Transaction> Workload::transactions(Height height) const {
  std::vector<ledger::Transaction> txs(options_.tx_count);
  for (std::size_t i = 0; i < txs.size(); ++i) {
    ledger::Transaction& tx = txs[i];
    tx.chain_id = chain_id_;
    tx.group_id = "group0";
    Writer nonce(12);
    nonce.u64(height).u32(static_cast<std::uint32_t>(i));
    tx.nonce = nonce.take();
    tx.block_limit = height + 500;
    const std::uint64_t slot = (height * options_.tx_count + i) % options_.account_count;
    tx.target = Address::copy_of(account_id(*suite_, slot).view().first(Address::kSize));
    tx.payload.resize(options_.payload_bytes);
    for (std::size_t b = 0; b < tx.payload.size(); ++b) {
      tx.payload[b] = static_cast<std::uint8_t>((b * 31) ^ (i * 7) ^ height);
    }
    tx.timestamp_ms = kTimestampBaseMs + height * 1'000;
  }
  return txs;
}

Status Workload::sign(std::vector<ledger::Transaction>& txs) const {
  for (std::size_t i = 0; i < txs.size(); ++i) {
    TRESTLE_TRY_STATUS(txs[i].sign(*suite_, keys_[i % keys_.size()]));
  }
  return ok_status();
}

Result<BuiltBlock> Workload::build(const std::optional<ledger::ChainTip>& tip,
                                   std::vector<ledger::Transaction> txs) const {
  BuiltBlock out;
  ledger::BlockHeader& header = out.block.header;
  header.height = tip ? tip->height + 1 : 0;
  header.parent_hash = tip ? tip->block_hash : Hash256();
  header.timestamp_ms = kTimestampBaseMs + header.height * 1'000;
  header.proposer_index = static_cast<std::uint32_t>(header.height % kSealerCount);
  header.tx_count = static_cast<std::uint32_t>(txs.size());
  out.block.transactions = std::move(txs);

  out.receipts.reserve(out.block.transactions.size());
  for (std::size_t i = 0; i < out.block.transactions.size(); ++i) {
    const ledger::Transaction& tx = out.block.transactions[i];
    ledger::Receipt receipt;
    receipt.tx_hash = tx.hash(*suite_);
    receipt.output = be64(header.height * options_.tx_count + i);
    ledger::LogEntry log;
    log.address = tx.target.value_or(Address());
    log.topics.push_back(receipt.tx_hash);
    log.data.assign(32, static_cast<std::uint8_t>(i));
    receipt.logs.push_back(std::move(log));
    receipt.height = header.height;
    out.receipts.push_back(std::move(receipt));

    const std::uint64_t slot = (header.height * options_.tx_count + i) % options_.account_count;
    Bytes balance(32, 0);
    const Bytes stamp = be64(header.height);
    std::copy(stamp.begin(), stamp.end(), balance.end() - 8);
    out.writes.put(kAccountTable, account_id(*suite_, slot), balance);
  }
  header.tx_root = ledger::transaction_root(*suite_, out.block.transactions);
  header.receipt_root = ledger::receipt_root(*suite_, out.receipts);
  header.state_root = ledger::next_state_root(*suite_, tip ? tip->state_root : Hash256(), out.writes);
  header.sealer_set_hash = suite_->hash(as_bytes("trestle ledger bench sealers"));
  const Hash256 block_hash = header.hash(*suite_);
  for (std::uint32_t sealer = 0; sealer < kSealerCount; ++sealer) {
    TRESTLE_TRY(Bytes signature, suite_->sign(keys_[sealer], block_hash));
    header.certificate.push_back(ledger::SealerSignature{sealer, std::move(signature)});
  }
  return out;
}

ledger::ChainTip tip_after(const crypto::CryptoSuite& suite, const BuiltBlock& built) {
  return ledger::ChainTip{built.block.header.height, built.block.hash(suite), built.block.header.state_root};
}

std::vector<StoreRecord> store_records(const crypto::CryptoSuite& suite, const BuiltBlock& built) {
  const ledger::Block& block = built.block;
  const Height height = block.header.height;
  std::vector<StoreRecord> records;
  records.reserve(5 + 2 * block.transactions.size());
  records.push_back({"headers", be64(height), block.header.encode(), true, false});
  std::vector<Bytes> tx_encodings;
  for (const auto& tx : block.transactions) tx_encodings.push_back(tx.encode());
  records.push_back({"bodies", be64(height), storage_list(tx_encodings), true, false});
  std::vector<Bytes> receipt_encodings;
  for (const auto& receipt : built.receipts) receipt_encodings.push_back(receipt.encode());
  records.push_back({"receipts", be64(height), storage_list(receipt_encodings), true, false});
  const Hash256 block_hash = block.hash(suite);
  records.push_back({"hashes", block_hash.to_vector(), be64(height), false, true});

  std::vector<StoreRecord> index;
  for (std::uint32_t i = 0; i < block.transactions.size(); ++i) {
    Writer location(12);
    location.u64(height).u32(i);
    index.push_back({"tx_index", block.transactions[i].hash(suite).to_vector(), location.take(), false, true});
  }
  std::sort(index.begin(), index.end(), [](const auto& a, const auto& b) { return bytes_less(a.key, b.key); });
  std::vector<StoreRecord> state;
  for (const auto& [key, value] : built.writes.entries()) {
    Bytes composite;
    composite.push_back(static_cast<std::uint8_t>(key.table.size()));
    append(composite, as_bytes(key.table));
    append(composite, key.key);
    state.push_back({"state", std::move(composite), value.value_or(Bytes()), false, false});
  }
  std::sort(state.begin(), state.end(), [](const auto& a, const auto& b) { return bytes_less(a.key, b.key); });
  for (auto* part : {&index, &state}) {
    for (auto& record : *part) records.push_back(std::move(record));
  }
  Writer tip(72);
  tip.u64(height).fixed(block_hash).fixed(block.header.state_root);
  records.push_back({"meta", to_bytes(as_bytes("tip")), tip.take(), false, false});
  return records;
}

std::size_t record_bytes(const std::vector<StoreRecord>& records) {
  std::size_t total = 0;
  for (const auto& record : records) total += record.key.size() + record.value.size();
  return total;
}

std::optional<std::uint64_t> written_bytes() {
  std::ifstream io("/proc/self/io");
  std::string name;
  std::uint64_t value = 0;
  while (io >> name >> value) {
    if (name == "wchar:") return value;
  }
  return std::nullopt;
}

}  // namespace trestle::workload
