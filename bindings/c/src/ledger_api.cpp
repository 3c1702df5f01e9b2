// Blocks, headers and receipts to JSON; Merkle inclusion proofs checked against a header.

#include <string>

#include "api.hpp"
#include "ledger_json.hpp"
#include "trestle/ledger/inclusion.hpp"

using namespace trestle;

namespace {

// Decodes `T` from (data, length) with the default limits; the error names what failed to decode.
template <typename T>
Result<T> decode_named(const uint8_t* data, size_t length, std::string_view what) {
  auto decoded = T::decode(capi::view(data, length), ledger::Limits{});
  if (!decoded.ok()) return decoded.error().with_context(what);
  return decoded;
}

template <typename T, typename ToJson>
int decode_to_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out, size_t* out_len,
                   std::string_view what, ToJson to_json) {
  TRESTLE_CAPI_INPUT(encoded, encoded_len);
  TRESTLE_CAPI_OUTPUT(out, out_len);
  TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
  TRESTLE_CAPI_TRY(const T value, decode_named<T>(encoded, encoded_len, what));
  return capi::deliver_text(capi::dump(to_json(*parsed, value)), out, out_len);
}

template <typename Item, typename Check>
int verify_inclusion(int suite, const uint8_t* header, size_t header_len, const uint8_t* item, size_t item_len,
                     std::string_view item_name, const uint8_t* proof, size_t proof_len, int* valid, Check check) {
  TRESTLE_CAPI_REQUIRE(valid);
  *valid = 0;
  TRESTLE_CAPI_INPUT(header, header_len);
  TRESTLE_CAPI_INPUT(item, item_len);
  TRESTLE_CAPI_INPUT(proof, proof_len);
  TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
  TRESTLE_CAPI_TRY(const ledger::BlockHeader decoded_header,
                   decode_named<ledger::BlockHeader>(header, header_len, "header"));
  TRESTLE_CAPI_TRY(const Item decoded_item, decode_named<Item>(item, item_len, item_name));
  TRESTLE_CAPI_TRY(const ledger::MerkleProof decoded_proof,
                   decode_named<ledger::MerkleProof>(proof, proof_len, "proof"));
  *valid = check(*parsed, decoded_header, decoded_item, decoded_proof) ? 1 : 0;
  return TRESTLE_OK;
}

}  // namespace

extern "C" {

int trestle_block_decode_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    return decode_to_json<ledger::Block>(suite, encoded, encoded_len, out, out_len, "block", capi::block_json);
  });
}

int trestle_header_decode_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    return decode_to_json<ledger::BlockHeader>(suite, encoded, encoded_len, out, out_len, "header", capi::header_json);
  });
}

int trestle_receipt_decode_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    return decode_to_json<ledger::Receipt>(suite, encoded, encoded_len, out, out_len, "receipt", capi::receipt_json);
  });
}

int trestle_verify_transaction_proof(int suite, const uint8_t* header, size_t header_len, const uint8_t* tx,
                                     size_t tx_len, const uint8_t* proof, size_t proof_len, int* valid) {
  return capi::guard([&]() -> int {
    return verify_inclusion<ledger::Transaction>(suite, header, header_len, tx, tx_len, "transaction", proof, proof_len,
                                                 valid, ledger::verify_transaction_inclusion);
  });
}

int trestle_verify_receipt_proof(int suite, const uint8_t* header, size_t header_len, const uint8_t* receipt,
                                 size_t receipt_len, const uint8_t* proof, size_t proof_len, int* valid) {
  return capi::guard([&]() -> int {
    return verify_inclusion<ledger::Receipt>(suite, header, header_len, receipt, receipt_len, "receipt", proof,
                                             proof_len, valid, ledger::verify_receipt_inclusion);
  });
}

}  // extern "C"
