/* Transactions: fields, signing in both suites, encode/decode, hash, verify, JSON, and errors. */
#include <string.h>

#include "check.h"

static const uint8_t kTarget[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20};

static trestle_tx* new_tx(void) {
  trestle_tx* tx = NULL;
  CHECK_RC(trestle_tx_new(&tx), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_CHAIN_ID, (const uint8_t*)"chain0", 6), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_GROUP_ID, (const uint8_t*)"group0", 6), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_NONCE, (const uint8_t*)"\x00\x01", 2), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_u64(tx, TRESTLE_TX_BLOCK_LIMIT, 500), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_TARGET, kTarget, 20), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_PAYLOAD, (const uint8_t*)"transfer 100", 12), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_u64(tx, TRESTLE_TX_TIMESTAMP_MS, 1700000000000ull), TRESTLE_OK);
  return tx;
}

static void test_fields(void) {
  trestle_tx* tx = new_tx();
  uint8_t out[64];
  size_t len = sizeof out;
  uint64_t value = 0;

  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_CHAIN_ID, out, &len), TRESTLE_OK);
  CHECK(len == 6 && memcmp(out, "chain0", 6) == 0);
  len = sizeof out;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_GROUP_ID, out, &len), TRESTLE_OK);
  CHECK(len == 6 && memcmp(out, "group0", 6) == 0);
  len = sizeof out;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_NONCE, out, &len), TRESTLE_OK);
  CHECK(len == 2 && out[0] == 0 && out[1] == 1);
  len = sizeof out;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_TARGET, out, &len), TRESTLE_OK);
  CHECK(len == 20 && memcmp(out, kTarget, 20) == 0);
  len = sizeof out;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_PAYLOAD, out, &len), TRESTLE_OK);
  CHECK(len == 12 && memcmp(out, "transfer 100", 12) == 0);
  len = sizeof out;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_SENDER, out, &len), TRESTLE_OK);
  CHECK(len == 0);
  len = 0;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_SIGNATURE, NULL, &len), TRESTLE_OK); /* empty: fits in 0 */
  CHECK(len == 0);
  CHECK_RC(trestle_tx_get_u64(tx, TRESTLE_TX_BLOCK_LIMIT, &value), TRESTLE_OK);
  CHECK(value == 500);
  CHECK_RC(trestle_tx_get_u64(tx, TRESTLE_TX_TIMESTAMP_MS, &value), TRESTLE_OK);
  CHECK(value == 1700000000000ull);

  /* Clearing the target; a target of the wrong size; unknown fields; short buffers; NULLs. */
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_TARGET, NULL, 0), TRESTLE_OK);
  len = sizeof out;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_TARGET, out, &len), TRESTLE_OK);
  CHECK(len == 0);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_TARGET, kTarget, 19), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("20 bytes");
  CHECK_RC(trestle_tx_set_bytes(tx, 7, kTarget, 1), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("unknown transaction field 7");
  CHECK_RC(trestle_tx_get_bytes(tx, -1, out, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_set_u64(tx, 2, 1), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_get_u64(tx, 2, &value), TRESTLE_ERR_INVALID_ARGUMENT);
  len = 3;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_PAYLOAD, out, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 12);
  CHECK_RC(trestle_tx_set_bytes(NULL, TRESTLE_TX_PAYLOAD, out, 1), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_PAYLOAD, NULL, 1), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_get_bytes(NULL, TRESTLE_TX_PAYLOAD, out, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_PAYLOAD, out, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_set_u64(NULL, TRESTLE_TX_BLOCK_LIMIT, 1), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_get_u64(NULL, TRESTLE_TX_BLOCK_LIMIT, &value), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_get_u64(tx, TRESTLE_TX_BLOCK_LIMIT, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_new(NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_tx_free(tx);
  trestle_tx_free(NULL);
}

/* Signs in a suite and checks everything that follows from a signature. */
static void sign_and_check(int suite, int key_type, size_t sender_size) {
  trestle_tx* tx = new_tx();
  trestle_tx* decoded = NULL;
  trestle_private_key* key = NULL;
  trestle_public_key* pub = NULL;
  uint8_t encoded[512];
  uint8_t again[512];
  uint8_t hash[32];
  uint8_t decoded_hash[32];
  uint8_t address[20];
  uint8_t expected_address[20];
  uint8_t field[128];
  char json[2048];
  char hash_hex[65];
  size_t len = sizeof encoded;
  size_t again_len = sizeof again;
  size_t hash_len = sizeof hash;
  size_t address_len = sizeof address;
  size_t field_len = sizeof field;
  size_t json_len = sizeof json;

  CHECK_RC(trestle_private_key_generate(key_type, &key), TRESTLE_OK);
  CHECK_RC(trestle_private_key_public_key(key, &pub), TRESTLE_OK);
  CHECK_RC(trestle_tx_sign(tx, suite, key), TRESTLE_OK);
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_SENDER, field, &field_len), TRESTLE_OK);
  CHECK(field_len == sender_size);
  field_len = sizeof field;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_SIGNATURE, field, &field_len), TRESTLE_OK);
  CHECK(field_len == (suite == TRESTLE_SUITE_SM ? 64u : 65u));

  CHECK_RC(trestle_tx_verify(tx, suite, address, &address_len), TRESTLE_OK);
  address_len = sizeof expected_address;
  CHECK_RC(trestle_public_key_address(pub, suite, expected_address, &address_len), TRESTLE_OK);
  CHECK(memcmp(address, expected_address, 20) == 0);

  /* Encode, decode, and the same bytes and hash come back. */
  CHECK_RC(trestle_tx_encode(tx, encoded, &len), TRESTLE_OK);
  CHECK_RC(trestle_tx_decode(encoded, len, &decoded), TRESTLE_OK);
  CHECK_RC(trestle_tx_encode(decoded, again, &again_len), TRESTLE_OK);
  CHECK(again_len == len && memcmp(again, encoded, len) == 0);
  CHECK_RC(trestle_tx_hash(tx, suite, hash, &hash_len), TRESTLE_OK);
  hash_len = sizeof decoded_hash;
  CHECK_RC(trestle_tx_hash(decoded, suite, decoded_hash, &hash_len), TRESTLE_OK);
  CHECK(hash_len == 32 && memcmp(hash, decoded_hash, 32) == 0);
  address_len = sizeof address;
  CHECK_RC(trestle_tx_verify(decoded, suite, address, &address_len), TRESTLE_OK);
  CHECK(memcmp(address, expected_address, 20) == 0);

  /* The hash leaves the signature out: signing again (SM2 draws a new nonce) keeps the hash. */
  CHECK_RC(trestle_tx_sign(decoded, suite, key), TRESTLE_OK);
  hash_len = sizeof decoded_hash;
  CHECK_RC(trestle_tx_hash(decoded, suite, decoded_hash, &hash_len), TRESTLE_OK);
  CHECK(memcmp(hash, decoded_hash, 32) == 0);

  /* JSON carries the hash and the verdict. */
  CHECK_RC(trestle_tx_to_json(tx, suite, json, &json_len), TRESTLE_OK);
  CHECK(json_len == strlen(json) + 1);
  hex_encode(hash, 32, hash_hex);
  CHECK(strstr(json, hash_hex) != NULL);
  CHECK(strstr(json, "\"signature_valid\":true") != NULL);
  CHECK(strstr(json, "\"chain_id\":\"chain0\"") != NULL);

  /* A changed field breaks the signature. */
  CHECK_RC(trestle_tx_set_bytes(decoded, TRESTLE_TX_PAYLOAD, (const uint8_t*)"transfer 999", 12), TRESTLE_OK);
  address_len = sizeof address;
  CHECK_RC(trestle_tx_verify(decoded, suite, address, &address_len), TRESTLE_ERR_AUTH_FAILED);
  json_len = sizeof json;
  CHECK_RC(trestle_tx_to_json(decoded, suite, json, &json_len), TRESTLE_OK);
  CHECK(strstr(json, "\"signature_valid\":false") != NULL);
  CHECK(strstr(json, "\"sender_address\":null") != NULL);
  /* Verified in the other suite, the sender field has the wrong size. */
  CHECK_RC(
      trestle_tx_verify(tx, suite == TRESTLE_SUITE_SM ? TRESTLE_SUITE_ECDSA : TRESTLE_SUITE_SM, address, &address_len),
      TRESTLE_ERR_INVALID_ARGUMENT);

  /* Buffers and NULLs. */
  len = 5;
  CHECK_RC(trestle_tx_encode(tx, encoded, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == again_len);
  hash_len = 31;
  CHECK_RC(trestle_tx_hash(tx, suite, hash, &hash_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(hash_len == 32);
  address_len = 19;
  CHECK_RC(trestle_tx_verify(tx, suite, address, &address_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(address_len == 20);
  json_len = 10;
  CHECK_RC(trestle_tx_to_json(tx, suite, json, &json_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(json_len > 100);
  CHECK_RC(trestle_tx_to_json(tx, 4, json, &json_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_to_json(NULL, suite, json, &json_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_to_json(tx, suite, json, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_hash(tx, 4, hash, &hash_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_hash(NULL, suite, hash, &hash_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_hash(tx, suite, hash, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_verify(tx, 4, address, &address_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_verify(NULL, suite, address, &address_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_verify(tx, suite, address, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_encode(NULL, encoded, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_encode(tx, encoded, NULL), TRESTLE_ERR_NULL_ARGUMENT);

  trestle_tx_free(decoded);
  trestle_tx_free(tx);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);
}

static void test_sign_errors(void) {
  trestle_tx* tx = new_tx();
  trestle_private_key* sm2 = NULL;
  uint8_t address[20];
  size_t address_len = sizeof address;
  uint8_t encoded[256];
  size_t len = sizeof encoded;
  char long_id[65];

  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SM2, &sm2), TRESTLE_OK);
  /* Unsigned: no sender to verify. */
  CHECK_RC(trestle_tx_verify(tx, TRESTLE_SUITE_SM, address, &address_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_sign(tx, TRESTLE_SUITE_ECDSA, sm2), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("sm2");
  CHECK_RC(trestle_tx_sign(tx, 3, sm2), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_tx_sign(NULL, TRESTLE_SUITE_SM, sm2), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_sign(tx, TRESTLE_SUITE_SM, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  /* A chain id over the limit (64 bytes) and an empty nonce: refused before signing. */
  memset(long_id, 'c', sizeof long_id);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_CHAIN_ID, (const uint8_t*)long_id, 65), TRESTLE_OK);
  CHECK_RC(trestle_tx_sign(tx, TRESTLE_SUITE_SM, sm2), TRESTLE_ERR_LIMIT_EXCEEDED);
  CHECK_RC(trestle_tx_encode(tx, encoded, &len), TRESTLE_ERR_LIMIT_EXCEEDED);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_CHAIN_ID, (const uint8_t*)long_id, 64), TRESTLE_OK);
  CHECK_RC(trestle_tx_set_bytes(tx, TRESTLE_TX_NONCE, NULL, 0), TRESTLE_OK);
  CHECK_RC(trestle_tx_sign(tx, TRESTLE_SUITE_SM, sm2), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("nonce");
  len = sizeof encoded;
  CHECK_RC(trestle_tx_encode(tx, encoded, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  /* A failed sign leaves the transaction as it was. */
  address_len = sizeof encoded;
  CHECK_RC(trestle_tx_get_bytes(tx, TRESTLE_TX_SIGNATURE, encoded, &address_len), TRESTLE_OK);
  CHECK(address_len == 0);
  trestle_tx_free(tx);
  trestle_private_key_free(sm2);
}

static void test_decode_errors(void) {
  trestle_tx* tx = new_tx();
  trestle_tx* decoded = NULL;
  trestle_private_key* key = NULL;
  uint8_t encoded[512];
  size_t len = sizeof encoded - 1;

  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SECP256K1, &key), TRESTLE_OK);
  CHECK_RC(trestle_tx_sign(tx, TRESTLE_SUITE_ECDSA, key), TRESTLE_OK);
  CHECK_RC(trestle_tx_encode(tx, encoded, &len), TRESTLE_OK);

  decoded = (trestle_tx*)(void*)encoded;
  CHECK_RC(trestle_tx_decode(encoded, len - 1, &decoded), TRESTLE_ERR_INVALID_ARGUMENT); /* truncated */
  CHECK(decoded == NULL);
  encoded[len] = 0;
  CHECK_RC(trestle_tx_decode(encoded, len + 1, &decoded), TRESTLE_ERR_INVALID_ARGUMENT); /* trailing byte */
  CHECK_RC(trestle_tx_decode(NULL, 0, &decoded), TRESTLE_ERR_INVALID_ARGUMENT);          /* empty */
  encoded[0] = 2;
  CHECK_RC(trestle_tx_decode(encoded, len, &decoded), TRESTLE_ERR_UNSUPPORTED); /* another version */
  CHECK_RC(trestle_tx_decode(NULL, 5, &decoded), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_tx_decode(encoded, len, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_tx_free(tx);
  trestle_private_key_free(key);
}

void test_tx(void) {
  test_fields();
  sign_and_check(TRESTLE_SUITE_SM, TRESTLE_KEY_SM2, 64);
  sign_and_check(TRESTLE_SUITE_ECDSA, TRESTLE_KEY_SECP256K1, 20);
  test_sign_errors();
  test_decode_errors();
}
