#include "openssl_peer.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace trestle::bench::openssl {
namespace {

// The benchmark cannot continue without its peer, so an OpenSSL failure ends it with a message.
void check(bool ok, const char* what) {
  if (!ok) {
    char reason[256] = "";
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    throw std::runtime_error(std::string("OpenSSL: ") + what + " failed: " + reason);
  }
}

struct Free {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_CIPHER* p) const { EVP_CIPHER_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

std::uint8_t last_byte(const Bytes& bytes, std::size_t size) { return size == 0 ? 0 : bytes[size - 1]; }

}  // namespace

class Key {
 public:
  explicit Key(EVP_PKEY* key) : key_(key) {}
  ~Key() { EVP_PKEY_free(key_); }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;
  EVP_PKEY* get() const { return key_; }

 private:
  EVP_PKEY* key_;
};

std::shared_ptr<Key> load_key(const std::string& pem) {
  Ptr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  check(bio != nullptr, "BIO_new_mem_buf");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  check(key != nullptr, "PEM_read_bio_PrivateKey");
  return std::make_shared<Key>(key);
}

std::optional<Op> digest(const char* name, const Bytes& input, Bytes& out) {
  ERR_set_mark();
  std::shared_ptr<EVP_MD> md(EVP_MD_fetch(nullptr, name, nullptr), Free{});
  ERR_pop_to_mark();
  if (md == nullptr) return std::nullopt;
  std::shared_ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new(), Free{});
  check(ctx != nullptr, "EVP_MD_CTX_new");
  auto buffer = std::make_shared<Bytes>(EVP_MAX_MD_SIZE);
  Op op = [md, ctx, buffer, &input] {
    unsigned size = 0;
    check(EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) == 1, "EVP_DigestInit_ex2");
    check(EVP_DigestUpdate(ctx.get(), input.data(), input.size()) == 1, "EVP_DigestUpdate");
    check(EVP_DigestFinal_ex(ctx.get(), buffer->data(), &size) == 1, "EVP_DigestFinal_ex");
    return last_byte(*buffer, size);
  };
  op();
  out.assign(buffer->begin(), buffer->begin() + EVP_MD_get_size(md.get()));
  return op;
}

std::optional<Op> encrypt(const char* name, const Bytes& key, const Bytes& iv, const Bytes& input, Bytes& out) {
  ERR_set_mark();
  std::shared_ptr<EVP_CIPHER> cipher(EVP_CIPHER_fetch(nullptr, name, nullptr), Free{});
  ERR_pop_to_mark();
  if (cipher == nullptr) return std::nullopt;
  const bool gcm = EVP_CIPHER_get_mode(cipher.get()) == EVP_CIPH_GCM_MODE;
  std::shared_ptr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new(), Free{});
  check(ctx != nullptr, "EVP_CIPHER_CTX_new");
  auto buffer = std::make_shared<Bytes>(input.size() + 32);
  auto size = std::make_shared<std::size_t>(0);
  Op op = [cipher, ctx, buffer, size, gcm, &key, &iv, &input] {
    int n = 0;
    int final_n = 0;
    // GCM's default IV length is Trestle's 12 bytes.
    check(EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), iv.data(), nullptr) == 1, "EVP_EncryptInit_ex2");
    check(EVP_EncryptUpdate(ctx.get(), buffer->data(), &n, input.data(), static_cast<int>(input.size())) == 1,
          "EVP_EncryptUpdate");
    check(EVP_EncryptFinal_ex(ctx.get(), buffer->data() + n, &final_n) == 1, "EVP_EncryptFinal_ex");
    *size = static_cast<std::size_t>(n + final_n);
    if (gcm) {
      check(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, buffer->data() + *size) == 1, "GET_TAG");
      *size += 16;
    }
    return last_byte(*buffer, *size);
  };
  op();
  out.assign(buffer->begin(), buffer->begin() + static_cast<std::ptrdiff_t>(*size));
  return op;
}

namespace {

// The EVP_PKEY-SM2(7) recipe: the user ID goes on a PKEY context that the digest context uses.
struct Sm2DigestContext {
  Ptr<EVP_MD_CTX> md;
  Ptr<EVP_PKEY_CTX> pkey;
};

Sm2DigestContext sm2_context(EVP_PKEY* key, const std::string& user_id) {
  Sm2DigestContext context{Ptr<EVP_MD_CTX>(EVP_MD_CTX_new()), Ptr<EVP_PKEY_CTX>(EVP_PKEY_CTX_new(key, nullptr))};
  check(context.md != nullptr && context.pkey != nullptr, "allocating SM2 contexts");
  check(EVP_PKEY_CTX_set1_id(context.pkey.get(), user_id.data(), user_id.size()) > 0, "EVP_PKEY_CTX_set1_id");
  EVP_MD_CTX_set_pkey_ctx(context.md.get(), context.pkey.get());
  return context;
}

}  // namespace

Op sm2_sign(std::shared_ptr<Key> key, const Bytes& message, const std::string& user_id) {
  auto signature = std::make_shared<Bytes>(128);
  return [key, signature, &message, user_id] {
    Sm2DigestContext context = sm2_context(key->get(), user_id);
    check(EVP_DigestSignInit(context.md.get(), nullptr, EVP_sm3(), nullptr, key->get()) == 1, "EVP_DigestSignInit");
    std::size_t size = signature->size();
    check(EVP_DigestSign(context.md.get(), signature->data(), &size, message.data(), message.size()) == 1,
          "EVP_DigestSign");
    return last_byte(*signature, size);
  };
}

bool sm2_accepts(const std::shared_ptr<Key>& key, const Bytes& message, const Bytes& der_signature,
                 const std::string& user_id) {
  Sm2DigestContext context = sm2_context(key->get(), user_id);
  check(EVP_DigestVerifyInit(context.md.get(), nullptr, EVP_sm3(), nullptr, key->get()) == 1, "EVP_DigestVerifyInit");
  return EVP_DigestVerify(context.md.get(), der_signature.data(), der_signature.size(), message.data(),
                          message.size()) == 1;
}

Op sm2_verify(std::shared_ptr<Key> key, const Bytes& message, const Bytes& der_signature, const std::string& user_id) {
  return [key, &message, &der_signature, user_id] {
    bool valid = sm2_accepts(key, message, der_signature, user_id);
    check(valid, "SM2 verification of a valid signature");
    return static_cast<std::uint8_t>(valid);
  };
}

Op sm2_encrypt(std::shared_ptr<Key> key, const Bytes& plaintext) {
  std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key->get(), nullptr), Free{});
  check(ctx != nullptr && EVP_PKEY_encrypt_init(ctx.get()) == 1, "EVP_PKEY_encrypt_init");
  auto out = std::make_shared<Bytes>(plaintext.size() + 256);
  return [key, ctx, out, &plaintext] {
    std::size_t size = out->size();
    check(EVP_PKEY_encrypt(ctx.get(), out->data(), &size, plaintext.data(), plaintext.size()) == 1, "EVP_PKEY_encrypt");
    return last_byte(*out, size);
  };
}

Op sm2_decrypt(std::shared_ptr<Key> key, const Bytes& der_ciphertext) {
  std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key->get(), nullptr), Free{});
  check(ctx != nullptr && EVP_PKEY_decrypt_init(ctx.get()) == 1, "EVP_PKEY_decrypt_init");
  auto out = std::make_shared<Bytes>(der_ciphertext.size());
  return [key, ctx, out, &der_ciphertext] {
    std::size_t size = out->size();
    check(EVP_PKEY_decrypt(ctx.get(), out->data(), &size, der_ciphertext.data(), der_ciphertext.size()) == 1,
          "EVP_PKEY_decrypt");
    return last_byte(*out, size);
  };
}

Op ecdsa_sign(std::shared_ptr<Key> key, const Bytes& digest) {
  std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key->get(), nullptr), Free{});
  check(ctx != nullptr && EVP_PKEY_sign_init(ctx.get()) == 1, "EVP_PKEY_sign_init");
  auto signature = std::make_shared<Bytes>(80);
  return [key, ctx, signature, &digest] {
    std::size_t size = signature->size();
    check(EVP_PKEY_sign(ctx.get(), signature->data(), &size, digest.data(), digest.size()) == 1, "EVP_PKEY_sign");
    return last_byte(*signature, size);
  };
}

Op ecdsa_verify(std::shared_ptr<Key> key, const Bytes& digest, const Bytes& der_signature) {
  std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key->get(), nullptr), Free{});
  check(ctx != nullptr && EVP_PKEY_verify_init(ctx.get()) == 1, "EVP_PKEY_verify_init");
  return [key, ctx, &digest, &der_signature] {
    int valid = EVP_PKEY_verify(ctx.get(), der_signature.data(), der_signature.size(), digest.data(), digest.size());
    check(valid == 1, "ECDSA verification of a valid signature");
    return static_cast<std::uint8_t>(valid);
  };
}

}  // namespace trestle::bench::openssl
