/* trestle_hash, trestle_hmac and the incremental hasher: standard vectors and every error path. */
#include <string.h>

#include "check.h"

static const uint8_t kAbc[] = {'a', 'b', 'c'};

static void test_vectors(void) {
  uint8_t digest[32];
  size_t len = sizeof digest;
  /* GB/T 32905 example 1, FIPS 180-4 "abc", Keccak-256 of the empty string (Ethereum). */
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, kAbc, 3, digest, &len), TRESTLE_OK);
  CHECK(bytes_are(digest, len, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"));
  len = sizeof digest;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SHA256, kAbc, 3, digest, &len), TRESTLE_OK);
  CHECK(bytes_are(digest, len, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  len = sizeof digest;
  CHECK_RC(trestle_hash(TRESTLE_HASH_KECCAK256, NULL, 0, digest, &len), TRESTLE_OK);
  CHECK(bytes_are(digest, len, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));
  len = sizeof digest;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SHA256, NULL, 0, digest, &len), TRESTLE_OK);
  CHECK(bytes_are(digest, len, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

static void test_hash_errors(void) {
  uint8_t digest[32];
  size_t len = sizeof digest;
  CHECK_RC(trestle_hash(3, kAbc, 3, digest, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("unknown hash algorithm 3");
  CHECK_RC(trestle_hash(-1, kAbc, 3, digest, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, NULL, 3, digest, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, kAbc, 3, digest, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_MESSAGE("out_len is NULL");
  len = 32;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, kAbc, 3, NULL, &len), TRESTLE_ERR_NULL_ARGUMENT);
  /* Size query, then a short buffer: nothing written, the needed size reported. */
  len = 0;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, kAbc, 3, NULL, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 32);
  memset(digest, 0xee, sizeof digest);
  len = 31;
  CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, kAbc, 3, digest, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK_MESSAGE("32 needed");
  CHECK(len == 32);
  CHECK(all_bytes(digest, sizeof digest, 0xee));
}

static void test_hmac(void) {
  static const char kKey[] = "Jefe";
  static const char kData[] = "what do ya want for nothing?";
  uint8_t mac[32];
  uint8_t inner[32];
  uint8_t block[64 + 32];
  uint8_t expected[32];
  size_t len = sizeof mac;
  size_t i;
  /* RFC 4231 test case 2. */
  CHECK_RC(trestle_hmac(TRESTLE_HASH_SHA256, (const uint8_t*)kKey, 4, (const uint8_t*)kData, strlen(kData), mac, &len),
           TRESTLE_OK);
  CHECK(bytes_are(mac, len, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));

  /* HMAC-SM3 against RFC 2104 written out with the plain hash: H(K^opad || H(K^ipad || m)). */
  len = sizeof mac;
  CHECK_RC(trestle_hmac(TRESTLE_HASH_SM3, (const uint8_t*)kKey, 4, (const uint8_t*)kData, strlen(kData), mac, &len),
           TRESTLE_OK);
  {
    uint8_t inner_input[64 + sizeof kData];
    size_t inner_len = sizeof inner;
    size_t outer_len = sizeof expected;
    memset(block, 0, sizeof block);
    memcpy(block, kKey, 4);
    for (i = 0; i < 64; ++i) inner_input[i] = (uint8_t)(block[i] ^ 0x36);
    memcpy(inner_input + 64, kData, strlen(kData));
    CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, inner_input, 64 + strlen(kData), inner, &inner_len), TRESTLE_OK);
    for (i = 0; i < 64; ++i) block[i] = (uint8_t)(block[i] ^ 0x5c);
    memcpy(block + 64, inner, 32);
    CHECK_RC(trestle_hash(TRESTLE_HASH_SM3, block, sizeof block, expected, &outer_len), TRESTLE_OK);
    CHECK(memcmp(mac, expected, 32) == 0);
  }

  len = sizeof mac;
  CHECK_RC(trestle_hmac(TRESTLE_HASH_KECCAK256, (const uint8_t*)kKey, 4, NULL, 0, mac, &len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("not Keccak-256");
  CHECK_RC(trestle_hmac(7, (const uint8_t*)kKey, 4, NULL, 0, mac, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_hmac(TRESTLE_HASH_SM3, NULL, 4, NULL, 0, mac, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_MESSAGE("key is NULL");
  CHECK_RC(trestle_hmac(TRESTLE_HASH_SM3, NULL, 0, NULL, 1, mac, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_hmac(TRESTLE_HASH_SM3, NULL, 0, NULL, 0, mac, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  len = 8;
  CHECK_RC(trestle_hmac(TRESTLE_HASH_SM3, NULL, 0, NULL, 0, mac, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 32);
}

static void test_hasher(void) {
  trestle_hasher* hasher = NULL;
  uint8_t whole[32];
  uint8_t parts[32];
  size_t len = sizeof whole;
  static const uint8_t kMessage[] = "the quick brown fox jumps over the lazy dog";
  const size_t message_len = sizeof kMessage - 1;

  CHECK_RC(trestle_hash(TRESTLE_HASH_KECCAK256, kMessage, message_len, whole, &len), TRESTLE_OK);
  CHECK_RC(trestle_hasher_new(TRESTLE_HASH_KECCAK256, &hasher), TRESTLE_OK);
  CHECK(hasher != NULL);
  CHECK_RC(trestle_hasher_update(hasher, kMessage, 10), TRESTLE_OK);
  CHECK_RC(trestle_hasher_update(hasher, NULL, 0), TRESTLE_OK);
  CHECK_RC(trestle_hasher_update(hasher, kMessage + 10, message_len - 10), TRESTLE_OK);
  /* A short buffer must not consume the hasher's state. */
  len = 16;
  CHECK_RC(trestle_hasher_finish(hasher, parts, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 32);
  len = 0;
  CHECK_RC(trestle_hasher_finish(hasher, NULL, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  len = sizeof parts;
  CHECK_RC(trestle_hasher_finish(hasher, parts, &len), TRESTLE_OK);
  CHECK(len == 32 && memcmp(whole, parts, 32) == 0);
  /* finish resets: the next digest is of the empty message. */
  len = sizeof parts;
  CHECK_RC(trestle_hasher_finish(hasher, parts, &len), TRESTLE_OK);
  CHECK(bytes_are(parts, len, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));

  CHECK_RC(trestle_hasher_update(hasher, NULL, 1), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_hasher_update(NULL, kMessage, 1), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_MESSAGE("hasher is NULL");
  CHECK_RC(trestle_hasher_finish(NULL, parts, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_hasher_finish(hasher, parts, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_hasher_free(hasher);

  hasher = (trestle_hasher*)&len; /* must be overwritten with NULL on failure */
  CHECK_RC(trestle_hasher_new(5, &hasher), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(hasher == NULL);
  CHECK_RC(trestle_hasher_new(TRESTLE_HASH_SM3, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_hasher_free(NULL);
}

void test_hash(void) {
  test_vectors();
  test_hash_errors();
  test_hmac();
  test_hasher();
}
