// Keys: generation, import and export (raw, PEM, keystore), public keys and addresses.

#include <string>

#include "api.hpp"
#include "trestle/crypto/keystore.hpp"

using namespace trestle;

namespace {

int new_private_key(Result<crypto::PrivateKey> key, trestle_private_key** out) {
  if (!key.ok()) return capi::fail(key.error());
  *out = new trestle_private_key{std::move(key).value()};
  return TRESTLE_OK;
}

int new_public_key(Result<crypto::PublicKey> key, trestle_public_key** out) {
  if (!key.ok()) return capi::fail(key.error());
  *out = new trestle_public_key{key.value()};
  return TRESTLE_OK;
}

}  // namespace

extern "C" {

int trestle_private_key_generate(int key_type, trestle_private_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_TRY(const crypto::KeyType type, capi::key_type_of(key_type));
    return new_private_key(crypto::PrivateKey::generate(type), out);
  });
}

int trestle_private_key_from_bytes(int key_type, const uint8_t* scalar, size_t scalar_len, trestle_private_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(scalar, scalar_len);
    TRESTLE_CAPI_TRY(const crypto::KeyType type, capi::key_type_of(key_type));
    return new_private_key(crypto::PrivateKey::from_bytes(type, capi::view(scalar, scalar_len)), out);
  });
}

int trestle_private_key_from_pem(const char* pem, size_t pem_len, trestle_private_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(pem, pem_len);
    return new_private_key(crypto::private_key_from_pem(capi::text(pem, pem_len)), out);
  });
}

int trestle_private_key_from_keystore(const char* json, size_t json_len, const char* password, size_t password_len,
                                      trestle_private_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(json, json_len);
    TRESTLE_CAPI_INPUT(password, password_len);
    return new_private_key(crypto::keystore_decrypt(capi::text(json, json_len), capi::text(password, password_len)),
                           out);
  });
}

int trestle_private_key_to_pem(const trestle_private_key* key, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    std::string pem = crypto::private_key_to_pem(key->key);
    const int status = capi::deliver_text(pem, out, out_len);
    secure_wipe(pem.data(), pem.size());
    return status;
  });
}

int trestle_private_key_to_keystore(const trestle_private_key* key, const char* password, size_t password_len,
                                    uint64_t scrypt_n, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_INPUT(password, password_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    crypto::KeystoreOptions options;
    if (scrypt_n != 0) options.scrypt_n = scrypt_n;
    TRESTLE_CAPI_TRY(const std::string keystore,
                     crypto::keystore_encrypt(key->key, capi::text(password, password_len), options));
    return capi::deliver_text(keystore, out, out_len);
  });
}

int trestle_private_key_secret(const trestle_private_key* key, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    return capi::deliver(key->key.secret(), out, out_len);
  });
}

int trestle_private_key_type(const trestle_private_key* key, int* key_type) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_REQUIRE(key_type);
    *key_type = capi::key_type_code(key->key.type());
    return TRESTLE_OK;
  });
}

int trestle_private_key_public_key(const trestle_private_key* key, trestle_public_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_REQUIRE(key);
    *out = new trestle_public_key{key->key.public_key()};
    return TRESTLE_OK;
  });
}

// PrivateKey's destructor wipes the scalar.
void trestle_private_key_free(trestle_private_key* key) { delete key; }

int trestle_public_key_from_bytes(int key_type, const uint8_t* encoded, size_t encoded_len, trestle_public_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(encoded, encoded_len);
    TRESTLE_CAPI_TRY(const crypto::KeyType type, capi::key_type_of(key_type));
    return new_public_key(crypto::PublicKey::parse(type, capi::view(encoded, encoded_len)), out);
  });
}

int trestle_public_key_from_pem(const char* pem, size_t pem_len, trestle_public_key** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_INPUT(pem, pem_len);
    return new_public_key(crypto::public_key_from_pem(capi::text(pem, pem_len)), out);
  });
}

int trestle_public_key_to_pem(const trestle_public_key* key, char* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    return capi::deliver_text(crypto::public_key_to_pem(key->key), out, out_len);
  });
}

int trestle_public_key_to_bytes(const trestle_public_key* key, int compressed, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    return capi::deliver(compressed != 0 ? key->key.compressed() : key->key.uncompressed(), out, out_len);
  });
}

int trestle_public_key_type(const trestle_public_key* key, int* key_type) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_REQUIRE(key_type);
    *key_type = capi::key_type_code(key->key.type());
    return TRESTLE_OK;
  });
}

int trestle_public_key_address(const trestle_public_key* key, int suite, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(key);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::CryptoSuite* parsed, capi::suite_of(suite));
    return capi::deliver(parsed->address(key->key), out, out_len);
  });
}

void trestle_public_key_free(trestle_public_key* key) { delete key; }

}  // extern "C"
