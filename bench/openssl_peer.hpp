#pragma once
// OpenSSL 3 (libcrypto, through EVP) as the peer for hashes, SM4 and AES modes, SM2 and ECDSA.
// Each factory returns an operation equivalent to Trestle's (same inputs, same output bytes
// where the algorithm is deterministic), or nothing when this OpenSSL lacks the algorithm.

#include <memory>
#include <optional>
#include <string>

#include "measure.hpp"
#include "trestle/core/bytes.hpp"

namespace trestle::bench::openssl {

// A private key loaded into OpenSSL from PEM; shared by the operations that use it.
class Key;
std::shared_ptr<Key> load_key(const std::string& pem);

// The digest of `input` with a fetched EVP_MD ("SM3", "SHA256", "KECCAK-256"); `out` receives it
// once for a cross-check.
std::optional<Op> digest(const char* name, const Bytes& input, Bytes& out);

// Encrypts `input` with a fetched EVP_CIPHER ("SM4-CBC", "SM4-CTR", "SM4-GCM", "AES-256-GCM");
// GCM output has the 16-byte tag appended, CBC uses PKCS#7 padding, as Trestle does.
std::optional<Op> encrypt(const char* name, const Bytes& key, const Bytes& iv, const Bytes& input, Bytes& out);

// SM2 signing and verification over SM3(Z_A || M) with the user ID set on the context, and SM2
// encryption/decryption of the ASN.1 ciphertext form.
Op sm2_sign(std::shared_ptr<Key> key, const Bytes& message, const std::string& user_id);
Op sm2_verify(std::shared_ptr<Key> key, const Bytes& message, const Bytes& der_signature, const std::string& user_id);
Op sm2_encrypt(std::shared_ptr<Key> key, const Bytes& plaintext);
Op sm2_decrypt(std::shared_ptr<Key> key, const Bytes& der_ciphertext);

// ECDSA over a ready 32-byte digest (EVP_PKEY_sign / EVP_PKEY_verify, DER signatures).
Op ecdsa_sign(std::shared_ptr<Key> key, const Bytes& digest);
Op ecdsa_verify(std::shared_ptr<Key> key, const Bytes& digest, const Bytes& der_signature);

// True when OpenSSL accepts `der_signature` over `message` (SM2 with `user_id`).
bool sm2_accepts(const std::shared_ptr<Key>& key, const Bytes& message, const Bytes& der_signature,
                 const std::string& user_id);

}  // namespace trestle::bench::openssl
