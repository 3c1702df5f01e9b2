#include "crypto_bench.hpp"

#include <openssl/crypto.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>

#include "openssl_peer.hpp"
#include "secp256k1_peer.hpp"
#include "trestle/crypto/cipher.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/secp256k1.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::bench {
namespace {

constexpr std::size_t kBufferSize = 8 << 10;

struct Peer {
  std::string name;
  Op op;
};

// One operation: Trestle's implementation and its peers' (none when no peer offers it here).
struct Case {
  std::string op;
  std::size_t bytes_per_op = 0;  // 0: report ops/s; otherwise MB/s
  Op trestle;
  std::vector<Peer> peers;
};

template <typename T>
T take(Result<T> result, const char* what) {
  if (!result.ok()) throw std::runtime_error(std::string("Trestle: ") + what + ": " + result.error().message());
  return std::move(result).value();
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("cross-check failed: " + what);
}

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::uint8_t>(i * 167 + seed);
  return out;
}

std::uint8_t last(const Bytes& bytes) { return bytes.empty() ? 0 : bytes.back(); }

// Everything the operations read; it outlives them, since they hold references into it.
struct Inputs {
  Bytes buffer = pattern(kBufferSize, 1);
  Bytes sm4_key = pattern(crypto::kSm4KeySize, 2);
  Bytes aes_key = pattern(crypto::kAes256KeySize, 3);
  Bytes iv16 = pattern(16, 4);
  Bytes iv12 = pattern(crypto::kGcmIvSize, 5);
  Bytes message = pattern(32, 6);
  Bytes digest = pattern(32, 7);
  Hash256 digest32 = Hash256::copy_of(digest);
  std::optional<crypto::PrivateKey> sm2_key;
  std::optional<crypto::PrivateKey> k1_key;
  crypto::sm2::Signature sm2_signature;
  Bytes sm2_der_signature;
  Bytes sm2_ciphertext_der;
  Bytes k1_secret;
  Bytes k1_public;  // 04||x||y
  Bytes k1_rsv;
  Bytes k1_rs;
  Bytes k1_der;
};

void add_hash_cases(std::vector<Case>& cases, const Inputs& in) {
  struct HashSpec {
    const char* op;
    crypto::HashAlgorithm algorithm;
    const char* openssl_name;  // KECCAK-256 only exists in OpenSSL 3.2 and later
  };
  for (const HashSpec& spec : {HashSpec{"sm3 8KiB", crypto::HashAlgorithm::kSm3, "SM3"},
                               HashSpec{"sha256 8KiB", crypto::HashAlgorithm::kSha256, "SHA256"},
                               HashSpec{"keccak256 8KiB", crypto::HashAlgorithm::kKeccak256, "KECCAK-256"}}) {
    Case c{
        spec.op, kBufferSize, [&in, algorithm = spec.algorithm] { return crypto::hash(algorithm, in.buffer)[31]; }, {}};
    Bytes theirs;
    if (auto op = openssl::digest(spec.openssl_name, in.buffer, theirs)) {
      require(theirs == crypto::hash(spec.algorithm, in.buffer).to_vector(), std::string(spec.op) + " digest");
      c.peers.push_back({"openssl", *op});
    }
    cases.push_back(std::move(c));
  }
}

void add_cipher_cases(std::vector<Case>& cases, const Inputs& in) {
  struct CipherSpec {
    const char* op;
    const char* openssl_name;  // SM4-GCM only exists in OpenSSL 3.2 and later
    std::function<Result<Bytes>()> trestle;
  };
  const std::vector<CipherSpec> specs = {
      {"sm4-cbc encrypt 8KiB", "SM4-CBC", [&in] { return crypto::sm4_cbc_encrypt(in.sm4_key, in.iv16, in.buffer); }},
      {"sm4-ctr 8KiB", "SM4-CTR", [&in] { return crypto::sm4_ctr(in.sm4_key, in.iv16, in.buffer); }},
      {"sm4-gcm encrypt 8KiB", "SM4-GCM",
       [&in] { return crypto::sm4_gcm_encrypt(in.sm4_key, in.iv12, {}, in.buffer); }},
      {"aes-256-gcm encrypt 8KiB", "AES-256-GCM",
       [&in] { return crypto::aes256_gcm_encrypt(in.aes_key, in.iv12, {}, in.buffer); }},
  };
  for (const CipherSpec& spec : specs) {
    Case c{spec.op, kBufferSize, [trestle = spec.trestle] { return last(take(trestle(), "encrypt")); }, {}};
    const bool aes = std::string(spec.openssl_name).rfind("AES", 0) == 0;
    const bool gcm = std::string(spec.openssl_name).find("GCM") != std::string::npos;
    Bytes theirs;
    if (auto op = openssl::encrypt(spec.openssl_name, aes ? in.aes_key : in.sm4_key, gcm ? in.iv12 : in.iv16, in.buffer,
                                   theirs)) {
      require(theirs == take(spec.trestle(), spec.op), std::string(spec.op) + " ciphertext");
      c.peers.push_back({"openssl", *op});
    }
    cases.push_back(std::move(c));
  }
}

void add_sm2_cases(std::vector<Case>& cases, Inputs& in) {
  const std::string user_id(crypto::sm2::kDefaultUserId);
  in.sm2_key = take(crypto::PrivateKey::generate(crypto::KeyType::kSm2), "SM2 key generation");
  const crypto::PrivateKey& key = *in.sm2_key;
  auto openssl_key = openssl::load_key(crypto::private_key_to_pem(key));
  in.sm2_signature = take(crypto::sm2::sign(key, in.message), "SM2 sign");
  in.sm2_der_signature = in.sm2_signature.to_der();
  require(openssl::sm2_accepts(openssl_key, in.message, in.sm2_der_signature, user_id),
          "OpenSSL verifies an SM2 signature");
  in.sm2_ciphertext_der =
      take(crypto::sm2::encrypt(key.public_key(), in.message, crypto::sm2::CiphertextFormat::kDer), "SM2 encrypt");

  cases.push_back({"sm2 sign",
                   0,
                   [&in] { return take(crypto::sm2::sign(*in.sm2_key, in.message), "SM2 sign").s[31]; },
                   {{"openssl", openssl::sm2_sign(openssl_key, in.message, user_id)}}});
  cases.push_back({"sm2 verify",
                   0,
                   [&in] {
                     bool valid = crypto::sm2::verify(in.sm2_key->public_key(), in.message, in.sm2_signature);
                     require(valid, "SM2 verify");
                     return static_cast<std::uint8_t>(valid);
                   },
                   {{"openssl", openssl::sm2_verify(openssl_key, in.message, in.sm2_der_signature, user_id)}}});
  cases.push_back({"sm2 encrypt 32B",
                   0,
                   [&in] {
                     return last(take(crypto::sm2::encrypt(in.sm2_key->public_key(), in.message,
                                                           crypto::sm2::CiphertextFormat::kDer),
                                      "SM2 encrypt"));
                   },
                   {{"openssl", openssl::sm2_encrypt(openssl_key, in.message)}}});
  // OpenSSL decrypts Trestle's ciphertext on every call, which checks the formats agree.
  cases.push_back(
      {"sm2 decrypt 32B",
       0,
       [&in] {
         return last(take(crypto::sm2::decrypt(*in.sm2_key, in.sm2_ciphertext_der, crypto::sm2::CiphertextFormat::kDer),
                          "SM2 decrypt"));
       },
       {{"openssl", openssl::sm2_decrypt(openssl_key, in.sm2_ciphertext_der)}}});
}

void add_secp256k1_cases(std::vector<Case>& cases, Inputs& in) {
  namespace k1 = crypto::secp256k1;
  in.k1_key = take(crypto::PrivateKey::generate(crypto::KeyType::kSecp256k1), "secp256k1 key generation");
  const crypto::PrivateKey& key = *in.k1_key;
  auto openssl_key = openssl::load_key(crypto::private_key_to_pem(key));
  auto context = libsecp256k1::make_context();
  in.k1_secret = to_bytes(key.secret());
  in.k1_public = key.public_key().uncompressed();
  k1::RecoverableSignature signature = take(k1::sign_digest(key, in.digest32), "secp256k1 sign");
  in.k1_rsv.assign(signature.bytes.begin(), signature.bytes.end());
  in.k1_rs = to_bytes(signature.rs());
  in.k1_der = signature.to_der();

  Bytes theirs;
  Op libsecp_sign = libsecp256k1::sign_recoverable(context, in.k1_secret, in.digest, theirs);
  require(theirs == in.k1_rsv, "libsecp256k1 and Trestle give the same RFC 6979 signature");
  require(take(k1::recover(in.digest32, in.k1_rsv), "secp256k1 recover") == key.public_key(), "recovery");

  Op sign = [&in] { return take(k1::sign_digest(*in.k1_key, in.digest32), "secp256k1 sign").bytes[63]; };
  cases.push_back({"secp256k1 sign",
                   0,
                   sign,
                   {{"openssl", openssl::ecdsa_sign(openssl_key, in.digest)}, {"libsecp256k1", libsecp_sign}}});
  Op verify = [&in] {
    bool valid = k1::verify_digest(in.k1_key->public_key(), in.digest32, in.k1_rs);
    require(valid, "secp256k1 verify");
    return static_cast<std::uint8_t>(valid);
  };
  // OpenSSL verifies Trestle's DER signature on every call.
  cases.push_back({"secp256k1 verify",
                   0,
                   verify,
                   {{"openssl", openssl::ecdsa_verify(openssl_key, in.digest, in.k1_der)},
                    {"libsecp256k1", libsecp256k1::verify(context, in.k1_public, in.digest, in.k1_rs)}}});
  cases.push_back({"secp256k1 recover",
                   0,
                   [&in] { return take(k1::recover(in.digest32, in.k1_rsv), "secp256k1 recover").xy()[63]; },
                   {{"libsecp256k1", libsecp256k1::recover(context, in.digest, in.k1_rsv)}}});
}

double rate(const Op& op, const Case& c, double seconds) {
  double per_second = ops_per_second(op, seconds);
  return c.bytes_per_op == 0 ? per_second : per_second * static_cast<double>(c.bytes_per_op) / 1e6;
}

}  // namespace

std::vector<Row> run_crypto_bench(const CryptoBenchOptions& options) {
  Inputs in;
  std::vector<Case> cases;
  add_hash_cases(cases, in);
  add_cipher_cases(cases, in);
  add_sm2_cases(cases, in);
  add_secp256k1_cases(cases, in);

  std::vector<Row> rows;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    if (options.progress) std::fprintf(stderr, "[%zu/%zu] %s\n", i + 1, cases.size(), c.op.c_str());
    const std::string unit = c.bytes_per_op == 0 ? "ops/s" : "MB/s";
    const double ours = rate(c.trestle, c, options.seconds_per_cell);
    if (c.peers.empty()) rows.push_back({c.op, unit, ours, "-", std::nullopt});
    for (const Peer& peer : c.peers)
      rows.push_back({c.op, unit, ours, peer.name, rate(peer.op, c, options.seconds_per_cell)});
  }
  return rows;
}

std::string crypto_peers_description() {
  return std::string(OpenSSL_version(OPENSSL_VERSION)) + ", libsecp256k1 (system library)";
}

}  // namespace trestle::bench
