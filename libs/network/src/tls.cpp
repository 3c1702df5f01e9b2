#include "tls.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <exception>
#include <string>

#include "trestle/crypto/random.hpp"

namespace trestle::network::detail {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};

Error openssl_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::string detail = "unknown error";
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    detail = text;
  }
  return Error(ErrorCode::kInternal, "TLS setup: " + what + ": " + detail);
}

Status restrict_to_tls13(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return openssl_error("cannot restrict the context to TLS 1.3");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  // Peers are authenticated by their chain keys after the handshake, not by certificates.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  return ok_status();
}

Status install_self_signed_certificate(SSL_CTX* ctx) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return openssl_error("cannot generate the Ed25519 certificate key");
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!cert) return openssl_error("cannot allocate a certificate");

  std::uint8_t serial_bytes[8];
  TRESTLE_TRY_STATUS(crypto::fill_random(serial_bytes));
  std::uint64_t serial = 0;
  for (std::uint8_t b : serial_bytes) serial = (serial << 8) | b;
  serial >>= 1;  // a positive INTEGER
  X509_NAME* name = X509_get_subject_name(cert.get());
  const bool built =
      X509_set_version(cert.get(), 2) == 1 && ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) == 1 &&
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365) != nullptr &&
      X509_set_pubkey(cert.get(), key.get()) == 1 && name != nullptr &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("trestle-node"), -1,
                                 -1, 0) == 1 &&
      X509_set_issuer_name(cert.get(), name) == 1 &&
      X509_sign(cert.get(), key.get(), nullptr) > 0;  // Ed25519 takes no separate digest
  if (!built) return openssl_error("cannot build the self-signed certificate");
  if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 || SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return openssl_error("cannot install the certificate");
  }
  return ok_status();
}

}  // namespace

TlsContexts::TlsContexts() : server(asio::ssl::context::tls_server), client(asio::ssl::context::tls_client) {}

Result<std::unique_ptr<TlsContexts>> make_tls_contexts() {
  std::unique_ptr<TlsContexts> contexts;
  try {
    contexts = std::make_unique<TlsContexts>();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, std::string("TLS setup: cannot create a context: ") + e.what());
  }
  TRESTLE_TRY_STATUS(restrict_to_tls13(contexts->server.native_handle()));
  TRESTLE_TRY_STATUS(restrict_to_tls13(contexts->client.native_handle()));
  SSL_CTX_set_num_tickets(contexts->server.native_handle(), 0);
  TRESTLE_TRY_STATUS(install_self_signed_certificate(contexts->server.native_handle()));
  return contexts;
}

Result<Binding> export_binding(SSL* ssl) {
  if (SSL_version(ssl) != TLS1_3_VERSION) {
    return Error(ErrorCode::kInternal, "the connection did not negotiate TLS 1.3");
  }
  Binding binding;
  if (SSL_export_keying_material(ssl, binding.data(), binding.size(), kBindingLabel.data(), kBindingLabel.size(),
                                 nullptr, 0, 0) != 1) {
    ERR_clear_error();
    return Error(ErrorCode::kInternal, "cannot export the TLS channel binding");
  }
  return binding;
}

}  // namespace trestle::network::detail
