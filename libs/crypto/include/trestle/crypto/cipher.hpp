#pragma once
// Block-cipher modes: SM4 (GB/T 32907) in ECB (one block), CBC with PKCS#7 padding, CTR and GCM,
// and AES-256-GCM. Byte-compatible with OpenSSL's sm4-cbc / sm4-ctr / sm4-gcm / aes-256-gcm.
//
// Keys: SM4 16 bytes, AES-256 32 bytes. IVs: CBC and CTR 16 bytes (CTR's IV is the first counter
// block, incremented as one 128-bit big-endian number); GCM 12 bytes. GCM output is the
// ciphertext followed by the 16-byte tag. Every size problem is kInvalidArgument (inputs over
// kCipherInputSizeMax: kLimitExceeded); a GCM tag or a CBC padding that does not check out is
// kAuthFailed, with no plaintext released. CBC padding is checked in constant time, but CBC is
// not authenticated: a service that reveals padding failures to an attacker is a padding oracle,
// so prefer the AEAD functions for anything that crosses a network. Thread-safe: no shared state.

#include <array>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::crypto {

inline constexpr std::size_t kSm4KeySize = 16;
inline constexpr std::size_t kSm4BlockSize = 16;
inline constexpr std::size_t kAes256KeySize = 32;
inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;
// Upper bound on every plaintext, ciphertext and associated-data input (1 GiB): far above any
// message Trestle encrypts, and below GCM's own limit of 2^36 - 32 bytes. Larger: kLimitExceeded.
inline constexpr std::size_t kCipherInputSizeMax = std::size_t{1} << 30;

using Block16 = std::array<std::uint8_t, 16>;

Result<Block16> sm4_encrypt_block(ByteView key, ByteView block);
Result<Block16> sm4_decrypt_block(ByteView key, ByteView block);

Result<Bytes> sm4_cbc_encrypt(ByteView key, ByteView iv, ByteView plaintext);
Result<Bytes> sm4_cbc_decrypt(ByteView key, ByteView iv, ByteView ciphertext);

// Encryption and decryption are the same operation in CTR mode.
Result<Bytes> sm4_ctr(ByteView key, ByteView iv, ByteView data);

// Authenticated encryption with associated data.
enum class AeadAlgorithm { kSm4Gcm, kAes256Gcm };

std::size_t aead_key_size(AeadAlgorithm algorithm);
// Returns ciphertext || tag.
Result<Bytes> aead_seal(AeadAlgorithm algorithm, ByteView key, ByteView iv, ByteView aad, ByteView plaintext);
// Takes ciphertext || tag. Error kAuthFailed when the tag does not match.
Result<Bytes> aead_open(AeadAlgorithm algorithm, ByteView key, ByteView iv, ByteView aad, ByteView sealed);

inline Result<Bytes> sm4_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  return aead_seal(AeadAlgorithm::kSm4Gcm, key, iv, aad, plaintext);
}
inline Result<Bytes> sm4_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView sealed) {
  return aead_open(AeadAlgorithm::kSm4Gcm, key, iv, aad, sealed);
}
inline Result<Bytes> aes256_gcm_encrypt(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  return aead_seal(AeadAlgorithm::kAes256Gcm, key, iv, aad, plaintext);
}
inline Result<Bytes> aes256_gcm_decrypt(ByteView key, ByteView iv, ByteView aad, ByteView sealed) {
  return aead_open(AeadAlgorithm::kAes256Gcm, key, iv, aad, sealed);
}

}  // namespace trestle::crypto
