/* Private and public keys: raw scalars, PEM, keystores, points, addresses, and their errors. */
#include <string.h>

#include "check.h"

/* GB/T 32918.5 Annex A: the example private key on the recommended curve and its public key. */
static const char kSm2D[] = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
static const char kSm2Public[] =
    "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13";
/* secp256k1: d = 1 gives the generator G, whose Ethereum address is well known. */
static const char kSecpG[] =
    "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
static const char kSecpGAddress[] = "7e5f4552091a69125d5dfcb7b8c2659029395bdf";

static trestle_private_key* key_from_hex(int type, const char* hex) {
  uint8_t scalar[32];
  trestle_private_key* key = NULL;
  size_t len = hex_decode(hex, scalar, sizeof scalar);
  CHECK(len == 32);
  CHECK_RC(trestle_private_key_from_bytes(type, scalar, len, &key), TRESTLE_OK);
  return key;
}

static void test_from_bytes(void) {
  uint8_t scalar[32];
  uint8_t point[65];
  size_t len = sizeof point;
  int type = -1;
  trestle_private_key* key = key_from_hex(TRESTLE_KEY_SM2, kSm2D);
  trestle_public_key* pub = NULL;

  CHECK_RC(trestle_private_key_type(key, &type), TRESTLE_OK);
  CHECK(type == TRESTLE_KEY_SM2);
  CHECK_RC(trestle_private_key_public_key(key, &pub), TRESTLE_OK);
  CHECK_RC(trestle_public_key_to_bytes(pub, 0, point, &len), TRESTLE_OK);
  CHECK(bytes_are(point, len, kSm2Public));
  CHECK_RC(trestle_public_key_type(pub, &type), TRESTLE_OK);
  CHECK(type == TRESTLE_KEY_SM2);
  len = sizeof scalar;
  CHECK_RC(trestle_private_key_secret(key, scalar, &len), TRESTLE_OK);
  CHECK(bytes_are(scalar, len, kSm2D));
  len = 31;
  CHECK_RC(trestle_private_key_secret(key, scalar, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 32);
  CHECK_RC(trestle_private_key_secret(NULL, scalar, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_secret(key, scalar, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_type(NULL, &type), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_type(key, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_type(NULL, &type), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_type(pub, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  {
    trestle_public_key* none = pub;
    CHECK_RC(trestle_private_key_public_key(NULL, &none), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK(none == NULL);
  }
  CHECK_RC(trestle_private_key_public_key(key, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_private_key_free(key);

  /* Out of range and malformed scalars. */
  memset(scalar, 0, sizeof scalar);
  key = (trestle_private_key*)(void*)scalar;
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SECP256K1, scalar, 32, &key), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(key == NULL);
  memset(scalar, 0xff, sizeof scalar);
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SECP256K1, scalar, 32, &key), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SM2, scalar, 32, &key), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SM2, scalar, 31, &key), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_private_key_from_bytes(2, scalar, 32, &key), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("unknown key type 2");
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SM2, NULL, 32, &key), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SM2, scalar, 32, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub);
  trestle_private_key_free(NULL);
  trestle_public_key_free(NULL);
}

static void test_generate(void) {
  trestle_private_key* a = NULL;
  trestle_private_key* b = NULL;
  uint8_t sa[32];
  uint8_t sb[32];
  size_t la = sizeof sa;
  size_t lb = sizeof sb;
  int type = -1;
  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SECP256K1, &a), TRESTLE_OK);
  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SECP256K1, &b), TRESTLE_OK);
  CHECK_RC(trestle_private_key_type(a, &type), TRESTLE_OK);
  CHECK(type == TRESTLE_KEY_SECP256K1);
  CHECK_RC(trestle_private_key_secret(a, sa, &la), TRESTLE_OK);
  CHECK_RC(trestle_private_key_secret(b, sb, &lb), TRESTLE_OK);
  CHECK(memcmp(sa, sb, 32) != 0);
  trestle_private_key_free(a);
  trestle_private_key_free(b);
  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SM2, &a), TRESTLE_OK);
  trestle_private_key_free(a);
  CHECK_RC(trestle_private_key_generate(9, &a), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(a == NULL);
  CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SM2, NULL), TRESTLE_ERR_NULL_ARGUMENT);
}

static void test_pem(void) {
  static const char kBadPem[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  char pem[1024];
  size_t len = sizeof pem;
  uint8_t original[32];
  uint8_t restored[32];
  size_t original_len = sizeof original;
  size_t restored_len = sizeof restored;
  trestle_private_key* key = key_from_hex(TRESTLE_KEY_SM2, kSm2D);
  trestle_private_key* back = NULL;
  trestle_public_key* pub = NULL;
  trestle_public_key* pub_back = NULL;
  uint8_t point[65];
  size_t point_len = sizeof point;

  CHECK_RC(trestle_private_key_to_pem(key, pem, &len), TRESTLE_OK);
  CHECK(len == strlen(pem) + 1);
  CHECK(strstr(pem, "-----BEGIN PRIVATE KEY-----") == pem);
  CHECK_RC(trestle_private_key_from_pem(pem, len - 1, &back), TRESTLE_OK);
  CHECK_RC(trestle_private_key_secret(key, original, &original_len), TRESTLE_OK);
  CHECK_RC(trestle_private_key_secret(back, restored, &restored_len), TRESTLE_OK);
  CHECK(memcmp(original, restored, 32) == 0);
  trestle_private_key_free(back);
  back = NULL;

  len = 10;
  CHECK_RC(trestle_private_key_to_pem(key, pem, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len > 100);
  CHECK_RC(trestle_private_key_to_pem(NULL, pem, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_to_pem(key, pem, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_from_pem("not a pem", 9, &back), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(back == NULL);
  CHECK_RC(trestle_private_key_from_pem(NULL, 9, &back), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_from_pem(pem, 0, NULL), TRESTLE_ERR_NULL_ARGUMENT);

  CHECK_RC(trestle_private_key_public_key(key, &pub), TRESTLE_OK);
  len = sizeof pem;
  CHECK_RC(trestle_public_key_to_pem(pub, pem, &len), TRESTLE_OK);
  CHECK(strstr(pem, "-----BEGIN PUBLIC KEY-----") == pem);
  CHECK_RC(trestle_public_key_from_pem(pem, len - 1, &pub_back), TRESTLE_OK);
  CHECK_RC(trestle_public_key_to_bytes(pub_back, 0, point, &point_len), TRESTLE_OK);
  CHECK(bytes_are(point, point_len, kSm2Public));
  len = 1;
  CHECK_RC(trestle_public_key_to_pem(pub, pem, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK_RC(trestle_public_key_to_pem(NULL, pem, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_to_pem(pub, pem, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub_back);
  pub_back = NULL;
  CHECK_RC(trestle_public_key_from_pem(kBadPem, strlen(kBadPem), &pub_back), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(pub_back == NULL);
  CHECK_RC(trestle_public_key_from_pem(NULL, 3, &pub_back), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_from_pem(pem, 3, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);
}

static void test_keystore(void) {
  char keystore[2048];
  size_t len = 16;
  uint8_t original[32];
  uint8_t restored[32];
  size_t original_len = sizeof original;
  size_t restored_len = sizeof restored;
  trestle_private_key* key = key_from_hex(TRESTLE_KEY_SECP256K1, kSm2D);
  trestle_private_key* back = NULL;

  /* The size query gives the exact size: for one key and scrypt_n the length never changes. */
  CHECK_RC(trestle_private_key_to_keystore(key, "pw", 2, 1024, keystore, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len > 16 && len <= sizeof keystore);
  CHECK_RC(trestle_private_key_to_keystore(key, "pw", 2, 1024, keystore, &len), TRESTLE_OK);
  CHECK(strstr(keystore, "\"aes-256-gcm\"") != NULL);
  CHECK_RC(trestle_private_key_from_keystore(keystore, len - 1, "pw", 2, &back), TRESTLE_OK);
  CHECK_RC(trestle_private_key_secret(key, original, &original_len), TRESTLE_OK);
  CHECK_RC(trestle_private_key_secret(back, restored, &restored_len), TRESTLE_OK);
  CHECK(memcmp(original, restored, 32) == 0);
  trestle_private_key_free(back);
  back = NULL;

  CHECK_RC(trestle_private_key_from_keystore(keystore, len - 1, "px", 2, &back), TRESTLE_ERR_AUTH_FAILED);
  CHECK_MESSAGE("wrong password");
  CHECK(back == NULL);
  CHECK_RC(trestle_private_key_from_keystore("{}", 2, "pw", 2, &back), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_private_key_from_keystore(NULL, 2, "pw", 2, &back), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_from_keystore(keystore, len - 1, NULL, 2, &back), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_from_keystore(keystore, len - 1, "pw", 2, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  len = sizeof keystore;
  CHECK_RC(trestle_private_key_to_keystore(key, "pw", 2, 1000, keystore, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_private_key_to_keystore(NULL, "pw", 2, 1024, keystore, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_to_keystore(key, NULL, 2, 1024, keystore, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_private_key_to_keystore(key, "pw", 2, 1024, keystore, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_private_key_free(key);
}

static void test_public_keys(void) {
  uint8_t point[65];
  uint8_t compressed[33];
  uint8_t out[65];
  uint8_t address[20];
  size_t point_len = hex_decode(kSecpG, point, sizeof point);
  size_t len = sizeof compressed;
  trestle_public_key* pub = NULL;
  trestle_public_key* other = NULL;

  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SECP256K1, point, point_len, &pub), TRESTLE_OK);
  CHECK_RC(trestle_public_key_to_bytes(pub, 1, compressed, &len), TRESTLE_OK);
  CHECK(len == 33 && compressed[0] == 0x02 && memcmp(compressed + 1, point + 1, 32) == 0);
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SECP256K1, compressed, 33, &other), TRESTLE_OK);
  len = sizeof out;
  CHECK_RC(trestle_public_key_to_bytes(other, 0, out, &len), TRESTLE_OK);
  CHECK(len == 65 && memcmp(out, point, 65) == 0);
  trestle_public_key_free(other);
  other = NULL;
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SECP256K1, point + 1, 64, &other), TRESTLE_OK);
  trestle_public_key_free(other);
  other = NULL;

  len = sizeof address;
  CHECK_RC(trestle_public_key_address(pub, TRESTLE_SUITE_ECDSA, address, &len), TRESTLE_OK);
  CHECK(bytes_are(address, len, kSecpGAddress));
  len = 19;
  CHECK_RC(trestle_public_key_address(pub, TRESTLE_SUITE_ECDSA, address, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 20);
  CHECK_RC(trestle_public_key_address(pub, 2, address, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_MESSAGE("unknown suite 2");
  CHECK_RC(trestle_public_key_address(NULL, TRESTLE_SUITE_SM, address, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_address(pub, TRESTLE_SUITE_SM, address, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  len = 64;
  CHECK_RC(trestle_public_key_to_bytes(pub, 0, out, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 65);
  CHECK_RC(trestle_public_key_to_bytes(NULL, 0, out, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_to_bytes(pub, 0, out, NULL), TRESTLE_ERR_NULL_ARGUMENT);

  /* Not on the curve, wrong prefix, wrong length, the other curve. */
  point[64] ^= 1;
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SECP256K1, point, 65, &other), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK(other == NULL);
  point[64] ^= 1;
  point[0] = 0x05;
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SECP256K1, point, 65, &other), TRESTLE_ERR_INVALID_ARGUMENT);
  point[0] = 0x04;
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SECP256K1, point, 10, &other), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SM2, point, 65, &other), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_public_key_from_bytes(4, point, 65, &other), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SM2, NULL, 65, &other), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_public_key_from_bytes(TRESTLE_KEY_SM2, point, 65, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  trestle_public_key_free(pub);
}

void test_keys(void) {
  test_from_bytes();
  test_generate();
  test_pem();
  test_keystore();
  test_public_keys();
}
