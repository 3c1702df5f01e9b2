/* SM2 encryption, AEADs (RFC 8998, McGrew-Viega vectors), SM4-CBC and SM4-CTR, and errors. */
#include <string.h>

#include "check.h"

static const char kSm2D[] = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
/* GB/T 32918.5 Annex A: "encryption standard" to the example key, C1 || C3 || C2. */
static const char kSm2Ciphertext[] =
    "0404ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
    "e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0"
    "59983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766"
    "21886ca989ca9c7d58087307ca93092d651efa";
static const char kSm4Key[] = "0123456789abcdeffedcba9876543210";

static void test_sm2(void) {
  uint8_t scalar[32];
  uint8_t ciphertext[256];
  uint8_t plaintext[64];
  size_t ct_len = hex_decode(kSm2Ciphertext, ciphertext, sizeof ciphertext);
  size_t pt_len = sizeof plaintext;
  trestle_private_key* key = NULL;
  trestle_private_key* secp = NULL;
  trestle_public_key* pub = NULL;
  trestle_public_key* secp_pub = NULL;
  int format;

  CHECK(hex_decode(kSm2D, scalar, sizeof scalar) == 32);
  CHECK_RC(trestle_private_key_from_bytes(TRESTLE_KEY_SM2, scalar, 32, &key), TRESTLE_OK);
  CHECK_RC(trestle_private_key_public_key(key, &pub), TRESTLE_OK);
  CHECK_RC(trestle_sm2_decrypt(key, TRESTLE_SM2_C1C3C2, ciphertext, ct_len, plaintext, &pt_len), TRESTLE_OK);
  CHECK(pt_len == 19 && memcmp(plaintext, "encryption standard", 19) == 0);
  pt_len = 18;
  CHECK_RC(trestle_sm2_decrypt(key, TRESTLE_SM2_C1C3C2, ciphertext, ct_len, plaintext, &pt_len),
           TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(pt_len == 19);
  ciphertext[70] ^= 1; /* C3 */
  pt_len = sizeof plaintext;
  CHECK_RC(trestle_sm2_decrypt(key, TRESTLE_SM2_C1C3C2, ciphertext, ct_len, plaintext, &pt_len),
           TRESTLE_ERR_AUTH_FAILED);

  for (format = TRESTLE_SM2_C1C3C2; format <= TRESTLE_SM2_DER; ++format) {
    size_t len = sizeof ciphertext;
    pt_len = sizeof plaintext;
    CHECK_RC(trestle_sm2_encrypt(pub, format, (const uint8_t*)"hello", 5, ciphertext, &len), TRESTLE_OK);
    CHECK(format == TRESTLE_SM2_DER ? ciphertext[0] == 0x30 : len == 5 + 97);
    CHECK_RC(trestle_sm2_decrypt(key, format, ciphertext, len, plaintext, &pt_len), TRESTLE_OK);
    CHECK(pt_len == 5 && memcmp(plaintext, "hello", 5) == 0);
    /* The size asked for is an upper bound, enough for any ciphertext of this plaintext. */
    len = 0;
    CHECK_RC(trestle_sm2_encrypt(pub, format, (const uint8_t*)"hello", 5, NULL, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
    CHECK(len >= 5 + 97 && len <= 5 + 120);
  }
  {
    size_t len = sizeof ciphertext;
    CHECK_RC(trestle_sm2_encrypt(pub, TRESTLE_SM2_C1C3C2, NULL, 0, ciphertext, &len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_sm2_encrypt(pub, 2, (const uint8_t*)"x", 1, ciphertext, &len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_MESSAGE("unknown SM2 ciphertext format");
    CHECK_RC(trestle_sm2_encrypt(NULL, 0, (const uint8_t*)"x", 1, ciphertext, &len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_sm2_encrypt(pub, 0, NULL, 1, ciphertext, &len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_sm2_encrypt(pub, 0, (const uint8_t*)"x", 1, ciphertext, NULL), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_private_key_generate(TRESTLE_KEY_SECP256K1, &secp), TRESTLE_OK);
    CHECK_RC(trestle_private_key_public_key(secp, &secp_pub), TRESTLE_OK);
    CHECK_RC(trestle_sm2_encrypt(secp_pub, 0, (const uint8_t*)"x", 1, ciphertext, &len), TRESTLE_ERR_INVALID_ARGUMENT);
    len = sizeof ciphertext;
    CHECK_RC(trestle_sm2_encrypt(pub, 0, (const uint8_t*)"x", 1, ciphertext, &len), TRESTLE_OK);
    pt_len = sizeof plaintext;
    CHECK_RC(trestle_sm2_decrypt(secp, 0, ciphertext, len, plaintext, &pt_len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_sm2_decrypt(key, 0, ciphertext, 50, plaintext, &pt_len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_sm2_decrypt(key, TRESTLE_SM2_DER, ciphertext, len, plaintext, &pt_len),
             TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_sm2_decrypt(key, 5, ciphertext, len, plaintext, &pt_len), TRESTLE_ERR_INVALID_ARGUMENT);
    CHECK_RC(trestle_sm2_decrypt(NULL, 0, ciphertext, len, plaintext, &pt_len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_sm2_decrypt(key, 0, NULL, len, plaintext, &pt_len), TRESTLE_ERR_NULL_ARGUMENT);
    CHECK_RC(trestle_sm2_decrypt(key, 0, ciphertext, len, plaintext, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  }
  trestle_public_key_free(secp_pub);
  trestle_private_key_free(secp);
  trestle_public_key_free(pub);
  trestle_private_key_free(key);
}

static void test_aead(void) {
  uint8_t key[32];
  uint8_t iv[12];
  uint8_t aad[20];
  uint8_t plaintext[64];
  uint8_t sealed[96];
  uint8_t opened[64];
  size_t key_len = hex_decode(kSm4Key, key, sizeof key);
  size_t iv_len = hex_decode("00001234567800000000abcd", iv, sizeof iv);
  size_t aad_len = hex_decode("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad, sizeof aad);
  size_t pt_len = hex_decode(
      "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccdddddddddddddddd"
      "eeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa",
      plaintext, sizeof plaintext);
  size_t len = sizeof sealed;
  size_t opened_len = sizeof opened;
  const int algorithm = TRESTLE_AEAD_SM4_GCM;

  /* RFC 8998 Appendix A.1. */
  CHECK_RC(trestle_aead_encrypt(algorithm, key, key_len, iv, iv_len, aad, aad_len, plaintext, pt_len, sealed, &len),
           TRESTLE_OK);
  CHECK(bytes_are(sealed, len,
                  "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
                  "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
                  "83de3541e4c2b58177e065a9bf7b62ec"));
  CHECK_RC(trestle_aead_decrypt(algorithm, key, key_len, iv, iv_len, aad, aad_len, sealed, len, opened, &opened_len),
           TRESTLE_OK);
  CHECK(opened_len == pt_len && memcmp(opened, plaintext, pt_len) == 0);
  opened_len = pt_len - 1;
  CHECK_RC(trestle_aead_decrypt(algorithm, key, key_len, iv, iv_len, aad, aad_len, sealed, len, opened, &opened_len),
           TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(opened_len == pt_len);
  sealed[len - 1] ^= 1;
  memset(opened, 0xee, sizeof opened);
  opened_len = sizeof opened;
  CHECK_RC(trestle_aead_decrypt(algorithm, key, key_len, iv, iv_len, aad, aad_len, sealed, len, opened, &opened_len),
           TRESTLE_ERR_AUTH_FAILED);
  CHECK(all_bytes(opened, sizeof opened, 0xee));
  len = 10;
  CHECK_RC(trestle_aead_encrypt(algorithm, key, key_len, iv, iv_len, aad, aad_len, plaintext, pt_len, sealed, &len),
           TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == pt_len + 16);

  /* AES-256-GCM, McGrew and Viega test case 14: zero key, zero IV, one zero block. */
  memset(key, 0, sizeof key);
  memset(iv, 0, sizeof iv);
  memset(plaintext, 0, 16);
  len = sizeof sealed;
  CHECK_RC(trestle_aead_encrypt(TRESTLE_AEAD_AES256_GCM, key, 32, iv, 12, NULL, 0, plaintext, 16, sealed, &len),
           TRESTLE_OK);
  CHECK(bytes_are(sealed, len, "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"));
  opened_len = sizeof opened;
  CHECK_RC(trestle_aead_decrypt(TRESTLE_AEAD_AES256_GCM, key, 32, iv, 12, NULL, 0, sealed, len, opened, &opened_len),
           TRESTLE_OK);
  CHECK(opened_len == 16 && all_bytes(opened, 16, 0));

  /* Errors. */
  len = sizeof sealed;
  CHECK_RC(trestle_aead_encrypt(TRESTLE_AEAD_AES256_GCM, key, 16, iv, 12, NULL, 0, plaintext, 16, sealed, &len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(TRESTLE_AEAD_AES256_GCM, key, 32, iv, 16, NULL, 0, plaintext, 16, sealed, &len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(2, key, 32, iv, 12, NULL, 0, plaintext, 16, sealed, &len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(0, NULL, 16, iv, 12, NULL, 0, plaintext, 16, sealed, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(0, key, 16, NULL, 12, NULL, 0, plaintext, 16, sealed, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(0, key, 16, iv, 12, NULL, 2, plaintext, 16, sealed, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(0, key, 16, iv, 12, NULL, 0, NULL, 16, sealed, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_encrypt(0, key, 16, iv, 12, NULL, 0, plaintext, 16, sealed, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(TRESTLE_AEAD_AES256_GCM, key, 32, iv, 12, NULL, 0, sealed, 15, opened, &opened_len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(2, key, 32, iv, 12, NULL, 0, sealed, 32, opened, &opened_len),
           TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(0, NULL, 16, iv, 12, NULL, 0, sealed, 32, opened, &opened_len),
           TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(0, key, 16, NULL, 12, NULL, 0, sealed, 32, opened, &opened_len),
           TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(0, key, 16, iv, 12, NULL, 1, sealed, 32, opened, &opened_len),
           TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(0, key, 16, iv, 12, NULL, 0, NULL, 32, opened, &opened_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_aead_decrypt(0, key, 16, iv, 12, NULL, 0, sealed, 32, opened, NULL), TRESTLE_ERR_NULL_ARGUMENT);
}

static void test_sm4_modes(void) {
  uint8_t key[16];
  uint8_t zero_iv[16];
  uint8_t counter[16];
  uint8_t ciphertext[48];
  uint8_t keystream[32];
  uint8_t out[48];
  size_t len = sizeof ciphertext;
  size_t out_len = sizeof out;
  CHECK(hex_decode(kSm4Key, key, sizeof key) == 16);
  memset(zero_iv, 0, sizeof zero_iv);

  /* GB/T 32907's example block: CBC with a zero IV encrypts the first block like ECB; a whole
   * block of PKCS#7 padding follows. */
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 16, key, 16, ciphertext, &len), TRESTLE_OK);
  CHECK(len == 32);
  CHECK(bytes_are(ciphertext, 16, "681edf34d206965e86b3e94f536e4246"));
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, zero_iv, 16, ciphertext, len, out, &out_len), TRESTLE_OK);
  CHECK(out_len == 16 && memcmp(out, key, 16) == 0);
  out_len = 15;
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, zero_iv, 16, ciphertext, len, out, &out_len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(out_len == 16);
  ciphertext[31] ^= 0x5a; /* the padding block decrypts to garbage */
  out_len = sizeof out;
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, zero_iv, 16, ciphertext, len, out, &out_len), TRESTLE_ERR_AUTH_FAILED);
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, zero_iv, 16, ciphertext, 31, out, &out_len), TRESTLE_ERR_INVALID_ARGUMENT);
  len = 31;
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 16, key, 16, ciphertext, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 32);
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 15, zero_iv, 16, key, 16, ciphertext, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 12, key, 16, ciphertext, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_encrypt(NULL, 16, zero_iv, 16, key, 16, ciphertext, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, NULL, 16, key, 16, ciphertext, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 16, NULL, 16, ciphertext, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 16, key, 16, ciphertext, NULL), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_decrypt(NULL, 16, zero_iv, 16, ciphertext, 32, out, &out_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, NULL, 16, ciphertext, 32, out, &out_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, zero_iv, 16, NULL, 32, out, &out_len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_cbc_decrypt(key, 16, zero_iv, 16, ciphertext, 32, out, NULL), TRESTLE_ERR_NULL_ARGUMENT);

  /* CTR's keystream is E(counter), E(counter + 1): the same blocks CBC with a zero IV makes of
   * the counter values. The counter ends in 01 ff, so the increment must carry (big-endian). */
  memset(counter, 0, sizeof counter);
  counter[14] = 0x01;
  counter[15] = 0xff;
  {
    uint8_t zeros[32];
    uint8_t next[16];
    uint8_t block[32];
    size_t block_len = sizeof block;
    memset(zeros, 0, sizeof zeros);
    len = sizeof keystream;
    CHECK_RC(trestle_sm4_ctr(key, 16, counter, 16, zeros, 32, keystream, &len), TRESTLE_OK);
    CHECK(len == 32);
    CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 16, counter, 16, block, &block_len), TRESTLE_OK);
    CHECK(memcmp(keystream, block, 16) == 0);
    memcpy(next, counter, 16);
    next[14] = 0x02;
    next[15] = 0x00;
    block_len = sizeof block;
    CHECK_RC(trestle_sm4_cbc_encrypt(key, 16, zero_iv, 16, next, 16, block, &block_len), TRESTLE_OK);
    CHECK(memcmp(keystream + 16, block, 16) == 0);
  }
  len = 4;
  CHECK_RC(trestle_sm4_ctr(key, 16, counter, 16, key, 16, keystream, &len), TRESTLE_ERR_BUFFER_TOO_SMALL);
  CHECK(len == 16);
  CHECK_RC(trestle_sm4_ctr(key, 16, counter, 12, key, 16, keystream, &len), TRESTLE_ERR_INVALID_ARGUMENT);
  CHECK_RC(trestle_sm4_ctr(NULL, 16, counter, 16, key, 16, keystream, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_ctr(key, 16, NULL, 16, key, 16, keystream, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_ctr(key, 16, counter, 16, NULL, 16, keystream, &len), TRESTLE_ERR_NULL_ARGUMENT);
  CHECK_RC(trestle_sm4_ctr(key, 16, counter, 16, key, 16, keystream, NULL), TRESTLE_ERR_NULL_ARGUMENT);
}

void test_cipher(void) {
  test_sm2();
  test_aead();
  test_sm4_modes();
}
