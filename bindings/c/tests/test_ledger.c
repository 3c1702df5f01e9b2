/* The read-only store, blocks/headers/receipts as JSON, and inclusion proofs, on the chains that
 * make_test_chain wrote: block h holds 2h + 1 transactions, and the tip is height 3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define BUFFER_SIZE 65536

typedef struct {
  uint8_t* data;
  size_t len;
} buffer;

/* One part of a transaction's inclusion proof, into a fresh buffer (capacity BUFFER_SIZE). */
static buffer proof_part(const trestle_store* store, const uint8_t* tx_hash, int part) {
  buffer out;
  out.data = malloc(BUFFER_SIZE);
  out.len = BUFFER_SIZE;
  CHECK_RC(trestle_store_transaction_proof(store, tx_hash, 32, part, out.data, &out.len), TRESTLE_OK);
  return out;
}

/* Checks every transaction of every block: lookup by hash, receipt, both proofs. */
static void check_chain(const trestle_store* store, int suite) {
  uint64_t height;
  uint8_t* encoded = malloc(BUFFER_SIZE);
  uint8_t* other = malloc(BUFFER_SIZE);
  for (height = 0; height <= 3; ++height) {
    uint32_t index;
    for (index = 0;; ++index) {
      size_t len = BUFFER_SIZE;
      size_t other_len = BUFFER_SIZE;
      uint8_t hash[32];
      size_t hash_len = sizeof hash;
      trestle_tx* tx = NULL;
      buffer header, tx_bytes, receipt, tx_path, receipt_path;
      int valid = -1;
      int rc = trestle_store_transaction_at(store, height, index, encoded, &len);
      if (rc == TRESTLE_ERR_NOT_FOUND) break;
      CHECK_RC(rc, TRESTLE_OK);
      CHECK_RC(trestle_tx_decode(encoded, len, &tx), TRESTLE_OK);
      CHECK_RC(trestle_tx_hash(tx, suite, hash, &hash_len), TRESTLE_OK);
      CHECK_RC(trestle_store_transaction(store, hash, 32, other, &other_len), TRESTLE_OK);
      CHECK(other_len == len && memcmp(other, encoded, len) == 0);

      header = proof_part(store, hash, TRESTLE_PROOF_HEADER);
      tx_bytes = proof_part(store, hash, TRESTLE_PROOF_TRANSACTION);
      receipt = proof_part(store, hash, TRESTLE_PROOF_RECEIPT);
      tx_path = proof_part(store, hash, TRESTLE_PROOF_TRANSACTION_PATH);
      receipt_path = proof_part(store, hash, TRESTLE_PROOF_RECEIPT_PATH);
      CHECK(tx_bytes.len == len && memcmp(tx_bytes.data, encoded, len) == 0);
      other_len = BUFFER_SIZE;
      CHECK_RC(trestle_store_receipt(store, hash, 32, other, &other_len), TRESTLE_OK);
      CHECK(other_len == receipt.len && memcmp(other, receipt.data, other_len) == 0);
      other_len = BUFFER_SIZE;
      CHECK_RC(trestle_store_header(store, height, other, &other_len), TRESTLE_OK);
      CHECK(other_len == header.len && memcmp(other, header.data, other_len) == 0);

      CHECK_RC(trestle_verify_transaction_proof(suite, header.data, header.len, tx_bytes.data, tx_bytes.len,
                                                tx_path.data, tx_path.len, &valid),
               TRESTLE_OK);
      CHECK(valid == 1);
      CHECK_RC(trestle_verify_receipt_proof(suite, header.data, header.len, receipt.data, receipt.len,
                                            receipt_path.data, receipt_path.len, &valid),
               TRESTLE_OK);
      CHECK(valid == 1);
      /* The receipt's proof does not place the transaction, nor the other way round (except in
       * a one-leaf tree, where both paths are empty). */
      CHECK_RC(trestle_verify_transaction_proof(suite, header.data, header.len, tx_bytes.data, tx_bytes.len,
                                                receipt_path.data, receipt_path.len, &valid),
               TRESTLE_OK);
      CHECK(height == 0 ? valid == 1 : valid == 0);
      /* A transaction is not a receipt: the error names the input that did not decode. */
      rc = trestle_verify_receipt_proof(suite, header.data, header.len, tx_bytes.data, tx_bytes.len, tx_path.data,
                                        tx_path.len, &valid);
      CHECK(rc == TRESTLE_ERR_INVALID_ARGUMENT || rc == TRESTLE_ERR_LIMIT_EXCEEDED);
      CHECK(valid == 0);
      CHECK_MESSAGE("receipt: ");
      if (tx_path.len > 17) {
        tx_path.data[tx_path.len - 1] ^= 1; /* a sibling hash */
        CHECK_RC(trestle_verify_transaction_proof(suite, header.data, header.len, tx_bytes.data, tx_bytes.len,
                                                  tx_path.data, tx_path.len, &valid),
                 TRESTLE_OK);
        CHECK(valid == 0);
      }
      free(header.data);
      free(tx_bytes.data);
      free(receipt.data);
      free(tx_path.data);
      free(receipt_path.data);
      trestle_tx_free(tx);
    }
    CHECK(index == 2 * height + 1);
  }
  free(encoded);
  free(other);
}

static void test_sm_store(const char* dir) {
  trestle_store* store = NULL;
  int suite = -1;
  uint64_t tip = 0;
  char chain_id[64];
  size_t len = sizeof chain_id;
  uint8_t* bytes = malloc(BUFFER_SIZE);
  char* json = malloc(BUFFER_SIZE);
  size_t bytes_len = BUFFER_SIZE;
  size_t json_len = BUFFER_SIZE;
  uint8_t unknown[32];

  CHECK_RC(trestle_store_open(dir, &store), TRESTLE_OK);
  CHECK_RC(trestle_store_suite(store, &suite), TRESTLE_OK);
  CHECK(suite == TRESTLE_SUITE_SM);
  CHECK_RC(trestle_store_chain_id(store, chain_id, &len), TRESTLE_OK);
  CHECK(strcmp(chain_id, "bindings-test") == 0 && len == 14);
  CHECK_RC(trestle_store_tip(store, &tip), TRESTLE_OK);
  CHECK(tip == 3);
  check_chain(store, TRESTLE_SUITE_SM);

  /* The block at height 2 as JSON, directly and through its encoding. */
  CHECK_RC(trestle_store_block_json(store, 2, json, &json_len), TRESTLE_OK);
  CHECK(strstr(json, "\"height\":2") != NULL);
  CHECK(strstr(json, "\"tx_count\":5") != NULL);
  CHECK(strstr(json, "\"signature_valid\":true") != NULL);
  CHECK(strstr(json, "\"signature_valid\":false") == NULL);
  CHECK_RC(trestle_store_block(store, 2, bytes, &bytes_len), TRESTLE_OK);
  {
    char* decoded = malloc(BUFFER_SIZE);
    size_t decoded_len = BUFFER_SIZE;
    CHECK_RC(trestle_block_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len, decoded, &decoded_len), TRESTLE_OK);
    CHECK(decoded_len == json_len && strcmp(decoded, json) == 0);
    decoded_len = 10;
    CHECK_RC(trestle_block_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len, decoded, &decoded_len),
             TRESTLE_ERR_BUFFER_TOO_SMALL);
    CHECK(decoded_len == json_len);
    CHECK_RC(trestle_block_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len - 1, decoded, &decoded_len),
             TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_MESSAGE("block: ");
    CHECK_RC(trestle_block_decode_json(7, bytes, bytes_len, decoded, &decoded_len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_block_decode_json(0, NULL, 4, decoded, &decoded_len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_block_decode_json(0, bytes, bytes_len, decoded, NULL), TRESTLE_ERR_NULL_ARGUMENT);
    free(decoded);
  }

  /* Header and receipt JSON. */
  bytes_len = BUFFER_SIZE;
  CHECK_RC(trestle_store_header(store, 1, bytes, &bytes_len), TRESTLE_OK);
  json_len = BUFFER_SIZE;
  CHECK_RC(trestle_header_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len, json, &json_len), TRESTLE_OK);
  CHECK(strstr(json, "\"height\":1") != NULL && strstr(json, "\"tx_count\":3") != NULL);
  CHECK_RC(trestle_header_decode_json(TRESTLE_SUITE_SM, bytes, 10, json, &json_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("header: ");
  bytes[0] = 9;
  CHECK_RC(trestle_header_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len, json, &json_len), TRESTLE_ERR_UNSUPPORTED);
  CHECK_RC(trestle_header_decode_json(9, bytes, bytes_len, json, &json_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_header_decode_json(0, NULL, 1, json, &json_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_header_decode_json(0, bytes, 1, json, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  {
    uint8_t tx_hash[32];
    size_t hash_len = sizeof tx_hash;
    trestle_tx* tx = NULL;
    char hash_hex[65];
    bytes_len = BUFFER_SIZE;
    CHECK_RC(trestle_store_transaction_at(store, 1, 2, bytes, &bytes_len), TRESTLE_OK);
    CHECK_RC(trestle_tx_decode(bytes, bytes_len, &tx), TRESTLE_OK);
    CHECK_RC(trestle_tx_hash(tx, TRESTLE_SUITE_SM, tx_hash, &hash_len), TRESTLE_OK);
    trestle_tx_free(tx);
    bytes_len = BUFFER_SIZE;
    CHECK_RC(trestle_store_receipt(store, tx_hash, 32, bytes, &bytes_len), TRESTLE_OK);
    json_len = BUFFER_SIZE;
    CHECK_RC(trestle_receipt_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len, json, &json_len), TRESTLE_OK);
    hex_encode(tx_hash, 32, hash_hex);
    CHECK(strstr(json, hash_hex) != NULL && strstr(json, "\"height\":1") != NULL);
    CHECK_RC(trestle_receipt_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len - 1, json, &json_len),
             TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_MESSAGE("receipt: ");
    json_len = 2;
    CHECK_RC(trestle_receipt_decode_json(TRESTLE_SUITE_SM, bytes, bytes_len, json, &json_len),
             TRESTLE_ERR_BUFFER_TOO_SMALL);
    CHECK_RC(trestle_receipt_decode_json(3, bytes, bytes_len, json, &json_len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_receipt_decode_json(0, NULL, 1, json, &json_len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_receipt_decode_json(0, bytes, 1, json, NULL), TRESTLE_ERR_NULL_ARGUMENT);

    /* Proof errors: bad part, a proof that does not decode, NULLs. */
    bytes_len = BUFFER_SIZE;
    CHECK_RC(trestle_store_transaction_proof(store, tx_hash, 32, 5, bytes, &bytes_len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_MESSAGE("unknown proof part 5");
    CHECK_RC(trestle_store_transaction_proof(store, tx_hash, 32, -1, bytes, &bytes_len), TRESTLE_ERR_INVALID_ARGUMENT);
    bytes_len = 1;
    CHECK_RC(trestle_store_transaction_proof(store, tx_hash, 32, TRESTLE_PROOF_HEADER, bytes, &bytes_len),
             TRESTLE_ERR_BUFFER_TOO_SMALL);
    CHECK(bytes_len > 100);
    CHECK_RC(trestle_store_transaction_proof(NULL, tx_hash, 32, 0, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_store_transaction_proof(store, NULL, 32, 0, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_store_transaction_proof(store, tx_hash, 32, 0, bytes, NULL), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_store_transaction_proof(store, tx_hash, 31, 0, bytes, &bytes_len), TRESTLE_ERR_INVALID_ARGUMENT);
  }
  {
    int valid = -1;
    uint8_t junk[8] = {1}; /* version 1, then truncated */
    CHECK_RC(trestle_verify_transaction_proof(0, junk, 8, junk, 8, junk, 8, &valid), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_MESSAGE("header: ");
    CHECK(valid == 0);
    CHECK_RC(trestle_verify_transaction_proof(5, junk, 8, junk, 8, junk, 8, &valid), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_verify_transaction_proof(0, NULL, 8, junk, 8, junk, 8, &valid), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_transaction_proof(0, junk, 8, NULL, 8, junk, 8, &valid), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_transaction_proof(0, junk, 8, junk, 8, NULL, 8, &valid), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_transaction_proof(0, junk, 8, junk, 8, junk, 8, NULL), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_receipt_proof(0, junk, 8, junk, 8, junk, 8, &valid), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_verify_receipt_proof(5, junk, 8, junk, 8, junk, 8, &valid), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_verify_receipt_proof(0, NULL, 8, junk, 8, junk, 8, &valid), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_receipt_proof(0, junk, 8, NULL, 8, junk, 8, &valid), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_receipt_proof(0, junk, 8, junk, 8, NULL, 8, &valid), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_verify_receipt_proof(0, junk, 8, junk, 8, junk, 8, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  }

  /* Past the tip, unknown hashes, short buffers, NULLs. */
  memset(unknown, 0x42, sizeof unknown);
  bytes_len = BUFFER_SIZE;
  CHECK_RC(trestle_store_header(store, 4, bytes, &bytes_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_block(store, 4, bytes, &bytes_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_block_json(store, 4, json, &json_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_transaction_at(store, 4, 0, bytes, &bytes_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_transaction(store, unknown, 32, bytes, &bytes_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_receipt(store, unknown, 32, bytes, &bytes_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_transaction_proof(store, unknown, 32, 0, bytes, &bytes_len), TRESTLE_ERR_NOT_FOUND);
  CHECK_RC(trestle_store_transaction(store, unknown, 20, bytes, &bytes_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_store_receipt(store, unknown, 20, bytes, &bytes_len), TRESTLE_ERR_INVALID_ARGUMENT);
  len = 5;
  CHECK_RC(trestle_store_chain_id(store, chain_id, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 14);
  bytes_len = 5;
  CHECK_RC(trestle_store_header(store, 0, bytes, &bytes_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  bytes_len = 5;
  CHECK_RC(trestle_store_block(store, 0, bytes, &bytes_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  json_len = 5;
  CHECK_RC(trestle_store_block_json(store, 0, json, &json_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  bytes_len = 5;
  CHECK_RC(trestle_store_transaction_at(store, 0, 0, bytes, &bytes_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(trestle_store_suite(NULL, &suite), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_suite(store, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_chain_id(NULL, chain_id, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_chain_id(store, chain_id, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_tip(NULL, &tip), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_tip(store, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_header(NULL, 0, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_header(store, 0, bytes, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_block(NULL, 0, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_block(store, 0, bytes, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_block_json(NULL, 0, json, &json_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_block_json(store, 0, json, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_transaction_at(NULL, 0, 0, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_transaction_at(store, 0, 0, bytes, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_transaction(NULL, unknown, 32, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_transaction(store, NULL, 32, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_transaction(store, unknown, 32, bytes, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_receipt(NULL, unknown, 32, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_receipt(store, NULL, 32, bytes, &bytes_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_receipt(store, unknown, 32, bytes, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_store_close(store);
  trestle_store_close(NULL);
  free(bytes);
  free(json);
}

static void test_ecdsa_store(const char* dir) {
  trestle_store* store = NULL;
  int suite = -1;
  CHECK_RC(trestle_store_open(dir, &store), TRESTLE_OK);
  CHECK_RC(trestle_store_suite(store, &suite), TRESTLE_OK);
  CHECK(suite == TRESTLE_SUITE_ECDSA);
  check_chain(store, TRESTLE_SUITE_ECDSA);
  trestle_store_close(store);
}

static void test_open_errors(const char* empty, const char* missing) {
  trestle_store* store = NULL;
  uint64_t tip = 7;
  CHECK_RC(trestle_store_open(empty, &store), TRESTLE_OK);
  CHECK_RC(trestle_store_tip(store, &tip), TRESTLE_ERR_NOT_FOUND);
  CHECK(tip == 7);
  trestle_store_close(store);
  store = (trestle_store*)(void*)&tip;
  CHECK_RC(trestle_store_open(missing, &store), TRESTLE_ERR_NOT_FOUND);
  CHECK(store == NULL);
  CHECK_RC(trestle_store_open(NULL, &store), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_store_open(empty, NULL), TRESTLE_ERR_NULL_ARGUMENT);
}

void test_ledger(const chain_dirs* dirs) {
  test_sm_store(dirs->sm);
  test_ecdsa_store(dirs->ecdsa);
  test_open_errors(dirs->empty, dirs->missing);
}
