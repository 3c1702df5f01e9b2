// Encryption: SM2 public-key encryption, SM4 (CBC, CTR) and the AEADs (SM4-GCM, AES-256-GCM).

#include "api.hpp"
#include "trestle/crypto/cipher.hpp"
#include "trestle/crypto/sm2.hpp"

using namespace trestle;

namespace {

Result<crypto::sm2::CiphertextFormat> format_of(int format) {
  switch (format) {
    case TRESTLE_SM2_C1C3C2:
      return crypto::sm2::CiphertextFormat::kC1C3C2;
    case TRESTLE_SM2_DER:
      return crypto::sm2::CiphertextFormat::kDer;
    default:
      return Error(ErrorCode::kInvalidArgument, "unknown SM2 ciphertext format " + std::to_string(format) +
                                                    " (TRESTLE_SM2_C1C3C2 = 0, TRESTLE_SM2_DER = 1)");
  }
}

// The largest SM2 ciphertext for a plaintext: C1 (65) + C3 (32) raw; in DER, the two INTEGERs
// (at most 2 + 33 each), the OCTET STRINGs (C3: 2 + 32; C2: at most 6 + n) and the SEQUENCE
// header (at most 6).
std::size_t sm2_ciphertext_bound(crypto::sm2::CiphertextFormat format, std::size_t plaintext_size) {
  return format == crypto::sm2::CiphertextFormat::kC1C3C2 ? plaintext_size + 97 : plaintext_size + 120;
}

// Delivers a secret result (a plaintext) and wipes the library's copy.
int deliver_secret(Bytes& secret, uint8_t* out, size_t* out_len) {
  const int status = capi::deliver(secret, out, out_len);
  secure_wipe(secret.data(), secret.size());
  return status;
}

}  // namespace

extern "C" {

int trestle_sm2_encrypt(const trestle_public_key* key, int format, const uint8_t* plaintext, size_t plaintext_len,
                        uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(plaintext, plaintext_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::sm2::CiphertextFormat parsed, format_of(format));
    const int room = capi::check_capacity(sm2_ciphertext_bound(parsed, plaintext_len), out_len);
    if (room != TRESTLE_OK) return room;
    TRESTLE_CAPI_TRY(const Bytes ciphertext,
                     crypto::sm2::encrypt(key->key, capi::view(plaintext, plaintext_len), parsed));
    return capi::deliver(ciphertext, out, out_len);
  });
}

int trestle_sm2_decrypt(const trestle_private_key* key, int format, const uint8_t* ciphertext, size_t ciphertext_len,
                        uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(ciphertext, ciphertext_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::sm2::CiphertextFormat parsed, format_of(format));
    TRESTLE_CAPI_TRY(Bytes plaintext, crypto::sm2::decrypt(key->key, capi::view(ciphertext, ciphertext_len), parsed));
    return deliver_secret(plaintext, out, out_len);
  });
}

int trestle_aead_encrypt(int algorithm, const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                         const uint8_t* aad, size_t aad_len, const uint8_t* plaintext, size_t plaintext_len,
                         uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(key, key_len);
    TRESTLE_CAPI_INPUT(iv, iv_len);
    TRESTLE_CAPI_INPUT(aad, aad_len);
    TRESTLE_CAPI_INPUT(plaintext, plaintext_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::AeadAlgorithm parsed, capi::aead_algorithm_of(algorithm));
    TRESTLE_CAPI_TRY(const Bytes sealed,
                     crypto::aead_seal(parsed, capi::view(key, key_len), capi::view(iv, iv_len),
                                       capi::view(aad, aad_len), capi::view(plaintext, plaintext_len)));
    return capi::deliver(sealed, out, out_len);
  });
}

int trestle_aead_decrypt(int algorithm, const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                         const uint8_t* aad, size_t aad_len, const uint8_t* sealed, size_t sealed_len, uint8_t* out,
                         size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(key, key_len);
    TRESTLE_CAPI_INPUT(iv, iv_len);
    TRESTLE_CAPI_INPUT(aad, aad_len);
    TRESTLE_CAPI_INPUT(sealed, sealed_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::AeadAlgorithm parsed, capi::aead_algorithm_of(algorithm));
    TRESTLE_CAPI_TRY(Bytes plaintext, crypto::aead_open(parsed, capi::view(key, key_len), capi::view(iv, iv_len),
                                                        capi::view(aad, aad_len), capi::view(sealed, sealed_len)));
    return deliver_secret(plaintext, out, out_len);
  });
}

int trestle_sm4_cbc_encrypt(const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                            const uint8_t* plaintext, size_t plaintext_len, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(key, key_len);
    TRESTLE_CAPI_INPUT(iv, iv_len);
    TRESTLE_CAPI_INPUT(plaintext, plaintext_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const Bytes ciphertext, crypto::sm4_cbc_encrypt(capi::view(key, key_len), capi::view(iv, iv_len),
                                                                     capi::view(plaintext, plaintext_len)));
    return capi::deliver(ciphertext, out, out_len);
  });
}

int trestle_sm4_cbc_decrypt(const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len,
                            const uint8_t* ciphertext, size_t ciphertext_len, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(key, key_len);
    TRESTLE_CAPI_INPUT(iv, iv_len);
    TRESTLE_CAPI_INPUT(ciphertext, ciphertext_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(Bytes plaintext, crypto::sm4_cbc_decrypt(capi::view(key, key_len), capi::view(iv, iv_len),
                                                              capi::view(ciphertext, ciphertext_len)));
    return deliver_secret(plaintext, out, out_len);
  });
}

int trestle_sm4_ctr(const uint8_t* key, size_t key_len, const uint8_t* iv, size_t iv_len, const uint8_t* data,
                    size_t data_len, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(key, key_len);
    TRESTLE_CAPI_INPUT(iv, iv_len);
    TRESTLE_CAPI_INPUT(data, data_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    // CTR is its own inverse, so the output may be a plaintext: treat it as a secret.
    TRESTLE_CAPI_TRY(Bytes result,
                     crypto::sm4_ctr(capi::view(key, key_len), capi::view(iv, iv_len), capi::view(data, data_len)));
    return deliver_secret(result, out, out_len);
  });
}

}  // extern "C"
