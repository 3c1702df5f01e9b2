/* Signatures: the GB/T 32918 example, round trips in both suites, recovery, DER, and errors. */
#include <string.h>

#include "check.h"

static const char kSm2D[] = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
static const char kSm2Rs[] =
    "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";
static const char kSm2Der[] =
    "3046022100f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3"
    "022100b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";
static const uint8_t kMessage[] = "message digest";
#define MESSAGE_LEN (sizeof kMessage - 1)

static trestle_private_key* key_of(int type, const char* hex) {
  uint8_t scalar[32];
  trestle_private_key* key = NULL;
  CHECK(hex_decode(hex, scalar, sizeof scalar) == 32);
  CHECK_RC(trestle_private_key_from_bytes(type, scalar, 32, &key), TRESTLE_OK);
  return key;
}

static trestle_public_key* public_of(const trestle_private_key* key) {
  trestle_public_key* pub = NULL;
  CHECK_RC(trestle_private_key_public_key(key, &pub), TRESTLE_OK);
  return pub;
}

static void test_sm2_example(void) {
  trestle_private_key* key = key_of(TRESTLE_KEY_SM2, kSm2D);
  trestle_public_key* pub = public_of(key);
  uint8_t rs[64];
  uint8_t der[80];
  uint8_t back[64];
  size_t der_len = sizeof der;
  size_t back_len = sizeof back;
  int valid = -1;
  CHECK(hex_decode(kSm2Rs, rs, sizeof rs) == 64);

  CHECK_RC(trestle_verify(TRESTLE_SUITE_SM, pub, kMessage, MESSAGE_LEN, rs, 64, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  CHECK_RC(trestle_sm2_verify(pub, NULL, 0, kMessage, MESSAGE_LEN, rs, 64, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  CHECK_RC(trestle_sm2_verify(pub, "1234567812345678", 16, kMessage, MESSAGE_LEN, rs, 64, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  CHECK_RC(trestle_sm2_verify(pub, "1234567812345679", 16, kMessage, MESSAGE_LEN, rs, 64, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  CHECK_RC(trestle_verify(TRESTLE_SUITE_SM, pub, kMessage, MESSAGE_LEN - 1, rs, 64, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  /* The sm suite does not accept a secp256k1 reading of the same bytes, and vice versa. */
  CHECK_RC(trestle_verify(TRESTLE_SUITE_ECDSA, pub, kMessage, MESSAGE_LEN, rs, 64, &valid), TRESTLE_OK);
  CHECK(valid == 0);

  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SM2, rs, 64, der, &der_len), TRESTLE_OK);
  CHECK(bytes_are(der, der_len, kSm2Der));
  CHECK_RC(trestle_sm2_signature_from_der(der, der_len, back, &back_len), TRESTLE_OK);
  CHECK(back_len == 64 && memcmp(back, rs, 64) == 0);
  back_len = 10;
  CHECK_RC(trestle_sm2_signature_from_der(der, der_len, back, &back_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(back_len == 64);
  der[1] ^= 1; /* a wrong SEQUENCE length */
  CHECK_RC(trestle_sm2_signature_from_der(der, der_len, back, &back_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sm2_signature_from_der(NULL, 4, back, &back_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_signature_from_der(der, der_len, back, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  der_len = 8;
  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SM2, rs, 64, der, &der_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(der_len == 72);
  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SM2, rs, 63, der, &der_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SECP256K1, rs, 64, der, &der_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_signature_to_der(3, rs, 64, der, &der_len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SM2, NULL, 64, der, &der_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SM2, rs, 64, der, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);
}

/* sign, verify, sign_digest, verify_digest in one suite with a key of its curve. */
static void round_trip(int suite, int key_type, size_t signature_size) {
  trestle_private_key* key = NULL;
  trestle_public_key* pub = NULL;
  uint8_t signature[80];
  uint8_t digest[32];
  size_t len = sizeof signature;
  size_t digest_len = sizeof digest;
  int valid = -1;
  CHECK_RC(trestle_private_key_generate(key_type, &key), TRESTLE_OK);
  pub = public_of(key);

  CHECK_RC(trestle_sign(suite, key, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_OK);
  CHECK(len == signature_size);
  CHECK_RC(trestle_verify(suite, pub, kMessage, MESSAGE_LEN, signature, len, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  signature[5] ^= 0x40;
  CHECK_RC(trestle_verify(suite, pub, kMessage, MESSAGE_LEN, signature, len, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  CHECK_RC(trestle_verify(suite, pub, kMessage, MESSAGE_LEN, signature, 3, &valid), TRESTLE_OK);
  CHECK(valid == 0);

  CHECK_RC(trestle_hash(TRESTLE_HASH_SHA256, kMessage, MESSAGE_LEN, digest, &digest_len), TRESTLE_OK);
  len = sizeof signature;
  CHECK_RC(trestle_sign_digest(suite, key, digest, 32, signature, &len), TRESTLE_OK);
  CHECK(len == signature_size);
  CHECK_RC(trestle_verify_digest(suite, pub, digest, 32, signature, len, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  CHECK_RC(trestle_verify_digest(suite, pub, digest, 31, signature, len, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  digest[0] ^= 1;
  CHECK_RC(trestle_verify_digest(suite, pub, digest, 32, signature, len, &valid), TRESTLE_OK);
  CHECK(valid == 0);

  /* Short buffers: the size comes back before any signing. */
  len = signature_size - 1;
  CHECK_RC(trestle_sign(suite, key, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == signature_size);
  len = 0;
  CHECK_RC(trestle_sign_digest(suite, key, digest, 32, NULL, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == signature_size);
  /* Errors. */
  len = sizeof signature;
  CHECK_RC(trestle_sign_digest(suite, key, digest, 33, signature, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("32 bytes");
  CHECK_RC(trestle_sign(suite == TRESTLE_SUITE_SM ? TRESTLE_SUITE_ECDSA : TRESTLE_SUITE_SM, key, kMessage, MESSAGE_LEN,
                        signature, &len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sign(5, key, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sign(suite, NULL, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sign(suite, key, NULL, 1, signature, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sign(suite, key, kMessage, MESSAGE_LEN, signature, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sign_digest(5, key, digest, 32, signature, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sign_digest(suite, NULL, digest, 32, signature, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sign_digest(suite, key, NULL, 32, signature, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sign_digest(suite, key, digest, 32, signature, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify(5, pub, kMessage, MESSAGE_LEN, signature, 64, &valid), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(valid == 0);
  CHECK_RC(trestle_verify(suite, NULL, kMessage, MESSAGE_LEN, signature, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify(suite, pub, NULL, 1, signature, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify(suite, pub, kMessage, MESSAGE_LEN, NULL, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify(suite, pub, kMessage, MESSAGE_LEN, signature, 64, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify_digest(5, pub, digest, 32, signature, 64, &valid), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_verify_digest(suite, NULL, digest, 32, signature, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify_digest(suite, pub, NULL, 32, signature, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify_digest(suite, pub, digest, 32, NULL, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_verify_digest(suite, pub, digest, 32, signature, 64, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);
}

static void test_sm2_user_id(void) {
  trestle_private_key* key = NULL;
  trestle_public_key* pub = NULL;
  uint8_t signature[64];
  size_t len = sizeof signature;
  int valid = -1;
  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SM2, &key), TRESTLE_OK);
  pub = public_of(key);
  CHECK_RC(trestle_sm2_sign(key, "alice@example.com", 17, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_OK);
  CHECK(len == 64);
  CHECK_RC(trestle_sm2_verify(pub, "alice@example.com", 17, kMessage, MESSAGE_LEN, signature, 64, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  CHECK_RC(trestle_sm2_verify(pub, NULL, 0, kMessage, MESSAGE_LEN, signature, 64, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  CHECK_RC(trestle_sm2_verify(pub, "alice@example.com", 17, kMessage, MESSAGE_LEN, signature, 63, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  /* An empty ID is an ID like any other, distinct from the default. */
  len = sizeof signature;
  CHECK_RC(trestle_sm2_sign(key, "", 0, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_OK);
  CHECK_RC(trestle_sm2_verify(pub, "", 0, kMessage, MESSAGE_LEN, signature, 64, &valid), TRESTLE_OK);
  CHECK(valid == 1);

  len = 63;
  CHECK_RC(trestle_sm2_sign(key, NULL, 0, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 64);
  CHECK_RC(trestle_sm2_sign(NULL, NULL, 0, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_sign(key, NULL, 0, NULL, 1, signature, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_sign(key, NULL, 0, kMessage, MESSAGE_LEN, signature, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_verify(NULL, NULL, 0, kMessage, MESSAGE_LEN, signature, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_verify(pub, NULL, 0, NULL, 1, signature, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_verify(pub, NULL, 0, kMessage, MESSAGE_LEN, NULL, 64, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm2_verify(pub, NULL, 0, kMessage, MESSAGE_LEN, signature, 64, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);

  /* A secp256k1 key cannot make an SM2 signature. */
  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SECP256K1, &key), TRESTLE_OK);
  len = sizeof signature;
  CHECK_RC(trestle_sm2_sign(key, NULL, 0, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  trestle_private_key_free(key);
}

static void test_ecdsa_recover_and_der(void) {
  trestle_private_key* key = key_of(TRESTLE_KEY_SECP256K1, kSm2D);
  trestle_public_key* pub = public_of(key);
  trestle_public_key* recovered = NULL;
  uint8_t signature[65];
  uint8_t again[65];
  uint8_t digest[32];
  uint8_t expected[65];
  uint8_t got[65];
  uint8_t der[80];
  size_t len = sizeof signature;
  size_t again_len = sizeof again;
  size_t digest_len = sizeof digest;
  size_t der_len = sizeof der;
  size_t expected_len = sizeof expected;
  size_t got_len = sizeof got;
  int valid = -1;

  CHECK_RC(trestle_sign(TRESTLE_SUITE_ECDSA, key, kMessage, MESSAGE_LEN, signature, &len), TRESTLE_OK);
  CHECK_RC(trestle_sign(TRESTLE_SUITE_ECDSA, key, kMessage, MESSAGE_LEN, again, &again_len), TRESTLE_OK);
  CHECK(memcmp(signature, again, 65) == 0); /* RFC 6979: deterministic */
  CHECK(signature[64] <= 1);

  CHECK_RC(trestle_public_key_to_bytes(pub, 0, expected, &expected_len), TRESTLE_OK);
  CHECK_RC(trestle_recover(TRESTLE_SUITE_ECDSA, kMessage, MESSAGE_LEN, signature, 65, &recovered), TRESTLE_OK);
  CHECK_RC(trestle_public_key_to_bytes(recovered, 0, got, &got_len), TRESTLE_OK);
  CHECK(memcmp(expected, got, 65) == 0);
  trestle_public_key_free(recovered);
  recovered = NULL;

  CHECK_RC(trestle_hash(TRESTLE_HASH_KECCAK256, kMessage, MESSAGE_LEN, digest, &digest_len), TRESTLE_OK);
  CHECK_RC(trestle_secp256k1_recover_digest(digest, 32, signature, 65, &recovered), TRESTLE_OK);
  got_len = sizeof got;
  CHECK_RC(trestle_public_key_to_bytes(recovered, 0, got, &got_len), TRESTLE_OK);
  CHECK(memcmp(expected, got, 65) == 0);
  trestle_public_key_free(recovered);
  recovered = NULL;

  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SECP256K1, signature, 65, der, &der_len), TRESTLE_OK);
  CHECK(der[0] == 0x30);
  CHECK_RC(trestle_secp256k1_verify_digest_der(pub, digest, 32, der, der_len, &valid), TRESTLE_OK);
  CHECK(valid == 1);
  CHECK_RC(trestle_secp256k1_verify_digest_der(pub, digest, 32, der, der_len - 1, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  CHECK_RC(trestle_secp256k1_verify_digest_der(pub, digest, 31, der, der_len, &valid), TRESTLE_OK);
  CHECK(valid == 0);
  CHECK_RC(trestle_secp256k1_verify_digest_der(NULL, digest, 32, der, der_len, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_secp256k1_verify_digest_der(pub, NULL, 32, der, der_len, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_secp256k1_verify_digest_der(pub, digest, 32, NULL, 3, &valid), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_secp256k1_verify_digest_der(pub, digest, 32, der, der_len, NULL), TRESTLE_ERR_NULL_ARGUMENT);

  /* Recovery errors: the sm suite cannot, v out of range, wrong length, NULLs. */
  CHECK_RC(trestle_recover(TRESTLE_SUITE_SM, kMessage, MESSAGE_LEN, signature, 65, &recovered),
           TRESTLE_ERR_UNSUPPORTED);
  CHECK(recovered == NULL);
  signature[64] = 7;
  CHECK_RC(trestle_recover(TRESTLE_SUITE_ECDSA, kMessage, MESSAGE_LEN, signature, 65, &recovered),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_secp256k1_recover_digest(digest, 32, signature, 65, &recovered), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_secp256k1_recover_digest(digest, 32, signature, 64, &recovered), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_secp256k1_recover_digest(digest, 30, signature, 65, &recovered), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_recover(9, kMessage, MESSAGE_LEN, signature, 65, &recovered), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_recover(TRESTLE_SUITE_ECDSA, NULL, 1, signature, 65, &recovered), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_recover(TRESTLE_SUITE_ECDSA, kMessage, 1, NULL, 65, &recovered), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_recover(TRESTLE_SUITE_ECDSA, kMessage, 1, signature, 65, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_secp256k1_recover_digest(NULL, 32, signature, 65, &recovered), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_secp256k1_recover_digest(digest, 32, NULL, 65, &recovered), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_secp256k1_recover_digest(digest, 32, signature, 65, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  signature[64] = 2;
  CHECK_RC(trestle_signature_to_der(TRESTLE_KEY_SECP256K1, signature, 65, der, &der_len), TRESTLE_ERR_INVALID_ARGUMENT);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);
}

void test_sign(void) {
  test_sm2_example();
  round_trip(TRESTLE_SUITE_SM, TRESTLE_KEY_SM2, 64);
  round_trip(TRESTLE_SUITE_ECDSA, TRESTLE_KEY_SECP256K1, 65);
  test_sm2_user_id();
  test_ecdsa_recover_and_der();
}
