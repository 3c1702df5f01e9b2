#pragma once
// Password-protected key files.
//
// A keystore is a JSON document: the key type, the public key and address (readable without the
// password), scrypt parameters and salt, and the private scalar sealed with SM4-GCM (SM2 keys) or
// AES-256-GCM (secp256k1 keys) under the scrypt-derived key. The public key is bound as
// associated data, so a file whose public part was edited fails to open.
//
//   {
//     "version": 1,
//     "key_type": "sm2" | "secp256k1",
//     "public_key": hex 04||x||y,
//     "address": hex, 20 bytes: the address of the key's suite (sm for SM2, ecdsa for secp256k1),
//     "kdf": {"name": "scrypt", "n": N, "r": r, "p": p, "salt": hex, 32 bytes},
//     "cipher": {"name": "sm4-gcm" | "aes-256-gcm", "iv": hex, 12 bytes},
//     "ciphertext": hex, sealed scalar || 16-byte tag (48 bytes)
//   }
//
// The AEAD key is scrypt(password, salt, N, r, p) of 16 (SM4) or 32 (AES-256) bytes; the
// associated data is the 65-byte public key. Either cipher is read for either key type.

#include <cstdint>
#include <string>
#include <string_view>

#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"

namespace trestle::crypto {

struct KeystoreOptions {
  // scrypt cost N (a power of two). 2^15 with r = 8 takes 32 MiB and about 0.1 s; raise it for
  // keys that are opened rarely, lower it only for tests.
  std::uint64_t scrypt_n = 1u << 15;
  std::uint32_t scrypt_r = 8;
  std::uint32_t scrypt_p = 1;
};

// Returns the keystore JSON (pretty-printed, ending in a newline). The salt and IV are fresh
// random values, so two calls never give the same file.
// Errors: kInvalidArgument for bad options (N not a power of two > 1 or N >= 2^(16 r), r or p
// zero, memory 128 * r * N * p over 1 GiB); kInternal if the OS refuses randomness.
Result<std::string> keystore_encrypt(const PrivateKey& key, std::string_view password,
                                     const KeystoreOptions& options = {});

// Opens a keystore. Every field is checked before scrypt runs, so a hostile file costs at most
// one scrypt run within the limits above. Errors:
//   kInvalidArgument  malformed JSON, a missing, unknown, duplicated or ill-typed field (the
//                     message names it), scrypt parameters over the limits, input over 64 KiB;
//   kUnsupported      a version other than 1;
//   kCorrupt          an address that does not match the public key, or a sealed scalar that is
//                     invalid or does not give the public key;
//   kAuthFailed       "wrong password or corrupted keystore" when the tag does not verify.
Result<PrivateKey> keystore_decrypt(std::string_view keystore_json, std::string_view password);

}  // namespace trestle::crypto
