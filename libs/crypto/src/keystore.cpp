#include "trestle/crypto/keystore.hpp"

#include <cryptopp/scrypt.h>

#include <array>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/cipher.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::crypto {
namespace {

using Json = nlohmann::json;

constexpr std::uint64_t kKeystoreVersion = 1;
constexpr std::size_t kKeystoreSizeMax = 64 * 1024;
constexpr std::size_t kSaltSize = 32;
constexpr std::size_t kScalarSize = 32;
constexpr std::uint64_t kScryptMemoryMax = std::uint64_t{1} << 30;

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

Error field_error(std::string_view field, std::string_view why) {
  return invalid("keystore: field '" + std::string(field) + "': " + std::string(why));
}

// Wipes a fixed-size secret buffer when it goes out of scope, on every return path.
template <std::size_t N>
struct SecretArray {
  std::array<std::uint8_t, N> data{};
  SecretArray() = default;
  SecretArray(const SecretArray&) = delete;
  SecretArray& operator=(const SecretArray&) = delete;
  ~SecretArray() { secure_wipe(data.data(), data.size()); }
};

// RFC 7914: N a power of two greater than 1 and below 2^(16 r); r, p >= 1. The memory bound
// 128 * r * N * p also caps the work, so a hostile file cannot make opening it take minutes.
Status check_scrypt_params(std::uint64_t n, std::uint64_t r, std::uint64_t p) {
  if (n < 2 || (n & (n - 1)) != 0) return invalid("scrypt n must be a power of two greater than 1");
  if (r == 0 || p == 0) return invalid("scrypt r and p must be at least 1");
  if (r < 4 && n >= (std::uint64_t{1} << (16 * r))) return invalid("scrypt n must be below 2^(16 r)");
  std::uint64_t memory = 128;
  for (std::uint64_t factor : {r, n, p}) {
    if (factor > kScryptMemoryMax / memory) return invalid("scrypt parameters need more than 1 GiB (128 * r * n * p)");
    memory *= factor;
  }
  return ok_status();
}

AeadAlgorithm cipher_for(KeyType type) {
  return type == KeyType::kSm2 ? AeadAlgorithm::kSm4Gcm : AeadAlgorithm::kAes256Gcm;
}

std::string_view cipher_name(AeadAlgorithm algorithm) {
  return algorithm == AeadAlgorithm::kSm4Gcm ? "sm4-gcm" : "aes-256-gcm";
}

const CryptoSuite& suite_for(KeyType type) { return type == KeyType::kSm2 ? CryptoSuite::sm() : CryptoSuite::ecdsa(); }

// Crypto++'s scrypt; its ROMix indexes memory by password-derived data, as scrypt is defined to.
Status derive_key(std::string_view password, ByteView salt, std::uint64_t n, std::uint64_t r, std::uint64_t p,
                  std::span<std::uint8_t> out) {
  try {
    CryptoPP::Scrypt scrypt;
    const ByteView secret = as_bytes(password);
    scrypt.DeriveKey(out.data(), out.size(), secret.data(), secret.size(), salt.data(), salt.size(), n, r, p);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("scrypt failed: ") + e.what());
  }
  return ok_status();
}

// Parses JSON and reports the first duplicated object key (nlohmann would keep the last one
// silently, so two readers of one file could see two different public keys).
Result<Json> parse_json(std::string_view text) {
  std::vector<std::set<std::string>> objects;
  std::string duplicate;
  auto callback = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      if (!objects.empty()) objects.pop_back();
    } else if (event == Json::parse_event_t::key && !objects.empty() && parsed.is_string()) {
      if (!objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  Json root;
  try {
    root = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::exception& e) {
    return invalid(std::string("keystore: not valid JSON: ") + e.what());
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("keystore: JSON parsing failed: ") + e.what());
  }
  if (!duplicate.empty()) return invalid("keystore: key '" + duplicate + "' appears twice in one object");
  return root;
}

// Checks that `object` is a JSON object with exactly the `expected` keys. `name` is the field
// holding it, or empty for the document itself.
Status check_keys(const Json& object, std::string_view name, std::initializer_list<std::string_view> expected) {
  if (!object.is_object()) {
    return name.empty() ? invalid("keystore: the document must be a JSON object")
                        : field_error(name, "must be a JSON object");
  }
  std::string where = "the keystore";
  if (!name.empty()) {
    where = "'";
    where += name;
    where += '\'';
  }
  for (const auto& item : object.items()) {
    bool known = false;
    for (std::string_view key : expected) known = known || item.key() == key;
    if (!known) return invalid("keystore: unknown field '" + item.key() + "' in " + where);
  }
  for (std::string_view key : expected) {
    if (!object.contains(key)) return invalid("keystore: missing field '" + std::string(key) + "' in " + where);
  }
  return ok_status();
}

Result<std::string> get_string(const Json& object, std::string_view key, std::string_view field) {
  const Json& value = object.at(key);
  if (!value.is_string()) return field_error(field, "must be a string");
  return value.get<std::string>();
}

Result<std::uint64_t> get_unsigned(const Json& object, std::string_view key, std::string_view field) {
  const Json& value = object.at(key);
  if (!value.is_number_unsigned()) return field_error(field, "must be a non-negative integer");
  return value.get<std::uint64_t>();
}

Result<Bytes> get_hex(const Json& object, std::string_view key, std::string_view field, std::size_t size) {
  TRESTLE_TRY(std::string text, get_string(object, key, field));
  auto bytes = from_hex(text);
  if (!bytes.ok()) return field_error(field, bytes.error().message());
  if (bytes->size() != size) {
    return field_error(field,
                       "expected " + std::to_string(size) + " bytes of hex, got " + std::to_string(bytes->size()));
  }
  return bytes;
}

Result<KeyType> parse_key_type(std::string_view name) {
  if (name == "sm2") return KeyType::kSm2;
  if (name == "secp256k1") return KeyType::kSecp256k1;
  return field_error("key_type", "must be \"sm2\" or \"secp256k1\"");
}

Result<AeadAlgorithm> parse_cipher(std::string_view name) {
  if (name == "sm4-gcm") return AeadAlgorithm::kSm4Gcm;
  if (name == "aes-256-gcm") return AeadAlgorithm::kAes256Gcm;
  return field_error("cipher.name", "must be \"sm4-gcm\" or \"aes-256-gcm\"");
}

struct ParsedKeystore {
  KeyType type = KeyType::kSm2;
  Bytes public_key;
  std::uint64_t n = 0;
  std::uint64_t r = 0;
  std::uint64_t p = 0;
  Bytes salt;
  AeadAlgorithm cipher = AeadAlgorithm::kSm4Gcm;
  Bytes iv;
  Bytes ciphertext;
};

Result<ParsedKeystore> parse_keystore(const Json& root) {
  TRESTLE_TRY_STATUS(
      check_keys(root, "", {"version", "key_type", "public_key", "address", "kdf", "cipher", "ciphertext"}));
  TRESTLE_TRY(std::uint64_t version, get_unsigned(root, "version", "version"));
  if (version != kKeystoreVersion) {
    return Error(ErrorCode::kUnsupported,
                 "keystore: version " + std::to_string(version) + " is not supported (this build reads version 1)");
  }
  ParsedKeystore out;
  TRESTLE_TRY(std::string key_type, get_string(root, "key_type", "key_type"));
  TRESTLE_TRY(out.type, parse_key_type(key_type));
  TRESTLE_TRY(out.public_key, get_hex(root, "public_key", "public_key", 65));
  if (out.public_key[0] != 0x04) return field_error("public_key", "must be an uncompressed point 04||x||y");
  auto public_key = PublicKey::parse(out.type, out.public_key);
  if (!public_key.ok()) return field_error("public_key", public_key.error().message());
  TRESTLE_TRY(Bytes address, get_hex(root, "address", "address", Address::kSize));
  if (Address::copy_of(address) != suite_for(out.type).address(public_key.value())) {
    return Error(ErrorCode::kCorrupt, "keystore: field 'address' does not match 'public_key'");
  }

  const Json& kdf = root.at("kdf");
  TRESTLE_TRY_STATUS(check_keys(kdf, "kdf", {"name", "n", "r", "p", "salt"}));
  TRESTLE_TRY(std::string kdf_name, get_string(kdf, "name", "kdf.name"));
  if (kdf_name != "scrypt") return field_error("kdf.name", "must be \"scrypt\"");
  TRESTLE_TRY(out.n, get_unsigned(kdf, "n", "kdf.n"));
  TRESTLE_TRY(out.r, get_unsigned(kdf, "r", "kdf.r"));
  TRESTLE_TRY(out.p, get_unsigned(kdf, "p", "kdf.p"));
  auto params = check_scrypt_params(out.n, out.r, out.p);
  if (!params.ok()) return field_error("kdf", params.error().message());
  TRESTLE_TRY(out.salt, get_hex(kdf, "salt", "kdf.salt", kSaltSize));

  const Json& cipher = root.at("cipher");
  TRESTLE_TRY_STATUS(check_keys(cipher, "cipher", {"name", "iv"}));
  TRESTLE_TRY(std::string cipher_text_name, get_string(cipher, "name", "cipher.name"));
  TRESTLE_TRY(out.cipher, parse_cipher(cipher_text_name));
  TRESTLE_TRY(out.iv, get_hex(cipher, "iv", "cipher.iv", kGcmIvSize));
  TRESTLE_TRY(out.ciphertext, get_hex(root, "ciphertext", "ciphertext", kScalarSize + kGcmTagSize));
  return out;
}

}  // namespace

Result<std::string> keystore_encrypt(const PrivateKey& key, std::string_view password, const KeystoreOptions& options) {
  auto params = check_scrypt_params(options.scrypt_n, options.scrypt_r, options.scrypt_p);
  if (!params.ok()) return params.error().with_context("keystore options");
  const AeadAlgorithm cipher = cipher_for(key.type());
  TRESTLE_TRY(Bytes salt, random_bytes(kSaltSize));
  TRESTLE_TRY(Bytes iv, random_bytes(kGcmIvSize));
  const Bytes public_key = key.public_key().uncompressed();

  SecretArray<kAes256KeySize> derived;
  const std::span<std::uint8_t> aead_key(derived.data.data(), aead_key_size(cipher));
  TRESTLE_TRY_STATUS(derive_key(password, salt, options.scrypt_n, options.scrypt_r, options.scrypt_p, aead_key));
  TRESTLE_TRY(Bytes sealed, aead_seal(cipher, aead_key, iv, public_key, key.secret()));

  try {
    Json root = {
        {"version", kKeystoreVersion},
        {"key_type", key_type_name(key.type())},
        {"public_key", to_hex(public_key)},
        {"address", to_hex(suite_for(key.type()).address(key.public_key()))},
        {"kdf",
         {{"name", "scrypt"},
          {"n", options.scrypt_n},
          {"r", options.scrypt_r},
          {"p", options.scrypt_p},
          {"salt", to_hex(salt)}}},
        {"cipher", {{"name", cipher_name(cipher)}, {"iv", to_hex(iv)}}},
        {"ciphertext", to_hex(sealed)},
    };
    return root.dump(2) + "\n";
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("keystore: JSON encoding failed: ") + e.what());
  }
}

Result<PrivateKey> keystore_decrypt(std::string_view keystore_json, std::string_view password) {
  if (keystore_json.size() > kKeystoreSizeMax) return invalid("keystore: file is larger than 64 KiB");
  TRESTLE_TRY(Json root, parse_json(keystore_json));
  // parse_keystore checks every type before access; the catch is a second line of defence.
  auto parsed = [&]() -> Result<ParsedKeystore> {
    try {
      return parse_keystore(root);
    } catch (const Json::exception& e) {
      return invalid(std::string("keystore: unexpected JSON structure: ") + e.what());
    } catch (const std::exception& e) {
      return Error(ErrorCode::kInternal, std::string("keystore: reading failed: ") + e.what());
    }
  }();
  if (!parsed.ok()) return parsed.error();
  const ParsedKeystore& file = parsed.value();

  SecretArray<kAes256KeySize> derived;
  const std::span<std::uint8_t> aead_key(derived.data.data(), aead_key_size(file.cipher));
  TRESTLE_TRY_STATUS(derive_key(password, file.salt, file.n, file.r, file.p, aead_key));
  auto opened = aead_open(file.cipher, aead_key, file.iv, file.public_key, file.ciphertext);
  if (!opened.ok()) {
    if (opened.error().code() == ErrorCode::kAuthFailed) {
      return Error(ErrorCode::kAuthFailed, "wrong password or corrupted keystore");
    }
    return opened.error().with_context("keystore");
  }
  Bytes& scalar = opened.value();
  auto key = PrivateKey::from_bytes(file.type, scalar);
  secure_wipe(scalar.data(), scalar.size());
  if (!key.ok()) return Error(ErrorCode::kCorrupt, "keystore: the sealed private key is invalid");
  if (key->public_key().uncompressed() != file.public_key) {
    return Error(ErrorCode::kCorrupt, "keystore: the sealed private key does not match 'public_key'");
  }
  return key;
}

}  // namespace trestle::crypto
