// Signatures: the suites' sign / verify / recover, SM2 with a user ID, secp256k1 DER.

#include "api.hpp"
#include "trestle/crypto/secp256k1.hpp"
#include "trestle/crypto/sm2.hpp"

using namespace trestle;

namespace {

// Verification reports validity through *valid; a false result is not an error.
int report(bool result, int* valid) {
  *valid = result ? 1 : 0;
  return TRESTLE_OK;
}

}  // namespace

extern "C" {

int trestle_sign(int suite, const trestle_private_key* key, const uint8_t* message, size_t message_len,
                 uint8_t* signature, size_t* signature_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(message, message_len);
    TRESTLE_CAPI_OUTPUT(signature, signature_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    // Check the room first: SM2 signatures are randomized, so a retry gives another signature.
    const int room = capi::check_capacity(parsed->signature_size(), signature_len);
    if (room != TRESTLE_OK) return room;
    TRESTLE_CAPI_TRY(const Bytes signed_bytes, parsed->sign(key->key, capi::view(message, message_len)));
    return capi::deliver(signed_bytes, signature, signature_len);
  });
}

int trestle_sign_digest(int suite, const trestle_private_key* key, const uint8_t* digest, size_t digest_len,
                        uint8_t* signature, size_t* signature_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(digest, digest_len);
    TRESTLE_CAPI_OUTPUT(signature, signature_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    TRESTLE_CAPI_TRY(const Hash256 hash, capi::digest_of(digest, digest_len));
    const int room = capi::check_capacity(parsed->signature_size(), signature_len);
    if (room != TRESTLE_OK) return room;
    TRESTLE_CAPI_TRY(const Bytes signed_bytes, parsed->sign_digest(key->key, hash));
    return capi::deliver(signed_bytes, signature, signature_len);
  });
}

int trestle_verify(int suite, const trestle_public_key* key, const uint8_t* message, size_t message_len,
                   const uint8_t* signature, size_t signature_len, int* valid) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(valid);
    *valid = 0;
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(message, message_len);
    TRESTLE_CAPI_INPUT(signature, signature_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    return report(parsed->verify(key->key, capi::view(message, message_len), capi::view(signature, signature_len)),
                  valid);
  });
}

int trestle_verify_digest(int suite, const trestle_public_key* key, const uint8_t* digest, size_t digest_len,
                          const uint8_t* signature, size_t signature_len, int* valid) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(valid);
    *valid = 0;
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(digest, digest_len);
    TRESTLE_CAPI_INPUT(signature, signature_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    Hash256 hash;
    if (!Hash256::from_view(capi::view(digest, digest_len), hash)) return report(false, valid);
    return report(parsed->verify_digest(key->key, hash, capi::view(signature, signature_len)), valid);
  });
}

int trestle_recover(int suite, const uint8_t* message, size_t message_len, const uint8_t* signature,
                    size_t signature_len, trestle_public_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(message, message_len);
    TRESTLE_CAPI_INPUT(signature, signature_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    TRESTLE_CAPI_TRY(const crypto::PublicKey key,
                     parsed->recover(capi::view(message, message_len), capi::view(signature, signature_len)));
    *out = new trestle_public_key{key};
    return TRESTLE_OK;
  });
}

int trestle_secp256k1_recover_digest(const uint8_t* digest, size_t digest_len, const uint8_t* signature,
                                     size_t signature_len, trestle_public_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(digest, digest_len);
    TRESTLE_CAPI_INPUT(signature, signature_len);
    TRESTLE_CAPI_TRY(const Hash256 hash, capi::digest_of(digest, digest_len));
    TRESTLE_CAPI_TRY(const crypto::PublicKey key,
                     crypto::secp256k1::recover(hash, capi::view(signature, signature_len)));
    *out = new trestle_public_key{key};
    return TRESTLE_OK;
  });
}

int trestle_secp256k1_verify_digest_der(const trestle_public_key* key, const uint8_t* digest, size_t digest_len,
                                        const uint8_t* der, size_t der_len, int* valid) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(valid);
    *valid = 0;
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(digest, digest_len);
    TRESTLE_CAPI_INPUT(der, der_len);
    Hash256 hash;
    if (!Hash256::from_view(capi::view(digest, digest_len), hash)) return report(false, valid);
    return report(crypto::secp256k1::verify_digest_der(key->key, hash, capi::view(der, der_len)), valid);
  });
}

int trestle_sm2_sign(const trestle_private_key* key, const char* user_id, size_t user_id_len, const uint8_t* message,
                     size_t message_len, uint8_t* signature, size_t* signature_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(message, message_len);
    TRESTLE_CAPI_OUTPUT(signature, signature_len);
    const std::string_view id = user_id == nullptr ? crypto::sm2::kDefaultUserId : capi::text(user_id, user_id_len);
    const int room = capi::check_capacity(64, signature_len);
    if (room != TRESTLE_OK) return room;
    TRESTLE_CAPI_TRY(const crypto::sm2::Signature signed_value,
                     crypto::sm2::sign(key->key, capi::view(message, message_len), id));
    return capi::deliver(signed_value.to_bytes(), signature, signature_len);
  });
}

int trestle_sm2_verify(const trestle_public_key* key, const char* user_id, size_t user_id_len, const uint8_t* message,
                       size_t message_len, const uint8_t* signature, size_t signature_len, int* valid) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(valid);
    *valid = 0;
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(message, message_len);
    TRESTLE_CAPI_INPUT(signature, signature_len);
    const std::string_view id = user_id == nullptr ? crypto::sm2::kDefaultUserId : capi::text(user_id, user_id_len);
    auto parsed = crypto::sm2::Signature::from_bytes(capi::view(signature, signature_len));
    if (!parsed.ok()) return report(false, valid);
    return report(crypto::sm2::verify(key->key, capi::view(message, message_len), parsed.value(), id), valid);
  });
}

int trestle_signature_to_der(int key_type, const uint8_t* signature, size_t signature_len, uint8_t* out,
                             size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(signature, signature_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::KeyType type, capi::key_type_of(key_type));
    const ByteView input = capi::view(signature, signature_len);
    if (type == crypto::KeyType::kSm2) {
      TRESTLE_CAPI_TRY(const crypto::sm2::Signature parsed, crypto::sm2::Signature::from_bytes(input));
      return capi::deliver(parsed.to_der(), out, out_len);
    }
    TRESTLE_CAPI_TRY(const crypto::secp256k1::RecoverableSignature parsed,
                     crypto::secp256k1::RecoverableSignature::from_bytes(input));
    return capi::deliver(parsed.to_der(), out, out_len);
  });
}

int trestle_sm2_signature_from_der(const uint8_t* der, size_t der_len, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(der, der_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::sm2::Signature parsed, crypto::sm2::Signature::from_der(capi::view(der, der_len)));
    return capi::deliver(parsed.to_bytes(), out, out_len);
  });
}

}  // extern "C"
