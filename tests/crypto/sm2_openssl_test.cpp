// SM2 against an independent implementation: OpenSSL 3's libcrypto through EVP. Signatures go
// both ways (with SM3, Z_A and the user ID set by EVP_PKEY_CTX_set1_id), and so do ciphertexts
// (OpenSSL reads and writes the ASN.1 layout, CiphertextFormat::kDer).

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <random>
#include <string>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::crypto {
namespace {

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// An OpenSSL SM2 key from our key's bytes: the public point, and the scalar when `secret` is set.
OpenSslPtr<EVP_PKEY> openssl_key(const PublicKey& public_key, const PrivateKey* secret = nullptr) {
  OpenSslPtr<OSSL_PARAM_BLD> builder(OSSL_PARAM_BLD_new());
  REQUIRE(builder);
  char group[] = "SM2";
  REQUIRE(OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1);
  const Bytes point = public_key.uncompressed();
  REQUIRE(OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1);
  OpenSslPtr<BIGNUM> d;
  if (secret != nullptr) {
    d.reset(BN_bin2bn(secret->secret().data(), static_cast<int>(secret->secret().size()), nullptr));
    REQUIRE(d);
    REQUIRE(OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) == 1);
  }
  OpenSslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(builder.get()));
  REQUIRE(params);
  OpenSslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr));
  REQUIRE(ctx);
  REQUIRE(EVP_PKEY_fromdata_init(ctx.get()) == 1);
  EVP_PKEY* pkey = nullptr;
  const int selection = secret != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  REQUIRE(EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) == 1);
  return OpenSslPtr<EVP_PKEY>(pkey);
}

// The EVP_PKEY-SM2(7) recipe: the ID goes on a PKEY context that the digest context then uses.
struct DigestContexts {
  OpenSslPtr<EVP_MD_CTX> md;
  OpenSslPtr<EVP_PKEY_CTX> pkey;
};

DigestContexts digest_contexts(EVP_PKEY* key, std::string_view user_id) {
  DigestContexts contexts{OpenSslPtr<EVP_MD_CTX>(EVP_MD_CTX_new()),
                          OpenSslPtr<EVP_PKEY_CTX>(EVP_PKEY_CTX_new(key, nullptr))};
  REQUIRE(contexts.md);
  REQUIRE(contexts.pkey);
  REQUIRE(EVP_PKEY_CTX_set1_id(contexts.pkey.get(), user_id.data(), user_id.size()) > 0);
  EVP_MD_CTX_set_pkey_ctx(contexts.md.get(), contexts.pkey.get());
  return contexts;
}

Bytes openssl_sign(EVP_PKEY* key, ByteView message, std::string_view user_id) {
  DigestContexts contexts = digest_contexts(key, user_id);
  REQUIRE(EVP_DigestSignInit(contexts.md.get(), nullptr, EVP_sm3(), nullptr, key) == 1);
  std::size_t size = 0;
  REQUIRE(EVP_DigestSign(contexts.md.get(), nullptr, &size, message.data(), message.size()) == 1);
  Bytes signature(size);
  REQUIRE(EVP_DigestSign(contexts.md.get(), signature.data(), &size, message.data(), message.size()) == 1);
  signature.resize(size);
  return signature;
}

bool openssl_verify(EVP_PKEY* key, ByteView message, ByteView der_signature, std::string_view user_id) {
  DigestContexts contexts = digest_contexts(key, user_id);
  REQUIRE(EVP_DigestVerifyInit(contexts.md.get(), nullptr, EVP_sm3(), nullptr, key) == 1);
  return EVP_DigestVerify(contexts.md.get(), der_signature.data(), der_signature.size(), message.data(),
                          message.size()) == 1;
}

Bytes openssl_encrypt(EVP_PKEY* key, ByteView plaintext) {
  OpenSslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  REQUIRE(ctx);
  REQUIRE(EVP_PKEY_encrypt_init(ctx.get()) == 1);
  std::size_t size = 0;
  REQUIRE(EVP_PKEY_encrypt(ctx.get(), nullptr, &size, plaintext.data(), plaintext.size()) == 1);
  Bytes out(size);
  REQUIRE(EVP_PKEY_encrypt(ctx.get(), out.data(), &size, plaintext.data(), plaintext.size()) == 1);
  out.resize(size);
  return out;
}

std::optional<Bytes> openssl_decrypt(EVP_PKEY* key, ByteView ciphertext) {
  OpenSslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key, nullptr));
  REQUIRE(ctx);
  REQUIRE(EVP_PKEY_decrypt_init(ctx.get()) == 1);
  std::size_t size = 0;
  if (EVP_PKEY_decrypt(ctx.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) != 1) return std::nullopt;
  Bytes out(size);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &size, ciphertext.data(), ciphertext.size()) != 1) return std::nullopt;
  out.resize(size);
  return out;
}

class TestRandom {
 public:
  explicit TestRandom(std::uint32_t seed) : engine_(seed) {}
  Bytes bytes(std::size_t count) {
    Bytes out(count);
    for (auto& b : out) b = static_cast<std::uint8_t>(engine_());
    return out;
  }
  std::size_t below(std::size_t bound) { return engine_() % bound; }
  PrivateKey key() {
    for (;;) {
      auto key = PrivateKey::from_bytes(KeyType::kSm2, bytes(32));
      if (key.ok()) return std::move(key).value();
    }
  }

 private:
  std::mt19937 engine_;
};

TEST_CASE("sm2 openssl: signatures and ciphertexts interoperate for 200 random keys", "[sm2][openssl]") {
  TestRandom random(0x5a2);
  for (int i = 0; i < 200; ++i) {
    CAPTURE(i);
    const PrivateKey key = random.key();
    const auto ossl_key = openssl_key(key.public_key(), &key);
    const auto ossl_public = openssl_key(key.public_key());
    const Bytes message = random.bytes(random.below(256));

    // Signed here, verified by OpenSSL (DER, as OpenSSL writes it).
    auto ours = sm2::sign(key, message);
    REQUIRE(ours.ok());
    CHECK(openssl_verify(ossl_public.get(), message, ours->to_der(), sm2::kDefaultUserId));

    // Signed by OpenSSL, verified here.
    const Bytes theirs = openssl_sign(ossl_key.get(), message, sm2::kDefaultUserId);
    auto parsed = sm2::Signature::from_der(theirs);
    REQUIRE(parsed.ok());
    CHECK(sm2::verify(key.public_key(), message, parsed.value()));
    CHECK(parsed->to_der() == theirs);

    // Encrypted here (ASN.1), decrypted by OpenSSL; and the reverse. Plaintexts are 1 to 200 bytes.
    const Bytes plaintext = random.bytes(1 + random.below(200));
    auto ciphertext = sm2::encrypt(key.public_key(), plaintext, sm2::CiphertextFormat::kDer);
    REQUIRE(ciphertext.ok());
    auto by_openssl = openssl_decrypt(ossl_key.get(), ciphertext.value());
    REQUIRE(by_openssl.has_value());
    CHECK(by_openssl.value() == plaintext);

    const Bytes their_ciphertext = openssl_encrypt(ossl_public.get(), plaintext);
    auto by_us = sm2::decrypt(key, their_ciphertext, sm2::CiphertextFormat::kDer);
    REQUIRE(by_us.ok());
    CHECK(by_us.value() == plaintext);
  }
}

TEST_CASE("sm2 openssl: user IDs other than the default agree", "[sm2][openssl]") {
  TestRandom random(0x1d);
  const PrivateKey key = random.key();
  const auto ossl_key = openssl_key(key.public_key(), &key);
  const Bytes message = random.bytes(100);
  // OpenSSL 3 accepts IDs up to 8190 bytes (GB/T 32918 allows 8191); 8190 puts 0xfff0 in ENTL.
  for (const std::string& id :
       {std::string("ALICE123@YAHOO.COM"), std::string(), std::string(1, '\0'), std::string(8190, 'i')}) {
    CAPTURE(id.size());
    auto ours = sm2::sign(key, message, id);
    REQUIRE(ours.ok());
    CHECK(openssl_verify(ossl_key.get(), message, ours->to_der(), id));
    CHECK_FALSE(openssl_verify(ossl_key.get(), message, ours->to_der(), sm2::kDefaultUserId));

    auto theirs = sm2::Signature::from_der(openssl_sign(ossl_key.get(), message, id));
    REQUIRE(theirs.ok());
    CHECK(sm2::verify(key.public_key(), message, theirs.value(), id));
    CHECK_FALSE(sm2::verify(key.public_key(), message, theirs.value()));
  }
}

TEST_CASE("sm2 openssl: OpenSSL decrypts the GB/T 32918.5 encryption example", "[sm2][openssl]") {
  auto key = PrivateKey::from_bytes(
      KeyType::kSm2, from_hex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8").value());
  REQUIRE(key.ok());
  const auto ossl_key = openssl_key(key->public_key(), &key.value());
  const Bytes der = from_hex(
                        "307c"
                        "022004ebfc718e8d1798620432268e77feb6415e2ede0e073c0f4f640ecd2e149a73"
                        "022100e858f9d81e5430a57b36daab8f950a3c64e6ee6a63094d99283aff767e124df0"
                        "042059983c18f809e262923c53aec295d30383b54e39d609d160afcb1908d0bd8766"
                        "041321886ca989ca9c7d58087307ca93092d651efa")
                        .value();
  auto plain = openssl_decrypt(ossl_key.get(), der);
  REQUIRE(plain.has_value());
  CHECK(std::string(plain->begin(), plain->end()) == "encryption standard");
}

}  // namespace
}  // namespace trestle::crypto
