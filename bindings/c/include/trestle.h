/* trestle.h: the C API of Trestle (C99). Every language that can call C reaches Trestle here.
 *
 * Conventions, the same for every function:
 *
 * - A function returns TRESTLE_OK (0) or an error code (TRESTLE_ERR_*). After an error,
 *   trestle_last_error() returns a message for the user; after a success it returns "".
 *   No C++ exception ever crosses this boundary.
 * - Inputs are (pointer, length) pairs. A NULL pointer with length 0 is the empty input; a NULL
 *   pointer with a non-zero length is TRESTLE_ERR_NULL_ARGUMENT.
 * - Outputs go to caller-owned buffers: `out` and `out_len`, where *out_len holds the buffer's
 *   capacity on entry and the number of bytes written on success. When the buffer is too short,
 *   the call returns TRESTLE_ERR_BUFFER_TOO_SMALL, writes nothing into `out` and sets *out_len to
 *   the size needed; so a call with out = NULL and *out_len = 0 asks for the size. For outputs
 *   that are random (SM2 ciphertexts) the size asked for is an upper bound. Text outputs (PEM,
 *   JSON) are NUL-terminated and *out_len counts the terminating NUL.
 * - Objects (keys, hashers, transactions, stores) are opaque handles created by a function that
 *   takes a `T** out` and released by the matching trestle_*_free (or trestle_store_close),
 *   which accepts NULL. On error, *out is set to NULL.
 * - Threads: the last-error message is per thread. A handle may be used by several threads at
 *   once only for calls that take it as `const`; a store may be read from any thread.
 * - Secrets: private keys are wiped when freed; trestle_private_key_secret and decryption write
 *   secrets into the caller's buffer, which the caller must wipe.
 *
 * Suites, curves and algorithms are named by the integer constants below. Signatures are the
 * suite's: sm 64 bytes r||s (SM2 over SM3(Z_A || M) with the default user ID), ecdsa 65 bytes
 * r||s||v (secp256k1 over Keccak-256(M), low-S, RFC 6979).
 */
#ifndef TRESTLE_H
#define TRESTLE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define TRESTLE_API
#elif defined(__GNUC__)
#define TRESTLE_API __attribute__((visibility("default")))
#else
#define TRESTLE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes. 1..8 are the library's own error codes (trestle::ErrorCode). */
enum {
  TRESTLE_OK = 0,
  TRESTLE_ERR_INVALID_ARGUMENT = 1,  /* malformed or out-of-range input */
  TRESTLE_ERR_LIMIT_EXCEEDED = 2,    /* a size or count limit was exceeded */
  TRESTLE_ERR_NOT_FOUND = 3,         /* no such block, transaction or store */
  TRESTLE_ERR_AUTH_FAILED = 4,       /* a tag, password or signature did not check out */
  TRESTLE_ERR_IO = 5,                /* a file operation failed */
  TRESTLE_ERR_CORRUPT = 6,           /* stored data is inconsistent */
  TRESTLE_ERR_UNSUPPORTED = 7,       /* valid input this build cannot handle */
  TRESTLE_ERR_INTERNAL = 8,          /* a bug or an unexpected failure of a dependency */
  TRESTLE_ERR_NULL_ARGUMENT = 9,     /* a required pointer was NULL */
  TRESTLE_ERR_BUFFER_TOO_SMALL = 10, /* *out_len now holds the size needed */
  TRESTLE_ERR_NO_MEMORY = 11         /* an allocation failed */
};

/* Crypto suites of a chain. */
enum { TRESTLE_SUITE_SM = 0, TRESTLE_SUITE_ECDSA = 1 };
/* Key types (curves). */
enum { TRESTLE_KEY_SM2 = 0, TRESTLE_KEY_SECP256K1 = 1 };
/* Hash algorithms; every digest is 32 bytes. Keccak-256 is Ethereum's, not FIPS 202 SHA3-256. */
enum { TRESTLE_HASH_SM3 = 0, TRESTLE_HASH_SHA256 = 1, TRESTLE_HASH_KECCAK256 = 2 };
/* AEAD algorithms: keys of 16 (SM4) or 32 (AES-256) bytes, 12-byte IVs, 16-byte tags. */
enum { TRESTLE_AEAD_SM4_GCM = 0, TRESTLE_AEAD_AES256_GCM = 1 };
/* SM2 ciphertext layouts: raw C1||C3||C2 (GB/T 32918.4-2016) or OpenSSL's ASN.1 SEQUENCE. */
enum { TRESTLE_SM2_C1C3C2 = 0, TRESTLE_SM2_DER = 1 };

/* Byte-string fields of a transaction (see trestle_tx_set_bytes). */
enum {
  TRESTLE_TX_CHAIN_ID = 0,
  TRESTLE_TX_GROUP_ID = 1,
  TRESTLE_TX_NONCE = 2,
  TRESTLE_TX_TARGET = 3, /* 20 bytes, or 0 bytes for "no target" */
  TRESTLE_TX_PAYLOAD = 4,
  TRESTLE_TX_SENDER = 5,   /* set by trestle_tx_sign: sm the 64-byte key x||y, ecdsa the address */
  TRESTLE_TX_SIGNATURE = 6 /* set by trestle_tx_sign */
};
/* Integer fields of a transaction (see trestle_tx_set_u64). */
enum { TRESTLE_TX_BLOCK_LIMIT = 0, TRESTLE_TX_TIMESTAMP_MS = 1 };

/* Parts of a transaction's inclusion proof (see trestle_store_transaction_proof). */
enum {
  TRESTLE_PROOF_HEADER = 0,           /* the block header encoding */
  TRESTLE_PROOF_TRANSACTION = 1,      /* the transaction encoding */
  TRESTLE_PROOF_RECEIPT = 2,          /* the receipt encoding */
  TRESTLE_PROOF_TRANSACTION_PATH = 3, /* the Merkle proof encoding against the tx root */
  TRESTLE_PROOF_RECEIPT_PATH = 4      /* the Merkle proof encoding against the receipt root */
};

typedef struct trestle_hasher trestle_hasher;
typedef struct trestle_private_key trestle_private_key;
typedef struct trestle_public_key trestle_public_key;
typedef struct trestle_tx trestle_tx;
typedef struct trestle_store trestle_store;

/* ---- General ---- */

/* The library's version, "MAJOR.MINOR.PATCH". Never NULL; static storage. */
TRESTLE_API const char* trestle_version(void);
/* The message of the last call on this thread that failed, "" if the last call succeeded.
 * Never NULL. Valid until the next trestle_ call on this thread. */
TRESTLE_API const char* trestle_last_error(void);
/* A stable lower-case name for an error code ("ok", "invalid_argument", ...; "unknown" for a
 * value that is not a code). Never NULL; static storage. */
TRESTLE_API const char* trestle_error_name(int code);

/* ---- Hashing ---- */

/* The 32-byte digest of data. Errors: INVALID_ARGUMENT for an unknown algorithm. */
TRESTLE_API int trestle_hash(int algorithm, const uint8_t* data, size_t data_len, uint8_t* out, size_t* out_len);
/* HMAC (RFC 2104) with SM3 or SHA-256; keys of any length. INVALID_ARGUMENT for Keccak-256
 * (no standard defines it) or an unknown algorithm. */
TRESTLE_API int trestle_hmac(int algorithm, const uint8_t* key, size_t key_len, const uint8_t* data, size_t data_len,
                             uint8_t* out, size_t* out_len);
/* Incremental hashing. finish writes the digest and resets the hasher for a new message. */
TRESTLE_API int trestle_hasher_new(int algorithm, trestle_hasher** out);
TRESTLE_API int trestle_hasher_update(trestle_hasher* hasher, const uint8_t* data, size_t data_len);
TRESTLE_API int trestle_hasher_finish(trestle_hasher* hasher, uint8_t* out, size_t* out_len);
TRESTLE_API void trestle_hasher_free(trestle_hasher* hasher);

/* ---- Keys ---- */

/* A uniformly random key from the operating system's generator. */
TRESTLE_API int trestle_private_key_generate(int key_type, trestle_private_key** out);
/* From a 32-byte big-endian scalar in range. INVALID_ARGUMENT otherwise. */
TRESTLE_API int trestle_private_key_from_bytes(int key_type, const uint8_t* scalar, size_t scalar_len,
                                               trestle_private_key** out);
/* From PEM: PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"; the curve is read from the PEM. */
TRESTLE_API int trestle_private_key_from_pem(const char* pem, size_t pem_len, trestle_private_key** out);
/* From a password-protected keystore JSON document. AUTH_FAILED for a wrong password. */
TRESTLE_API int trestle_private_key_from_keystore(const char* json, size_t json_len, const char* password,
                                                  size_t password_len, trestle_private_key** out);
/* PKCS#8 PEM, readable by OpenSSL 3. */
TRESTLE_API int trestle_private_key_to_pem(const trestle_private_key* key, char* out, size_t* out_len);
/* A keystore JSON document sealed under `password` with scrypt cost scrypt_n (a power of two;
 * 0 for the default 2^15, about 0.1 s). Salt and IV are fresh each call, but for one key and
 * scrypt_n the length is always the same, so a size query and then the call work. Each call runs
 * scrypt: ask for the size with a buffer of 1 KiB or more to avoid running it twice. */
TRESTLE_API int trestle_private_key_to_keystore(const trestle_private_key* key, const char* password,
                                                size_t password_len, uint64_t scrypt_n, char* out, size_t* out_len);
/* The 32-byte secret scalar. The caller must wipe it. */
TRESTLE_API int trestle_private_key_secret(const trestle_private_key* key, uint8_t* out, size_t* out_len);
TRESTLE_API int trestle_private_key_type(const trestle_private_key* key, int* key_type);
/* A new handle for the key's public key (free it with trestle_public_key_free). */
TRESTLE_API int trestle_private_key_public_key(const trestle_private_key* key, trestle_public_key** out);
/* Wipes and frees the key. */
TRESTLE_API void trestle_private_key_free(trestle_private_key* key);

/* From 65 bytes 04||x||y, 64 bytes x||y or 33 bytes 02/03||x; the point must be on the curve. */
TRESTLE_API int trestle_public_key_from_bytes(int key_type, const uint8_t* encoded, size_t encoded_len,
                                              trestle_public_key** out);
/* From a SubjectPublicKeyInfo "PUBLIC KEY" PEM. */
TRESTLE_API int trestle_public_key_from_pem(const char* pem, size_t pem_len, trestle_public_key** out);
TRESTLE_API int trestle_public_key_to_pem(const trestle_public_key* key, char* out, size_t* out_len);
/* 65 bytes 04||x||y, or 33 bytes 02/03||x when compressed is non-zero. */
TRESTLE_API int trestle_public_key_to_bytes(const trestle_public_key* key, int compressed, uint8_t* out,
                                            size_t* out_len);
TRESTLE_API int trestle_public_key_type(const trestle_public_key* key, int* key_type);
/* The 20-byte account address of the key in a suite: the last 20 bytes of hash(x||y). */
TRESTLE_API int trestle_public_key_address(const trestle_public_key* key, int suite, uint8_t* out, size_t* out_len);
TRESTLE_API void trestle_public_key_free(trestle_public_key* key);

/* ---- Signatures ---- */

/* Signs a message with the suite (see the top of this file for the formats). INVALID_ARGUMENT
 * for a key of the other suite's curve. */
TRESTLE_API int trestle_sign(int suite, const trestle_private_key* key, const uint8_t* message, size_t message_len,
                             uint8_t* signature, size_t* signature_len);
/* Signs a ready 32-byte digest (sm: e = SM3(Z_A || M); ecdsa: any 32-byte hash). */
TRESTLE_API int trestle_sign_digest(int suite, const trestle_private_key* key, const uint8_t* digest, size_t digest_len,
                                    uint8_t* signature, size_t* signature_len);
/* *valid = 1 for a valid signature, 0 for anything else (malformed signature, wrong key type,
 * wrong length): verification is not an error. Errors only for NULL or an unknown suite. */
TRESTLE_API int trestle_verify(int suite, const trestle_public_key* key, const uint8_t* message, size_t message_len,
                               const uint8_t* signature, size_t signature_len, int* valid);
TRESTLE_API int trestle_verify_digest(int suite, const trestle_public_key* key, const uint8_t* digest,
                                      size_t digest_len, const uint8_t* signature, size_t signature_len, int* valid);
/* The signer's key from a message and a 65-byte ecdsa signature. UNSUPPORTED for the sm suite,
 * INVALID_ARGUMENT for a malformed signature. */
TRESTLE_API int trestle_recover(int suite, const uint8_t* message, size_t message_len, const uint8_t* signature,
                                size_t signature_len, trestle_public_key** out);
/* The same from a 32-byte digest and a 65-byte r||s||v secp256k1 signature. */
TRESTLE_API int trestle_secp256k1_recover_digest(const uint8_t* digest, size_t digest_len, const uint8_t* signature,
                                                 size_t signature_len, trestle_public_key** out);
/* Verifies a strict-DER secp256k1 signature over a 32-byte digest (high-S rejected). */
TRESTLE_API int trestle_secp256k1_verify_digest_der(const trestle_public_key* key, const uint8_t* digest,
                                                    size_t digest_len, const uint8_t* der, size_t der_len, int* valid);
/* SM2 signatures with an explicit user ID (user_id NULL: the default "1234567812345678"). */
TRESTLE_API int trestle_sm2_sign(const trestle_private_key* key, const char* user_id, size_t user_id_len,
                                 const uint8_t* message, size_t message_len, uint8_t* signature, size_t* signature_len);
TRESTLE_API int trestle_sm2_verify(const trestle_public_key* key, const char* user_id, size_t user_id_len,
                                   const uint8_t* message, size_t message_len, const uint8_t* signature,
                                   size_t signature_len, int* valid);
/* DER SEQUENCE { INTEGER r, INTEGER s } of a suite signature: key_type SM2 takes 64 bytes r||s,
 * SECP256K1 takes 65 bytes r||s||v (v is dropped). */
TRESTLE_API int trestle_signature_to_der(int key_type, const uint8_t* signature, size_t signature_len, uint8_t* out,
                                         size_t* out_len);
/* The 64-byte r||s of a strict-DER SM2 signature (as OpenSSL writes it). */
TRESTLE_API int trestle_sm2_signature_from_der(const uint8_t* der, size_t der_len, uint8_t* out, size_t* out_len);

/* ---- Encryption ---- */

/* SM2 public-key encryption (GB/T 32918.4) with a fresh random k; plaintext 1 byte to 64 MiB. */
TRESTLE_API int trestle_sm2_encrypt(const trestle_public_key* key, int format, const uint8_t* plaintext,
                                    size_t plaintext_len, uint8_t* out, size_t* out_len);
/* AUTH_FAILED when C3 does not match (wrong key or tampered ciphertext). */
TRESTLE_API int trestle_sm2_decrypt(const trestle_private_key* key, int format, const uint8_t* ciphertext,
                                    size_t ciphertext_len, uint8_t* out, size_t* out_len);
/* Authenticated encryption: out = ciphertext || 16-byte tag. */
TRESTLE_API int trestle_aead_encrypt(int algorithm, const uint8_t* key, size_t key_len, const uint8_t* iv,
                                     size_t iv_len, const uint8_t* aad, size_t aad_len, const uint8_t* plaintext,
                                     size_t plaintext_len, uint8_t* out, size_t* out_len);
/* Takes ciphertext || tag. AUTH_FAILED when the tag does not verify; nothing is written then. */
TRESTLE_API int trestle_aead_decrypt(int algorithm, const uint8_t* key, size_t key_len, const uint8_t* iv,
                                     size_t iv_len, const uint8_t* aad, size_t aad_len, const uint8_t* sealed,
                                     size_t sealed_len, uint8_t* out, size_t* out_len);
/* SM4-CBC with PKCS#7 padding (16-byte key and IV). CBC is not authenticated: prefer AEAD. */
TRESTLE_API int trestle_sm4_cbc_encrypt(const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                                        const uint8_t* plaintext, size_t plaintext_len, uint8_t* out, size_t* out_len);
TRESTLE_API int trestle_sm4_cbc_decrypt(const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                                        const uint8_t* ciphertext, size_t ciphertext_len, uint8_t* out,
                                        size_t* out_len);
/* SM4-CTR: the IV is the first 128-bit big-endian counter block; encrypts and decrypts. */
TRESTLE_API int trestle_sm4_ctr(const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                                const uint8_t* data, size_t data_len, uint8_t* out, size_t* out_len);

/* ---- Transactions ---- */

/* An empty transaction: set chain id, group id, a nonce (1 to 32 bytes), block limit, optional
 * target, payload and timestamp, then sign. */
TRESTLE_API int trestle_tx_new(trestle_tx** out);
/* Strict decoding with the default limits. INVALID_ARGUMENT, LIMIT_EXCEEDED or UNSUPPORTED. */
TRESTLE_API int trestle_tx_decode(const uint8_t* encoded, size_t encoded_len, trestle_tx** out);
TRESTLE_API void trestle_tx_free(trestle_tx* tx);
/* Sets a byte-string field (TRESTLE_TX_*). TARGET takes 20 bytes, or 0 bytes to clear it. */
TRESTLE_API int trestle_tx_set_bytes(trestle_tx* tx, int field, const uint8_t* value, size_t value_len);
/* Reads a byte-string field; a transaction without a target has a 0-byte TARGET. */
TRESTLE_API int trestle_tx_get_bytes(const trestle_tx* tx, int field, uint8_t* out, size_t* out_len);
TRESTLE_API int trestle_tx_set_u64(trestle_tx* tx, int field, uint64_t value);
TRESTLE_API int trestle_tx_get_u64(const trestle_tx* tx, int field, uint64_t* value);
/* Sets the sender field from the key, then signs. INVALID_ARGUMENT for a key of the other suite's
 * curve or a transaction that breaks the limits (e.g. an empty nonce). */
TRESTLE_API int trestle_tx_sign(trestle_tx* tx, int suite, const trestle_private_key* key);
/* Checks the signature and writes the 20-byte sender address. AUTH_FAILED for a bad signature,
 * INVALID_ARGUMENT for a sender field that does not fit the suite (e.g. unsigned). */
TRESTLE_API int trestle_tx_verify(const trestle_tx* tx, int suite, uint8_t* sender_address, size_t* address_len);
/* The transaction hash: the suite hash of the encoding without the signature (32 bytes). */
TRESTLE_API int trestle_tx_hash(const trestle_tx* tx, int suite, uint8_t* out, size_t* out_len);
/* The canonical encoding, what a node's sendTransaction takes. Errors when the transaction
 * breaks the rules decoding enforces (so every encoding produced here decodes). */
TRESTLE_API int trestle_tx_encode(const trestle_tx* tx, uint8_t* out, size_t* out_len);
/* A JSON object with the fields (bytes as lower-case hex), the hash, "sender_address" (null when
 * the signature does not verify) and "signature_valid". */
TRESTLE_API int trestle_tx_to_json(const trestle_tx* tx, int suite, char* out, size_t* out_len);

/* ---- Blocks, receipts, proofs ---- */

/* Decode an encoding (default limits) and write it as JSON; hashes use the suite. A block is
 * {"header": {...}, "transactions": [...]}. Errors as the decoders: INVALID_ARGUMENT,
 * LIMIT_EXCEEDED, UNSUPPORTED. */
TRESTLE_API int trestle_block_decode_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out,
                                          size_t* out_len);
TRESTLE_API int trestle_header_decode_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out,
                                           size_t* out_len);
TRESTLE_API int trestle_receipt_decode_json(int suite, const uint8_t* encoded, size_t encoded_len, char* out,
                                            size_t* out_len);
/* *valid = 1 when `proof` (a Merkle proof encoding) places the transaction (its encoding) in the
 * block of `header` (a header encoding): the proof's tree size is the header's tx count and the
 * path leads to its tx root; 0 otherwise. INVALID_ARGUMENT (naming the input) when an encoding
 * does not decode. */
TRESTLE_API int trestle_verify_transaction_proof(int suite, const uint8_t* header, size_t header_len, const uint8_t* tx,
                                                 size_t tx_len, const uint8_t* proof, size_t proof_len, int* valid);
/* The same for a receipt against the header's receipt root. */
TRESTLE_API int trestle_verify_receipt_proof(int suite, const uint8_t* header, size_t header_len,
                                             const uint8_t* receipt, size_t receipt_len, const uint8_t* proof,
                                             size_t proof_len, int* valid);

/* ---- A ledger data directory, read-only ---- */

/* Opens the LMDB store in `dir` (a NUL-terminated path) read-only; a running node may hold it
 * open at the same time. NOT_FOUND when there is no store, UNSUPPORTED for another schema. */
TRESTLE_API int trestle_store_open(const char* dir, trestle_store** out);
TRESTLE_API void trestle_store_close(trestle_store* store);
TRESTLE_API int trestle_store_suite(const trestle_store* store, int* suite);
TRESTLE_API int trestle_store_chain_id(const trestle_store* store, char* out, size_t* out_len);
/* The latest height. NOT_FOUND for an empty store. */
TRESTLE_API int trestle_store_tip(const trestle_store* store, uint64_t* height);
/* Encodings at a height. NOT_FOUND past the tip. */
TRESTLE_API int trestle_store_header(const trestle_store* store, uint64_t height, uint8_t* out, size_t* out_len);
TRESTLE_API int trestle_store_block(const trestle_store* store, uint64_t height, uint8_t* out, size_t* out_len);
TRESTLE_API int trestle_store_block_json(const trestle_store* store, uint64_t height, char* out, size_t* out_len);
/* The encoding of transaction `index` of the block at `height`: iterate index = 0, 1, ... until
 * NOT_FOUND to list a block's transactions. */
TRESTLE_API int trestle_store_transaction_at(const trestle_store* store, uint64_t height, uint32_t index, uint8_t* out,
                                             size_t* out_len);
/* A committed transaction or its receipt by 32-byte transaction hash. NOT_FOUND when unknown. */
TRESTLE_API int trestle_store_transaction(const trestle_store* store, const uint8_t* tx_hash, size_t tx_hash_len,
                                          uint8_t* out, size_t* out_len);
TRESTLE_API int trestle_store_receipt(const trestle_store* store, const uint8_t* tx_hash, size_t tx_hash_len,
                                      uint8_t* out, size_t* out_len);
/* One part (TRESTLE_PROOF_*) of the inclusion proof of a committed transaction; each call reads
 * the block again, so ask for the parts you need. */
TRESTLE_API int trestle_store_transaction_proof(const trestle_store* store, const uint8_t* tx_hash, size_t tx_hash_len,
                                                int part, uint8_t* out, size_t* out_len);

#ifdef __cplusplus
}
#endif

#endif /* TRESTLE_H */
