// A ledger data directory opened read-only: the tip, blocks, transactions, receipts and proofs.

#include <string>

#include "api.hpp"
#include "ledger_json.hpp"
#include "trestle/ledger/inclusion.hpp"

using namespace trestle;

namespace {

Result<Hash256> tx_hash_of(const uint8_t* hash, size_t length) {
  Hash256 out;
  if (!Hash256::from_view(capi::view(hash, length), out)) {
    return Error(ErrorCode::kInvalidArgument, "a transaction hash is 32 bytes, got " + std::to_string(length));
  }
  return out;
}

}  // namespace

extern "C" {

int trestle_store_open(const char* dir, trestle_store** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_REQUIRE(dir);
    ledger::LmdbOptions options;
    options.read_only = true;
    options.create_if_missing = false;
    TRESTLE_CAPI_TRY(auto store, ledger::LmdbStore::open(dir, options));
    *out = new trestle_store{std::move(store)};
    return TRESTLE_OK;
  });
}

void trestle_store_close(trestle_store* store) { delete store; }

int trestle_store_suite(const trestle_store* store, int* suite) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_REQUIRE(suite);
    *suite = store->store->suite().id() == crypto::SuiteId::kSm ? TRESTLE_SUITE_SM : TRESTLE_SUITE_ECDSA;
    return TRESTLE_OK;
  });
}

int trestle_store_chain_id(const trestle_store* store, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    return capi::deliver_text(store->store->chain_id(), out, out_len);
  });
}

int trestle_store_tip(const trestle_store* store, uint64_t* height) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_REQUIRE(height);
    const auto tip = store->store->tip();
    if (!tip) return capi::fail(TRESTLE_ERR_NOT_FOUND, "the store holds no block yet");
    *height = tip->height;
    return TRESTLE_OK;
  });
}

int trestle_store_header(const trestle_store* store, uint64_t height, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const ledger::BlockHeader header, store->store->header_at(height));
    return capi::deliver(header.encode(), out, out_len);
  });
}

int trestle_store_block(const trestle_store* store, uint64_t height, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const ledger::Block block, store->store->block_at(height));
    return capi::deliver(block.encode(), out, out_len);
  });
}

int trestle_store_block_json(const trestle_store* store, uint64_t height, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const ledger::Block block, store->store->block_at(height));
    return capi::deliver_text(capi::dump(capi::block_json(store->store->suite(), block)), out, out_len);
  });
}

int trestle_store_transaction_at(const trestle_store* store, uint64_t height, uint32_t index, uint8_t* out,
                                 size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const ledger::Transaction tx, store->store->transaction_at(height, index));
    return capi::deliver(tx.encode(), out, out_len);
  });
}

int trestle_store_transaction(const trestle_store* store, const uint8_t* tx_hash, size_t tx_hash_len, uint8_t* out,
                              size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_INPUT(tx_hash, tx_hash_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const Hash256 hash, tx_hash_of(tx_hash, tx_hash_len));
    TRESTLE_CAPI_TRY(const ledger::Transaction tx, store->store->transaction(hash));
    return capi::deliver(tx.encode(), out, out_len);
  });
}

int trestle_store_receipt(const trestle_store* store, const uint8_t* tx_hash, size_t tx_hash_len, uint8_t* out,
                          size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_INPUT(tx_hash, tx_hash_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const Hash256 hash, tx_hash_of(tx_hash, tx_hash_len));
    TRESTLE_CAPI_TRY(const ledger::Receipt receipt, store->store->receipt(hash));
    return capi::deliver(receipt.encode(), out, out_len);
  });
}

int trestle_store_transaction_proof(const trestle_store* store, const uint8_t* tx_hash, size_t tx_hash_len, int part,
                                    uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(store);
    TRESTLE_CAPI_INPUT(tx_hash, tx_hash_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    if (part < TRESTLE_PROOF_HEADER || part > TRESTLE_PROOF_RECEIPT_PATH) {
      return capi::fail(TRESTLE_ERR_INVALID_ARGUMENT, "unknown proof part " + std::to_string(part));
    }
    TRESTLE_CAPI_TRY(const Hash256 hash, tx_hash_of(tx_hash, tx_hash_len));
    TRESTLE_CAPI_TRY(const ledger::TransactionInclusion inclusion, ledger::prove_transaction(*store->store, hash));
    switch (part) {
      case TRESTLE_PROOF_HEADER:
        return capi::deliver(inclusion.header.encode(), out, out_len);
      case TRESTLE_PROOF_TRANSACTION:
        return capi::deliver(inclusion.transaction.encode(), out, out_len);
      case TRESTLE_PROOF_RECEIPT:
        return capi::deliver(inclusion.receipt.encode(), out, out_len);
      case TRESTLE_PROOF_TRANSACTION_PATH:
        return capi::deliver(inclusion.transaction_proof.encode(), out, out_len);
      default:
        return capi::deliver(inclusion.receipt_proof.encode(), out, out_len);
    }
  });
}

}  // extern "C"
