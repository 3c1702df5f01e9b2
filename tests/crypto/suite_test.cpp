// CryptoSuite: the sm and ecdsa suites end to end, checked against OpenSSL (SM2/SM3 signatures
// and digests, AES-256-GCM) and Ethereum's published vectors.

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <catch2/catch.hpp>
#include <string>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/secp256k1.hpp"
#include "trestle/crypto/sm2.hpp"
#include "trestle/crypto/suite.hpp"

using namespace trestle;
using namespace trestle::crypto;

namespace {

Bytes hex(std::string_view text) { return from_hex(text).value(); }

// The key behind web3.js's and ethers' documentation examples.
constexpr std::string_view kEthereumKey = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

EVP_PKEY* openssl_sm2_public(const PublicKey& key) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  const Bytes point = key.uncompressed();
  REQUIRE(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0) == 1);
  REQUIRE(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "SM2", nullptr);
  EVP_PKEY* pkey = nullptr;
  REQUIRE(EVP_PKEY_fromdata_init(ctx) == 1);
  REQUIRE(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return pkey;
}

// OpenSSL's SM2 verification with SM3 and the default distinguishing ID, following the
// EVP_PKEY-SM2(7) recipe: the ID goes on a PKEY context that the digest context then uses.
bool openssl_sm2_verify(const PublicKey& key, ByteView message, ByteView der) {
  EVP_PKEY* pkey = openssl_sm2_public(key);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new(pkey, nullptr);
  const std::string_view id = "1234567812345678";  // GB/T 32918 / GM/T 0009 default, spelled out
  REQUIRE(EVP_PKEY_CTX_set1_id(pctx, id.data(), id.size()) > 0);
  EVP_MD_CTX_set_pkey_ctx(md, pctx);
  REQUIRE(EVP_DigestVerifyInit(md, nullptr, EVP_sm3(), nullptr, pkey) == 1);
  const int rc = EVP_DigestVerify(md, der.data(), der.size(), message.data(), message.size());
  EVP_MD_CTX_free(md);
  EVP_PKEY_CTX_free(pctx);
  EVP_PKEY_free(pkey);
  return rc == 1;
}

Hash256 openssl_sm3(ByteView data) {
  Hash256 out;
  unsigned int size = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sm3(), nullptr) == 1);
  return out;
}

Bytes openssl_aes_gcm_seal(ByteView key, ByteView iv, ByteView aad, ByteView plaintext) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key.data(), iv.data()) == 1);
  int len = 0;
  REQUIRE(EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1);
  Bytes out(plaintext.size() + 16);
  REQUIRE(EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(), static_cast<int>(plaintext.size())) == 1);
  REQUIRE(EVP_EncryptFinal_ex(ctx, out.data() + len, &len) == 1);
  REQUIRE(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, out.data() + plaintext.size()) == 1);
  EVP_CIPHER_CTX_free(ctx);
  return out;
}

}  // namespace

TEST_CASE("suite: by_name, get and the suites' properties", "[suite]") {
  auto sm = CryptoSuite::by_name("sm");
  REQUIRE(sm.ok());
  CHECK(sm.value() == &CryptoSuite::sm());
  auto ecdsa = CryptoSuite::by_name("ecdsa");
  REQUIRE(ecdsa.ok());
  CHECK(ecdsa.value() == &CryptoSuite::ecdsa());
  CHECK(&CryptoSuite::get(SuiteId::kSm) == &CryptoSuite::sm());
  CHECK(&CryptoSuite::get(SuiteId::kEcdsa) == &CryptoSuite::ecdsa());

  for (std::string_view bad : {"", "SM", "Ecdsa", "sm2", "secp256k1", "rsa", "sm "}) {
    auto error = CryptoSuite::by_name(bad);
    REQUIRE_FALSE(error.ok());
    CHECK(error.error().code() == ErrorCode::kInvalidArgument);
    CHECK(error.error().message().find("\"sm\" or \"ecdsa\"") != std::string::npos);
  }

  const CryptoSuite& s = CryptoSuite::sm();
  CHECK(s.id() == SuiteId::kSm);
  CHECK(s.name() == "sm");
  CHECK(s.key_type() == KeyType::kSm2);
  CHECK(s.hash_algorithm() == HashAlgorithm::kSm3);
  CHECK(s.aead_algorithm() == AeadAlgorithm::kSm4Gcm);
  CHECK(s.signature_size() == 64);
  CHECK_FALSE(s.can_recover());
  const CryptoSuite& e = CryptoSuite::ecdsa();
  CHECK(e.id() == SuiteId::kEcdsa);
  CHECK(e.name() == "ecdsa");
  CHECK(e.key_type() == KeyType::kSecp256k1);
  CHECK(e.hash_algorithm() == HashAlgorithm::kKeccak256);
  CHECK(e.aead_algorithm() == AeadAlgorithm::kAes256Gcm);
  CHECK(e.signature_size() == 65);
  CHECK(e.can_recover());
  CHECK(s.generate_key().value().type() == KeyType::kSm2);
  CHECK(e.generate_key().value().type() == KeyType::kSecp256k1);
}

TEST_CASE("suite: ecdsa addresses and signatures match Ethereum's published vectors", "[suite]") {
  const CryptoSuite& suite = CryptoSuite::ecdsa();
  const PrivateKey key = PrivateKey::from_bytes(KeyType::kSecp256k1, hex(kEthereumKey)).value();
  CHECK(to_hex(suite.address(key.public_key())) == "2c7536e3605d9c16a7a3d7b1898e529396a65c23");

  // web3.eth.accounts.sign("Some data", key): Keccak-256 of the EIP-191 prefixed message, then
  // RFC 6979 ECDSA; web3 prints v as 27 + recovery id.
  const std::string message = std::string("\x19") + "Ethereum Signed Message:\n9Some data";
  CHECK(to_hex(suite.hash(as_bytes(message))) == "1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655");
  auto signature = suite.sign(key, as_bytes(message));
  REQUIRE(signature.ok());
  CHECK(to_hex(signature.value()) ==
        "b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd"
        "6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a029"
        "01");
  CHECK(suite.verify(key.public_key(), as_bytes(message), signature.value()));
  auto recovered = suite.recover(as_bytes(message), signature.value());
  REQUIRE(recovered.ok());
  CHECK(suite.address(recovered.value()) == suite.address(key.public_key()));
}

TEST_CASE("suite: ecdsa signs Keccak-256 of the message and recovers the signer", "[suite]") {
  const CryptoSuite& suite = CryptoSuite::ecdsa();
  for (int i = 0; i < 20; ++i) {
    const PrivateKey key = suite.generate_key().value();
    const std::string message = "transfer " + std::to_string(i) + " to bob";
    auto signature = suite.sign(key, as_bytes(message));
    REQUIRE(signature.ok());
    REQUIRE(signature->size() == suite.signature_size());
    CHECK(signature.value() == to_bytes(secp256k1::sign_digest(key, keccak256(as_bytes(message))).value().bytes));
    CHECK(suite.sign_digest(key, suite.hash(as_bytes(message))).value() == signature.value());

    CHECK(suite.verify(key.public_key(), as_bytes(message), signature.value()));
    CHECK(suite.verify(key.public_key(), as_bytes(message), ByteView(signature.value()).first(64)));
    CHECK(suite.verify_digest(key.public_key(), suite.hash(as_bytes(message)), signature.value()));
    CHECK_FALSE(suite.verify(key.public_key(), as_bytes(message + "!"), signature.value()));
    CHECK_FALSE(suite.verify(suite.generate_key().value().public_key(), as_bytes(message), signature.value()));
    Bytes tampered = signature.value();
    tampered[10] ^= 0x01;
    CHECK_FALSE(suite.verify(key.public_key(), as_bytes(message), tampered));

    auto recovered = suite.recover(as_bytes(message), signature.value());
    REQUIRE(recovered.ok());
    CHECK(recovered.value() == key.public_key());
    CHECK_FALSE(suite.recover(as_bytes(message), ByteView(signature.value()).first(64)).ok());
    auto other = suite.recover(as_bytes(message + "!"), signature.value());
    if (other.ok()) CHECK(other.value() != key.public_key());
  }
}

TEST_CASE("suite: sm signs SM3(Z_A || M) with the default ID, verified by OpenSSL", "[suite][openssl]") {
  const CryptoSuite& suite = CryptoSuite::sm();
  for (int i = 0; i < 20; ++i) {
    const PrivateKey key = suite.generate_key().value();
    const std::string message = "block " + std::to_string(i);
    auto signature = suite.sign(key, as_bytes(message));
    REQUIRE(signature.ok());
    REQUIRE(signature->size() == suite.signature_size());
    const sm2::Signature parsed = sm2::Signature::from_bytes(signature.value()).value();
    CHECK(openssl_sm2_verify(key.public_key(), as_bytes(message), parsed.to_der()));
    CHECK(sm2::verify(key.public_key(), as_bytes(message), parsed));
    CHECK(suite.verify(key.public_key(), as_bytes(message), signature.value()));
    CHECK_FALSE(suite.verify(key.public_key(), as_bytes(message + "!"), signature.value()));
    CHECK_FALSE(suite.verify(suite.generate_key().value().public_key(), as_bytes(message), signature.value()));
    CHECK_FALSE(suite.verify(key.public_key(), as_bytes(message), ByteView(signature.value()).first(63)));
    Bytes with_extra = signature.value();
    with_extra.push_back(0);
    CHECK_FALSE(suite.verify(key.public_key(), as_bytes(message), with_extra));

    // sign_digest takes e = SM3(Z_A || M) computed by the caller.
    const Hash256 e = sm2::message_digest(key.public_key(), as_bytes(message)).value();
    auto from_digest = suite.sign_digest(key, e);
    REQUIRE(from_digest.ok());
    CHECK(suite.verify(key.public_key(), as_bytes(message), from_digest.value()));
    CHECK(suite.verify_digest(key.public_key(), e, from_digest.value()));
    CHECK(suite.verify_digest(key.public_key(), e, signature.value()));
    CHECK_FALSE(suite.verify_digest(key.public_key(), suite.hash(as_bytes(message)), signature.value()));

    auto recovered = suite.recover(as_bytes(message), signature.value());
    REQUIRE_FALSE(recovered.ok());
    CHECK(recovered.error().code() == ErrorCode::kUnsupported);
  }
}

TEST_CASE("suite: sm addresses are the last 20 bytes of SM3(x || y)", "[suite][openssl]") {
  for (int i = 0; i < 10; ++i) {
    const PrivateKey key = CryptoSuite::sm().generate_key().value();
    const Hash256 digest = openssl_sm3(key.public_key().xy());
    CHECK(CryptoSuite::sm().address(key.public_key()).view().size() == 20);
    CHECK(to_bytes(CryptoSuite::sm().address(key.public_key()).view()) == to_bytes(digest.view().last(20)));
    Hasher hasher = CryptoSuite::sm().hasher();
    hasher.update(key.public_key().x()).update(key.public_key().y());
    CHECK(hasher.finish() == digest);
  }
}

TEST_CASE("suite: a key of the other curve is refused for signing and never verifies", "[suite]") {
  const PrivateKey sm2_key = CryptoSuite::sm().generate_key().value();
  const PrivateKey k1_key = CryptoSuite::ecdsa().generate_key().value();
  const Bytes message = {1, 2, 3};
  const Bytes sm_signature = CryptoSuite::sm().sign(sm2_key, message).value();
  const Bytes ecdsa_signature = CryptoSuite::ecdsa().sign(k1_key, message).value();

  for (const auto& result :
       {CryptoSuite::sm().sign(k1_key, message), CryptoSuite::sm().sign_digest(k1_key, Hash256{}),
        CryptoSuite::ecdsa().sign(sm2_key, message), CryptoSuite::ecdsa().sign_digest(sm2_key, Hash256{})}) {
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().code() == ErrorCode::kInvalidArgument);
  }
  CHECK_FALSE(CryptoSuite::sm().verify(k1_key.public_key(), message, sm_signature));
  CHECK_FALSE(CryptoSuite::ecdsa().verify(sm2_key.public_key(), message, ecdsa_signature));
  // A signature of one suite does not verify under the other.
  CHECK_FALSE(CryptoSuite::sm().verify(sm2_key.public_key(), message, ByteView(ecdsa_signature).first(64)));
  CHECK_FALSE(CryptoSuite::ecdsa().verify(k1_key.public_key(), message, sm_signature));
  CHECK_FALSE(CryptoSuite::sm().verify_digest(k1_key.public_key(), Hash256{}, sm_signature));
  CHECK_FALSE(CryptoSuite::ecdsa().verify_digest(sm2_key.public_key(), Hash256{}, ecdsa_signature));
}

TEST_CASE("suite: seal and open with the suite's AEAD", "[suite][openssl]") {
  const Bytes aad = {'h', 'd', 'r'};
  const Bytes plaintext = {'p', 'a', 'y', 'l', 'o', 'a', 'd'};
  const Bytes iv(12, 7);
  for (const CryptoSuite* suite : {&CryptoSuite::sm(), &CryptoSuite::ecdsa()}) {
    INFO(suite->name());
    const Bytes key(aead_key_size(suite->aead_algorithm()), 0x42);
    auto sealed = suite->seal(key, iv, aad, plaintext);
    REQUIRE(sealed.ok());
    CHECK(sealed->size() == plaintext.size() + kGcmTagSize);
    CHECK(suite->open(key, iv, aad, sealed.value()).value() == plaintext);

    Bytes tampered = sealed.value();
    tampered[0] ^= 1;
    auto failed = suite->open(key, iv, aad, tampered);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code() == ErrorCode::kAuthFailed);
    CHECK(suite->open(key, iv, Bytes{'x'}, sealed.value()).error().code() == ErrorCode::kAuthFailed);
    const Bytes wrong_size_key(key.size() == 16 ? 32 : 16, 0x42);
    CHECK(suite->seal(wrong_size_key, iv, aad, plaintext).error().code() == ErrorCode::kInvalidArgument);
  }
  const Bytes aes_key(32, 0x42);
  CHECK(CryptoSuite::ecdsa().seal(aes_key, iv, aad, plaintext).value() ==
        openssl_aes_gcm_seal(aes_key, iv, aad, plaintext));
}
