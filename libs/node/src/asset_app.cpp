// The asset-transfer application: balances per address, transfers between them.
//
// Execution reads each balance through the block's pending writes first, then the state after the
// previous block, so a chain of transfers within one block sees the earlier ones. A failed
// transfer writes nothing; checks happen before the first write. The application emits no logs:
// a log topic would be a hash, and the application does not know the chain's suite (the receipt,
// the target and the payload already say everything a log would).

#include <cstdint>
#include <set>
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

constexpr std::uint8_t kTransferOp = 1;

Bytes encode_balance(std::uint64_t value) { return Writer(8).u64(value).take(); }

Result<std::uint64_t> decode_balance(ByteView encoded, const Address& account) {
  if (encoded.size() != 8) {
    return Error(ErrorCode::kCorrupt, "balance of " + to_hex(account) + ": stored value has " +
                                          std::to_string(encoded.size()) + " bytes, expected 8");
  }
  Reader reader(encoded);
  return reader.u64();
}

// The balance as the block being executed sees it: its own pending writes, then `state`.
Result<std::uint64_t> pending_balance(const ledger::WriteSet& pending, const ledger::StateView& state,
                                      const Address& account) {
  if (const auto* write = pending.find(asset::kBalanceTable, account)) {
    if (!write->has_value()) return std::uint64_t{0};
    return decode_balance(**write, account);
  }
  return asset::balance(state, account);
}

void store_balance(ledger::WriteSet& writes, const Address& account, std::uint64_t value) {
  // A zero balance is absent: one state per value, so every node writes the same entries.
  if (value == 0) {
    writes.erase(asset::kBalanceTable, account);
  } else {
    writes.put(asset::kBalanceTable, account, encode_balance(value));
  }
}

std::string insufficient_funds_message(std::uint64_t balance, std::uint64_t amount) {
  return "insufficient funds: balance " + std::to_string(balance) + ", amount " + std::to_string(amount);
}

constexpr std::string_view kMissingTargetMessage = "missing target: a transfer's target is its recipient";

class AssetApplication final : public Application {
 public:
  std::string_view name() const override { return "asset"; }

  Result<ledger::WriteSet> genesis_state(std::string_view application_state_json) const override {
    ledger::WriteSet writes;
    TRESTLE_TRY(const auto list, detail::state_list(application_state_json, "accounts"));
    if (!list) return writes;
    const nlohmann::json& accounts = *list;

    std::set<Address> seen;
    for (std::size_t i = 0; i < accounts.size(); ++i) {
      const std::string field = "application_state.accounts[" + std::to_string(i) + "]";
      const auto& account = accounts[i];
      if (!account.is_object()) return field_error(field, "expected an object with address and balance");
      for (const auto& [key, value] : account.items()) {
        if (key != "address" && key != "balance") {
          return field_error(field + "." + key, "unknown field (expected address, balance)");
        }
      }
      if (!account.contains("address")) return field_error(field + ".address", "missing");
      if (!account.contains("balance")) return field_error(field + ".balance", "missing");
      const auto& address_json = account.at("address");
      if (!address_json.is_string()) return field_error(field + ".address", "expected a string of 40 hex digits");
      auto address = fixed_from_hex<Address::kSize>(address_json.get_ref<const std::string&>());
      if (!address.ok()) return address.error().with_context(field + ".address");
      if (!seen.insert(address.value()).second) {
        return field_error(field + ".address", "duplicate address " + to_hex(address.value()));
      }
      const auto& balance_json = account.at("balance");
      // nlohmann stores non-negative integers as unsigned, negative ones as signed, and both
      // fractions and integers beyond 2^64 - 1 as floating point.
      if (!balance_json.is_number_unsigned()) {
        return field_error(field + ".balance", "expected an integer in [0, 2^64 - 1]");
      }
      const auto balance = balance_json.get<std::uint64_t>();
      if (balance != 0) writes.put(asset::kBalanceTable, address.value(), encode_balance(balance));
    }
    return writes;
  }

  Status check_tx(const VerifiedTransaction& tx, const ledger::StateView& state) const override {
    const ledger::Transaction& transaction = *tx.transaction;
    if (!transaction.target) return Error(ErrorCode::kInvalidArgument, std::string(kMissingTargetMessage));
    TRESTLE_TRY(const std::uint64_t amount, asset::decode_transfer(transaction.payload));
    TRESTLE_TRY(const std::uint64_t balance, asset::balance(state, tx.sender));
    if (balance < amount) return Error(ErrorCode::kInvalidArgument, insufficient_funds_message(balance, amount));
    return {};
  }

  Result<Execution> execute(const BlockContext& context, std::span<const VerifiedTransaction> txs,
                            const ledger::StateView& state) const override {
    Execution execution;
    execution.receipts.reserve(txs.size());
    for (const auto& tx : txs) {
      ledger::Receipt receipt;
      receipt.tx_hash = tx.hash;
      receipt.height = context.height;
      TRESTLE_TRY_STATUS(transfer(tx, state, execution.writes, receipt));
      execution.receipts.push_back(std::move(receipt));
    }
    return execution;
  }

 private:
  // Applies one transfer to `writes`, or records why it failed in `receipt` and writes nothing.
  // Error: only a failing state read.
  static Status transfer(const VerifiedTransaction& tx, const ledger::StateView& state, ledger::WriteSet& writes,
                         ledger::Receipt& receipt) {
    const ledger::Transaction& transaction = *tx.transaction;
    auto fail = [&receipt](std::uint32_t status, std::string_view message) {
      receipt.status = status;
      receipt.output = to_bytes(as_bytes(message));
    };
    if (!transaction.target) {
      fail(kStatusMissingTarget, kMissingTargetMessage);
      return {};
    }
    auto amount = asset::decode_transfer(transaction.payload);
    if (!amount.ok()) {
      fail(kStatusMalformedPayload, amount.error().message());
      return {};
    }
    const Address& recipient = *transaction.target;
    TRESTLE_TRY(const std::uint64_t sender_balance, pending_balance(writes, state, tx.sender));
    if (sender_balance < amount.value()) {
      fail(kStatusInsufficientFunds, insufficient_funds_message(sender_balance, amount.value()));
      return {};
    }
    if (recipient == tx.sender) return {};  // funds are there; moving them to oneself changes nothing
    TRESTLE_TRY(const std::uint64_t recipient_balance, pending_balance(writes, state, recipient));
    if (recipient_balance > UINT64_MAX - amount.value()) {
      fail(kStatusBalanceOverflow, "balance overflow: recipient balance " + std::to_string(recipient_balance) +
                                       ", amount " + std::to_string(amount.value()));
      return {};
    }
    store_balance(writes, tx.sender, sender_balance - amount.value());
    store_balance(writes, recipient, recipient_balance + amount.value());
    return {};
  }
};

}  // namespace

std::unique_ptr<Application> make_asset_application() { return std::make_unique<AssetApplication>(); }

namespace asset {

Bytes encode_transfer(std::uint64_t amount) { return Writer(9).u8(kTransferOp).u64(amount).take(); }

Result<std::uint64_t> decode_transfer(ByteView payload) {
  auto malformed = [](const std::string& message) {
    return Error(ErrorCode::kInvalidArgument, "malformed transfer payload: " + message);
  };
  Reader reader(payload);
  auto op = reader.u8();
  if (!op.ok()) return malformed("empty (expected 9 bytes: op 1, u64 amount)");
  if (op.value() != kTransferOp) return malformed("unknown operation " + std::to_string(op.value()) + " (expected 1)");
  auto amount = reader.u64();
  if (!amount.ok()) {
    return malformed("amount truncated to " + std::to_string(payload.size() - 1) + " of 8 bytes");
  }
  if (reader.remaining() != 0) return malformed(std::to_string(reader.remaining()) + " trailing bytes");
  if (amount.value() == 0) return malformed("amount is zero");
  return amount.value();
}

Result<std::uint64_t> balance(const ledger::StateView& state, const Address& account) {
  TRESTLE_TRY(const auto stored, state.get(kBalanceTable, account));
  if (!stored) return std::uint64_t{0};
  return decode_balance(*stored, account);
}

}  // namespace asset
}  // namespace trestle::node
