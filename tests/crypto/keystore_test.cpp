// Password-protected keystores: round trips, OpenSSL's scrypt and AES-256-GCM as an independent
// implementation of the format, tampering, malformed and hostile files.

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/cipher.hpp"
#include "trestle/crypto/keystore.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/crypto/suite.hpp"

using namespace trestle;
using namespace trestle::crypto;
using Json = nlohmann::json;

namespace {

constexpr KeyType kBothTypes[] = {KeyType::kSm2, KeyType::kSecp256k1};

KeystoreOptions fast_options() {
  KeystoreOptions options;
  options.scrypt_n = 1024;
  return options;
}

Bytes hex(std::string_view text) { return from_hex(text).value(); }

Bytes openssl_scrypt(std::string_view password, ByteView salt, std::uint64_t n, std::uint64_t r, std::uint64_t p,
                     std::size_t size) {
  Bytes out(size);
  REQUIRE(EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p, 0, out.data(),
                         out.size()) == 1);
  return out;
}

// AES-256-GCM with OpenSSL; returns ciphertext || tag, or empty when `decrypt` and the tag fails.
Bytes openssl_aes_gcm(bool decrypt, ByteView key, ByteView iv, ByteView aad, ByteView input) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  REQUIRE(EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), iv.data(), decrypt ? 0 : 1) == 1);
  int len = 0;
  REQUIRE(EVP_CipherUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1);
  const ByteView body = decrypt ? input.first(input.size() - 16) : input;
  Bytes out(body.size() + 16);
  REQUIRE(EVP_CipherUpdate(ctx, out.data(), &len, body.data(), static_cast<int>(body.size())) == 1);
  if (decrypt) {
    Bytes tag = to_bytes(input.last(16));
    REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1);
  }
  int final_len = 0;
  const bool ok = EVP_CipherFinal_ex(ctx, out.data() + len, &final_len) == 1;
  if (!decrypt) REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + body.size()) == 1);
  EVP_CIPHER_CTX_free(ctx);
  if (decrypt) {
    if (!ok) return {};
    out.resize(body.size());
  }
  return out;
}

Json encrypt_json(const PrivateKey& key, std::string_view password) {
  auto text = keystore_encrypt(key, password, fast_options());
  REQUIRE(text.ok());
  return Json::parse(text.value());
}

Error decrypt_error(const std::string& text, std::string_view password = "pw") {
  auto key = keystore_decrypt(text, password);
  REQUIRE_FALSE(key.ok());
  return key.error();
}

bool contains(const Error& error, std::string_view text) { return error.message().find(text) != std::string::npos; }

// Flips the lowest bit of the hex digit at `index`.
std::string flip_hex_digit(std::string text, std::size_t index) {
  const char c = text[index];
  text[index] = c == '0' ? '1' : (c == '1' ? '0' : (c == 'a' ? 'b' : (c == 'b' ? 'a' : (c == 'e' ? 'f' : 'e'))));
  return text;
}

}  // namespace

TEST_CASE("keystore: both key types round trip and the file has the documented fields", "[keystore]") {
  for (KeyType type : kBothTypes) {
    const PrivateKey key = PrivateKey::generate(type).value();
    const Json file = encrypt_json(key, "correct horse battery staple");
    CHECK(file.size() == 7);
    CHECK(file["version"] == 1);
    CHECK(file["key_type"] == std::string(key_type_name(type)));
    CHECK(file["public_key"] == to_hex(key.public_key().uncompressed()));
    const CryptoSuite& suite = type == KeyType::kSm2 ? CryptoSuite::sm() : CryptoSuite::ecdsa();
    CHECK(file["address"] == to_hex(suite.address(key.public_key())));
    CHECK(file["kdf"]["name"] == "scrypt");
    CHECK(file["kdf"]["n"] == 1024);
    CHECK(file["kdf"]["r"] == 8);
    CHECK(file["kdf"]["p"] == 1);
    CHECK(file["kdf"]["salt"].get<std::string>().size() == 64);
    CHECK(file["cipher"]["name"] == (type == KeyType::kSm2 ? "sm4-gcm" : "aes-256-gcm"));
    CHECK(file["cipher"]["iv"].get<std::string>().size() == 24);
    CHECK(file["ciphertext"].get<std::string>().size() == 96);
    // The scalar is not in the file in the clear.
    CHECK(file.dump().find(to_hex(key.secret())) == std::string::npos);

    auto opened = keystore_decrypt(file.dump(), "correct horse battery staple");
    REQUIRE(opened.ok());
    CHECK(opened->type() == type);
    CHECK(to_bytes(opened->secret()) == to_bytes(key.secret()));
    CHECK(opened->public_key() == key.public_key());

    // Fresh salt and IV each time.
    const Json again = encrypt_json(key, "correct horse battery staple");
    CHECK(again["kdf"]["salt"] != file["kdf"]["salt"]);
    CHECK(again["cipher"]["iv"] != file["cipher"]["iv"]);
    CHECK(again["ciphertext"] != file["ciphertext"]);

    // The empty password and non-ASCII passwords are passwords too.
    for (std::string_view password : {std::string_view(""), std::string_view("p\xc3\xa4ss\0word", 10)}) {
      auto text = keystore_encrypt(key, password, fast_options());
      REQUIRE(text.ok());
      CHECK(keystore_decrypt(text.value(), password).ok());
      CHECK_FALSE(keystore_decrypt(text.value(), "password").ok());
    }
  }
}

TEST_CASE("keystore: a secp256k1 keystore agrees with OpenSSL's scrypt and AES-256-GCM both ways",
          "[keystore][openssl]") {
  const std::string password = "hunter2";
  for (int i = 0; i < 4; ++i) {
    // Ours, opened with OpenSSL.
    const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Json file = encrypt_json(key, password);
    const Bytes salt = hex(file["kdf"]["salt"].get<std::string>());
    const Bytes aes_key = openssl_scrypt(password, salt, 1024, 8, 1, 32);
    const Bytes opened = openssl_aes_gcm(true, aes_key, hex(file["cipher"]["iv"].get<std::string>()),
                                         key.public_key().uncompressed(), hex(file["ciphertext"].get<std::string>()));
    CHECK(opened == to_bytes(key.secret()));

    // Built with OpenSSL (other scrypt parameters too), opened here.
    const PrivateKey other = PrivateKey::generate(KeyType::kSecp256k1).value();
    const Bytes other_salt = random_bytes(32).value();
    const Bytes iv = random_bytes(12).value();
    const Bytes other_key = openssl_scrypt(password, other_salt, 512, 4, 2, 32);
    const Bytes sealed = openssl_aes_gcm(false, other_key, iv, other.public_key().uncompressed(), other.secret());
    Json built = file;
    built["public_key"] = to_hex(other.public_key().uncompressed());
    built["address"] = to_hex(CryptoSuite::ecdsa().address(other.public_key()));
    built["kdf"] = {{"name", "scrypt"}, {"n", 512}, {"r", 4}, {"p", 2}, {"salt", to_hex(other_salt)}};
    built["cipher"]["iv"] = to_hex(iv);
    built["ciphertext"] = to_hex(sealed);
    auto read = keystore_decrypt(built.dump(), password);
    REQUIRE(read.ok());
    CHECK(to_bytes(read->secret()) == to_bytes(other.secret()));
  }
}

TEST_CASE("keystore: an SM2 keystore derives its SM4 key with standard scrypt", "[keystore][openssl]") {
  const std::string password = "sm-password";
  const PrivateKey key = PrivateKey::generate(KeyType::kSm2).value();
  const Json file = encrypt_json(key, password);
  const Bytes sm4_key = openssl_scrypt(password, hex(file["kdf"]["salt"].get<std::string>()), 1024, 8, 1, 16);
  auto opened = sm4_gcm_decrypt(sm4_key, hex(file["cipher"]["iv"].get<std::string>()), key.public_key().uncompressed(),
                                hex(file["ciphertext"].get<std::string>()));
  REQUIRE(opened.ok());
  CHECK(opened.value() == to_bytes(key.secret()));
}

TEST_CASE("keystore: a wrong password is kAuthFailed", "[keystore]") {
  for (KeyType type : kBothTypes) {
    const PrivateKey key = PrivateKey::generate(type).value();
    const std::string text = encrypt_json(key, "right").dump();
    const Error error = decrypt_error(text, "wrong");
    CHECK(error.code() == ErrorCode::kAuthFailed);
    CHECK(error.message() == "wrong password or corrupted keystore");
    CHECK(decrypt_error(text, "").code() == ErrorCode::kAuthFailed);
    CHECK(decrypt_error(text, "right ").code() == ErrorCode::kAuthFailed);
  }
}

TEST_CASE("keystore: edited public key, ciphertext, iv, salt or parameters do not open", "[keystore]") {
  for (KeyType type : kBothTypes) {
    const PrivateKey key = PrivateKey::generate(type).value();
    const PrivateKey other = PrivateKey::generate(type).value();
    const Json file = encrypt_json(key, "pw");
    const CryptoSuite& suite = type == KeyType::kSm2 ? CryptoSuite::sm() : CryptoSuite::ecdsa();

    Json edited = file;
    edited["public_key"] = to_hex(other.public_key().uncompressed());
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kCorrupt);  // the address no longer matches
    edited["address"] = to_hex(suite.address(other.public_key()));
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);  // the public key is the AAD

    edited = file;
    edited["address"] = flip_hex_digit(file["address"].get<std::string>(), 5);
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kCorrupt);

    for (std::size_t index : {0u, 40u, 63u, 64u, 95u}) {
      edited = file;
      edited["ciphertext"] = flip_hex_digit(file["ciphertext"].get<std::string>(), index);
      CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);
    }
    edited = file;
    edited["cipher"]["iv"] = flip_hex_digit(file["cipher"]["iv"].get<std::string>(), 3);
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);
    edited = file;
    edited["kdf"]["salt"] = flip_hex_digit(file["kdf"]["salt"].get<std::string>(), 60);
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);
    edited = file;
    edited["kdf"]["n"] = 2048;
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);
    edited = file;
    edited["kdf"]["p"] = 2;
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);
    edited = file;
    edited["cipher"]["name"] = type == KeyType::kSm2 ? "aes-256-gcm" : "sm4-gcm";
    CHECK(decrypt_error(edited.dump()).code() == ErrorCode::kAuthFailed);
    edited = file;
    edited["key_type"] = type == KeyType::kSm2 ? "secp256k1" : "sm2";
    CHECK_FALSE(keystore_decrypt(edited.dump(), "pw").ok());
  }
}

TEST_CASE("keystore: malformed JSON and wrong field types are kInvalidArgument naming the field", "[keystore]") {
  for (const std::string text :
       {"", "{", "[]", "null", "42", "\"keystore\"", "{\"version\": 1,}", "not json", "{} {}"}) {
    INFO(text);
    CHECK(decrypt_error(text).code() == ErrorCode::kInvalidArgument);
  }

  const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
  const Json file = encrypt_json(key, "pw");
  struct Edit {
    std::vector<std::string> path;
    Json value;
    std::string field;
  };
  const std::vector<Edit> edits = {
      {{"version"}, "1", "version"},
      {{"version"}, 1.0, "version"},
      {{"version"}, -1, "version"},
      {{"key_type"}, "rsa", "key_type"},
      {{"key_type"}, 1, "key_type"},
      {{"public_key"}, nullptr, "public_key"},
      {{"public_key"}, "04zz", "public_key"},
      {{"public_key"}, to_hex(key.public_key().compressed()), "public_key"},
      {{"public_key"}, "05" + to_hex(key.public_key().xy()), "public_key"},
      {{"address"}, "00", "address"},
      {{"kdf"}, Json::array(), "kdf"},
      {{"kdf", "name"}, "pbkdf2", "kdf.name"},
      {{"kdf", "n"}, -1024, "kdf.n"},
      {{"kdf", "n"}, 1024.5, "kdf.n"},
      {{"kdf", "n"}, "1024", "kdf.n"},
      {{"kdf", "r"}, true, "kdf.r"},
      {{"kdf", "salt"}, 123, "kdf.salt"},
      {{"kdf", "salt"}, std::string(32, 'a'), "kdf.salt"},
      {{"kdf", "salt"}, std::string(63, 'a'), "kdf.salt"},
      {{"cipher"}, "aes", "cipher"},
      {{"cipher", "name"}, "aes-128-gcm", "cipher.name"},
      {{"cipher", "iv"}, std::string(32, '0'), "cipher.iv"},
      {{"ciphertext"}, std::string(64, '0'), "ciphertext"},
      {{"ciphertext"}, std::string(97, '0'), "ciphertext"},
  };
  for (const Edit& edit : edits) {
    INFO(edit.field << " = " << edit.value.dump());
    Json edited = file;
    Json* target = &edited;
    for (std::size_t i = 0; i + 1 < edit.path.size(); ++i) target = &(*target)[edit.path[i]];
    (*target)[edit.path.back()] = edit.value;
    const Error error = decrypt_error(edited.dump());
    CHECK(error.code() == ErrorCode::kInvalidArgument);
    CHECK(contains(error, "'" + edit.field + "'"));
  }

  Json later = file;
  later["version"] = 2;
  const Error unsupported = decrypt_error(later.dump());
  CHECK(unsupported.code() == ErrorCode::kUnsupported);
  CHECK(contains(unsupported, "version 2"));
}

TEST_CASE("keystore: missing, unknown and duplicated fields are rejected", "[keystore]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSm2).value();
  const Json file = encrypt_json(key, "pw");
  REQUIRE(keystore_decrypt(file.dump(), "pw").ok());

  for (const std::string field : {"version", "key_type", "public_key", "address", "kdf", "cipher", "ciphertext"}) {
    Json edited = file;
    edited.erase(field);
    const Error error = decrypt_error(edited.dump());
    CHECK(error.code() == ErrorCode::kInvalidArgument);
    CHECK(contains(error, "'" + field + "'"));
  }
  for (const std::string field : {"name", "n", "r", "p", "salt"}) {
    Json edited = file;
    edited["kdf"].erase(field);
    CHECK(contains(decrypt_error(edited.dump()), "'" + field + "'"));
  }
  for (const std::string field : {"name", "iv"}) {
    Json edited = file;
    edited["cipher"].erase(field);
    CHECK(contains(decrypt_error(edited.dump()), "'" + field + "'"));
  }

  Json unknown = file;
  unknown["comment"] = "hello";
  CHECK(contains(decrypt_error(unknown.dump()), "unknown field 'comment'"));
  unknown = file;
  unknown["kdf"]["dklen"] = 32;
  CHECK(contains(decrypt_error(unknown.dump()), "unknown field 'dklen'"));
  unknown = file;
  unknown["cipher"]["tag"] = "00";
  CHECK(contains(decrypt_error(unknown.dump()), "unknown field 'tag'"));

  // A second "public_key" member: readers disagree on which one counts, so the file is refused.
  const std::string text = file.dump();
  const std::string other_key = to_hex(PrivateKey::generate(KeyType::kSm2).value().public_key().uncompressed());
  const std::string duplicated = "{\"public_key\": \"" + other_key + "\", " + text.substr(1);
  const Error duplicate = decrypt_error(duplicated);
  CHECK(duplicate.code() == ErrorCode::kInvalidArgument);
  CHECK(contains(duplicate, "'public_key' appears twice"));
  const std::string nested =
      text.substr(0, text.find("\"name\":\"scrypt\"")) + "\"n\":1024," + text.substr(text.find("\"name\":\"scrypt\""));
  CHECK(contains(decrypt_error(nested), "'n' appears twice"));
}

TEST_CASE("keystore: hostile scrypt parameters are refused before any work", "[keystore]") {
  const PrivateKey key = PrivateKey::generate(KeyType::kSecp256k1).value();
  const Json file = encrypt_json(key, "pw");
  struct Params {
    std::uint64_t n, r, p;
  };
  const std::vector<Params> hostile = {
      {std::uint64_t{1} << 40, 8, 1},     // 128 TiB
      {std::uint64_t{1} << 20, 8, 2},     // 2 GiB
      {std::uint64_t{1} << 23, 1, 2},     // 2 GiB at r = 1 (and n >= 2^16)
      {1024, 8, std::uint64_t{1} << 32},  // p huge
      {1024, std::uint64_t{1} << 31, 1},  // r huge
      {std::uint64_t{1} << 63, 8, 1},     // the product overflows 64 bits
      {std::uint64_t{1} << 16, 1, 1},     // n >= 2^(16 r)
      {1023, 8, 1},                       // not a power of two
      {0, 8, 1},
      {1, 8, 1},
      {1024, 0, 1},
      {1024, 8, 0},
      {~std::uint64_t{0}, 8, 1},
  };
  for (const Params& params : hostile) {
    INFO(params.n << " " << params.r << " " << params.p);
    Json edited = file;
    edited["kdf"]["n"] = params.n;
    edited["kdf"]["r"] = params.r;
    edited["kdf"]["p"] = params.p;
    const auto start = std::chrono::steady_clock::now();
    const Error error = decrypt_error(edited.dump());
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(error.code() == ErrorCode::kInvalidArgument);
    CHECK(contains(error, "'kdf'"));
    CHECK(elapsed < std::chrono::milliseconds(200));

    KeystoreOptions options;
    options.scrypt_n = params.n;
    options.scrypt_r = static_cast<std::uint32_t>(std::min<std::uint64_t>(params.r, 0xffffffff));
    options.scrypt_p = static_cast<std::uint32_t>(std::min<std::uint64_t>(params.p, 0xffffffff));
    auto encrypted = keystore_encrypt(key, "pw", options);
    REQUIRE_FALSE(encrypted.ok());
    CHECK(encrypted.error().code() == ErrorCode::kInvalidArgument);
  }
  // Just over the limit: 128 * 8 * 2^15 * 33 > 1 GiB.
  Json edited = file;
  edited["kdf"]["p"] = 33;
  edited["kdf"]["n"] = std::uint64_t{1} << 15;
  CHECK(contains(decrypt_error(edited.dump()), "1 GiB"));
}

TEST_CASE("keystore: oversized and deeply nested input is rejected without crashing", "[keystore]") {
  CHECK(decrypt_error(std::string(65 * 1024, ' ')).code() == ErrorCode::kInvalidArgument);
  const std::string deep = std::string(30000, '[') + std::string(30000, ']');
  CHECK(decrypt_error(deep).code() == ErrorCode::kInvalidArgument);
  const std::string deep_objects = [] {
    std::string s;
    for (int i = 0; i < 5000; ++i) s += "{\"a\":";
    s += "1";
    for (int i = 0; i < 5000; ++i) s += "}";
    return s;
  }();
  CHECK(decrypt_error(deep_objects).code() == ErrorCode::kInvalidArgument);
}
