// Hashing: one-shot digests, HMAC and incremental hashers.

#include "api.hpp"

using namespace trestle;

extern "C" {

int trestle_hash(int algorithm, const uint8_t* data, size_t data_len, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(data, data_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::HashAlgorithm parsed, capi::hash_algorithm_of(algorithm));
    return capi::deliver(crypto::hash(parsed, capi::view(data, data_len)), out, out_len);
  });
}

int trestle_hmac(int algorithm, const uint8_t* key, size_t key_len, const uint8_t* data, size_t data_len, uint8_t* out,
                 size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_INPUT(key, key_len);
    TRESTLE_CAPI_INPUT(data, data_len);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    TRESTLE_CAPI_TRY(const crypto::HashAlgorithm parsed, capi::hash_algorithm_of(algorithm));
    // crypto::hmac asserts this precondition; here it is caller input, so it is an error.
    if (parsed == crypto::HashAlgorithm::kKeccak256) {
      return capi::fail(TRESTLE_ERR_INVALID_ARGUMENT, "HMAC is defined for SM3 and SHA-256, not Keccak-256");
    }
    return capi::deliver(crypto::hmac(parsed, capi::view(key, key_len), capi::view(data, data_len)), out, out_len);
  });
}

int trestle_hasher_new(int algorithm, trestle_hasher** out) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(out);
    *out = nullptr;
    TRESTLE_CAPI_TRY(const crypto::HashAlgorithm parsed, capi::hash_algorithm_of(algorithm));
    *out = new trestle_hasher{crypto::Hasher(parsed)};
    return TRESTLE_OK;
  });
}

int trestle_hasher_update(trestle_hasher* hasher, const uint8_t* data, size_t data_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(hasher);
    TRESTLE_CAPI_INPUT(data, data_len);
    hasher->hasher.update(capi::view(data, data_len));
    return TRESTLE_OK;
  });
}

int trestle_hasher_finish(trestle_hasher* hasher, uint8_t* out, size_t* out_len) {
  return capi::guard([&]() -> int {
    TRESTLE_CAPI_REQUIRE(hasher);
    TRESTLE_CAPI_OUTPUT(out, out_len);
    // Check the room first: finish() resets the hasher, and a size query must not lose the data.
    const int room = capi::check_capacity(Hash256::kSize, out_len);
    if (room != TRESTLE_OK) return room;
    return capi::deliver(hasher->hasher.finish(), out, out_len);
  });
}

void trestle_hasher_free(trestle_hasher* hasher) { delete hasher; }

}  // extern "C"
