// The key-value application: payloads put or erase keys of one table. Anyone may write any key;
// the transaction's target is ignored. A put or erase always succeeds once its payload decodes,
// so execution reads no state (an erase of an absent key records an erase all the same).

#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "app_state.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/node/apps.hpp"

namespace trestle::node {
namespace {

using detail::field_error;

constexpr std::uint8_t kPutOp = 1;
constexpr std::uint8_t kEraseOp = 2;

// The hex string `member` of an entry, decoded, with a size in [size_min, size_max]. `field` is
// the member's path for messages.
Result<Bytes> hex_field(const nlohmann::json& entry, const char* member, const std::string& field, std::size_t size_min,
                        std::size_t size_max) {
  if (!entry.contains(member)) return field_error(field, "missing");
  const auto& value = entry.at(member);
  if (!value.is_string()) return field_error(field, "expected a hex string");
  auto bytes = from_hex(value.get_ref<const std::string&>());
  if (!bytes.ok()) return bytes.error().with_context(field);
  if (bytes.value().size() < size_min || bytes.value().size() > size_max) {
    return field_error(field, std::to_string(bytes.value().size()) + " bytes, expected " + std::to_string(size_min) +
                                  ".." + std::to_string(size_max));
  }
  return std::move(bytes).value();
}

class KvApplication final : public Application {
 public:
  std::string_view name() const override { return "kv"; }

  Result<ledger::WriteSet> genesis_state(std::string_view application_state_json) const override {
    ledger::WriteSet writes;
    TRESTLE_TRY(const auto list, detail::state_list(application_state_json, "entries"));
    if (!list) return writes;
    const nlohmann::json& entries = *list;

    for (std::size_t i = 0; i < entries.size(); ++i) {
      const std::string field = "application_state.entries[" + std::to_string(i) + "]";
      const auto& entry = entries[i];
      if (!entry.is_object()) return field_error(field, "expected an object with key and value");
      for (const auto& [key, value] : entry.items()) {
        if (key != "key" && key != "value")
          return field_error(field + "." + key, "unknown field (expected key, value)");
      }
      TRESTLE_TRY(Bytes key, hex_field(entry, "key", field + ".key", 1, kv::kKeyMaxBytes));
      TRESTLE_TRY(const Bytes value, hex_field(entry, "value", field + ".value", 0, kv::kValueMaxBytes));
      if (writes.find(kv::kTable, key) != nullptr) return field_error(field + ".key", "duplicate key " + to_hex(key));
      writes.put(kv::kTable, key, value);
    }
    return writes;
  }

  Status check_tx(const VerifiedTransaction& tx, const ledger::StateView&) const override {
    auto operation = kv::decode_operation(tx.transaction->payload);
    if (!operation.ok()) return operation.error();
    return {};
  }

  Result<Execution> execute(const BlockContext& context, std::span<const VerifiedTransaction> txs,
                            const ledger::StateView&) const override {
    Execution execution;
    execution.receipts.reserve(txs.size());
    for (const auto& tx : txs) {
      ledger::Receipt receipt;
      receipt.tx_hash = tx.hash;
      receipt.height = context.height;
      auto operation = kv::decode_operation(tx.transaction->payload);
      if (!operation.ok()) {
        receipt.status = kStatusMalformedPayload;
        receipt.output = to_bytes(as_bytes(operation.error().message()));
      } else if (operation.value().value) {
        execution.writes.put(kv::kTable, operation.value().key, *operation.value().value);
      } else {
        execution.writes.erase(kv::kTable, operation.value().key);
      }
      execution.receipts.push_back(std::move(receipt));
    }
    return execution;
  }
};

}  // namespace

std::unique_ptr<Application> make_kv_application() { return std::make_unique<KvApplication>(); }

namespace kv {

Bytes encode_put(ByteView key, ByteView value) {
  return Writer(value.size() + key.size() + 12).u8(kPutOp).bytes(key).bytes(value).take();
}

Bytes encode_erase(ByteView key) { return Writer(key.size() + 6).u8(kEraseOp).bytes(key).take(); }

Result<Operation> decode_operation(ByteView payload) {
  auto malformed = [](const std::string& message) {
    return Error(ErrorCode::kInvalidArgument, "malformed kv payload: " + message);
  };
  Reader reader(payload);
  auto op = reader.u8();
  if (!op.ok()) return malformed("empty (expected op 1 = put or 2 = erase)");
  if (op.value() != kPutOp && op.value() != kEraseOp) {
    return malformed("unknown operation " + std::to_string(op.value()) + " (expected 1 = put or 2 = erase)");
  }
  // The reader's own errors (truncation, overlong varint, a length over the limit) become
  // kInvalidArgument: to the caller all of them are a malformed payload.
  auto key = reader.bytes(kKeyMaxBytes);
  if (!key.ok()) return malformed("key: " + key.error().message());
  if (key.value().empty()) return malformed("empty key");
  Operation operation{std::move(key).value(), std::nullopt};
  if (op.value() == kPutOp) {
    auto value = reader.bytes(kValueMaxBytes);
    if (!value.ok()) return malformed("value: " + value.error().message());
    operation.value = std::move(value).value();
  }
  if (reader.remaining() != 0) return malformed(std::to_string(reader.remaining()) + " trailing bytes");
  return operation;
}

}  // namespace kv
}  // namespace trestle::node
