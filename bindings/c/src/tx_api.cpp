// Transactions: build field by field, sign, encode, decode, verify, inspect as JSON.

#include <string>

#include "api.hpp"
#include "ledger_json.hpp"

using namespace trestle;

namespace {

int unknown_field(int field) {
  return capi::fail(TRESTLE_ERR_INVALID_ARGUMENT, "unknown transaction field " + std::to_string(field));
}

// The field's value, or nullptr for an unknown field; const for a const transaction. The target
// has its own handling.
template <typename Tx>
auto bytes_field(Tx& tx, int field) -> decltype(&tx.nonce) {
  switch (field) {
    case TRESTLE_TX_NONCE:
      return &tx.nonce;
    case TRESTLE_TX_PAYLOAD:
      return &tx.payload;
    case TRESTLE_TX_SENDER:
      return &tx.sender;
    case TRESTLE_TX_SIGNATURE:
      return &tx.signature;
    default:
      return nullptr;
  }
}

template <typename Tx>
auto text_field(Tx& tx, int field) -> decltype(&tx.chain_id) {
  switch (field) {
    case TRESTLE_TX_CHAIN_ID:
      return &tx.chain_id;
    case TRESTLE_TX_GROUP_ID:
      return &tx.group_id;
    default:
      return nullptr;
  }
}

template <typename Tx>
auto u64_field(Tx& tx, int field) -> decltype(&tx.block_limit) {
  switch (field) {
    case TRESTLE_TX_BLOCK_LIMIT:
      return &tx.block_limit;
    case TRESTLE_TX_TIMESTAMP_MS:
      return &tx.timestamp_ms;
    default:
      return nullptr;
  }
}

}  // namespace

extern "C" {

int trestle_tx_new(trestle_tx** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    *out = new trestle_tx{};
    return TRESTLE_OK;
  });
}

int trestle_tx_decode(const uint8_t* encoded, size_t encoded_len, trestle_tx** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(encoded, encoded_len);
    TRESTLE_CAPI_TRY(ledger::Transaction tx, ledger::Transaction::decode(capi::view(encoded, encoded_len), {}));
    *out = new trestle_tx{std::move(tx)};
    return TRESTLE_OK;
  });
}

void trestle_tx_free(trestle_tx* tx) { delete tx; }

int trestle_tx_set_bytes(trestle_tx* tx, int field, const uint8_t* value, size_t value_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_INPUT(value, value_len);
    const ByteView input = capi::view(value, value_len);
    if (field == TRESTLE_TX_TARGET) {
      if (input.empty()) {
        tx->tx.target.reset();
        return TRESTLE_OK;
      }
      Address target;
      if (!Address::from_view(input, target)) {
        return capi::fail(TRESTLE_ERR_INVALID_ARGUMENT,
                          "a target address is 20 bytes (or 0 for none), got " + std::to_string(value_len));
      }
      tx->tx.target = target;
      return TRESTLE_OK;
    }
    if (std::string* text = text_field(tx->tx, field)) {
      text->assign(input.begin(), input.end());
      return TRESTLE_OK;
    }
    Bytes* bytes = bytes_field(tx->tx, field);
    if (bytes == nullptr) return unknown_field(field);
    bytes->assign(input.begin(), input.end());
    return TRESTLE_OK;
  });
}

int trestle_tx_get_bytes(const trestle_tx* tx, int field, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    const ledger::Transaction& value = tx->tx;
    if (field == TRESTLE_TX_TARGET) {
      return capi::deliver(value.target ? value.target->view() : ByteView(), out, out_len);
    }
    if (const std::string* text = text_field(value, field)) return capi::deliver(as_bytes(*text), out, out_len);
    const Bytes* bytes = bytes_field(value, field);
    if (bytes == nullptr) return unknown_field(field);
    return capi::deliver(*bytes, out, out_len);
  });
}

int trestle_tx_set_u64(trestle_tx* tx, int field, uint64_t value) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    std::uint64_t* target = u64_field(tx->tx, field);
    if (target == nullptr) return unknown_field(field);
    *target = value;
    return TRESTLE_OK;
  });
}

int trestle_tx_get_u64(const trestle_tx* tx, int field, uint64_t* value) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_REQUIRE(value);
    const std::uint64_t* source = u64_field(tx->tx, field);
    if (source == nullptr) return unknown_field(field);
    *value = *source;
    return TRESTLE_OK;
  });
}

int trestle_tx_sign(trestle_tx* tx, int suite, const trestle_private_key* key) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    // Signing an encoding that decode() would refuse helps nobody: check the fields first.
    ledger::Transaction candidate = tx->tx;
    candidate.sender.clear();
    candidate.signature.clear();
    TRESTLE_CAPI_TRY_STATUS(candidate.validate({}));
    TRESTLE_CAPI_TRY_STATUS(candidate.sign(*parsed, key->key));
    tx->tx = std::move(candidate);
    return TRESTLE_OK;
  });
}

int trestle_tx_verify(const trestle_tx* tx, int suite, uint8_t* sender_address, size_t* address_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_OUTPUT(sender_address, address_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    TRESTLE_CAPI_TRY(const Address sender, tx->tx.verify(*parsed));
    return capi::deliver(sender, sender_address, address_len);
  });
}

int trestle_tx_hash(const trestle_tx* tx, int suite, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    return capi::deliver(tx->tx.hash(*parsed), out, out_len);
  });
}

int trestle_tx_encode(const trestle_tx* tx, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY_STATUS(tx->tx.validate({}));
    return capi::deliver(tx->tx.encode(), out, out_len);
  });
}

int trestle_tx_to_json(const trestle_tx* tx, int suite, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(tx);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    return capi::deliver_text(capi::dump(capi::transaction_json(*parsed, tx->tx)), out, out_len);
  });
}

}  // extern "C"
