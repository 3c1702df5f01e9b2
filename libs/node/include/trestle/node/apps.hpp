#pragma once
// The two applications that ship with the node: an asset-transfer ledger and a key-value store.
// docs/applications.md has their payload layouts, state tables and receipt status codes.
//
// Asset transfer ("asset"): accounts are addresses with a u64 balance. A transaction whose target
// is the recipient and whose payload is encode_transfer(amount) moves `amount` from the sender to
// the recipient; insufficient funds, a malformed payload or a missing target give a receipt with a
// non-zero status and a message in its output. Balances come from genesis.json's
// "application_state": {"accounts": [{"address": "<40 hex>", "balance": <integer>}, ...]}.
//
// Key-value ("kv"): payloads put or erase keys in one table; anyone may write.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/ledger/store.hpp"
#include "trestle/node/application.hpp"

namespace trestle::node {

// Receipt status codes shared by both applications (0 is ledger::Receipt::kStatusSuccess).
inline constexpr std::uint32_t kStatusMalformedPayload = 1;
inline constexpr std::uint32_t kStatusInsufficientFunds = 2;
inline constexpr std::uint32_t kStatusMissingTarget = 3;
inline constexpr std::uint32_t kStatusBalanceOverflow = 4;

std::unique_ptr<Application> make_asset_application();
std::unique_ptr<Application> make_kv_application();
// By name ("asset", "kv"). Error: kInvalidArgument naming the known applications.
Result<std::unique_ptr<Application>> make_application(std::string_view name);

namespace asset {
// The state table holding balances: key = 20-byte address, value = u64 big-endian.
inline constexpr std::string_view kBalanceTable = "asset.balance";
// The payload of a transfer of `amount` to the transaction's target.
Bytes encode_transfer(std::uint64_t amount);
// Strict. Error: kInvalidArgument (malformed, trailing bytes, zero amount).
Result<std::uint64_t> decode_transfer(ByteView payload);
// The balance of `account` in `state` (0 for an account never credited). Errors: kCorrupt, kIo.
Result<std::uint64_t> balance(const ledger::StateView& state, const Address& account);
}  // namespace asset

namespace kv {
// The state table holding the store: key and value as given.
inline constexpr std::string_view kTable = "kv";
// Key sizes are 1..kKeyMaxBytes (the ledger's state key limit); values 0..kValueMaxBytes.
inline constexpr std::size_t kKeyMaxBytes = 400;
inline constexpr std::size_t kValueMaxBytes = 1u << 20;
Bytes encode_put(ByteView key, ByteView value);
Bytes encode_erase(ByteView key);
struct Operation {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: erase
};
// Strict. Error: kInvalidArgument (malformed, trailing bytes, empty or oversize key).
Result<Operation> decode_operation(ByteView payload);
}  // namespace kv

}  // namespace trestle::node
