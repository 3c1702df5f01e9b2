#pragma once
// TLS 1.3 contexts with an ephemeral self-signed certificate, and the channel binding.
//
// Certificates are not verified by anybody: peers authenticate each other afterwards by signing
// the binding with their chain keys (auth.hpp). The certificate exists because TLS needs one for
// the server's side of the key exchange.

#include <memory>

#include <asio/ssl.hpp>

#include "auth.hpp"
#include "trestle/core/result.hpp"

namespace trestle::network::detail {

struct TlsContexts {
  TlsContexts();  // may throw asio::system_error; use make_tls_contexts
  asio::ssl::context server;
  asio::ssl::context client;
};

// Both contexts: TLS 1.3 only, no certificate verification, no session tickets; the server's
// carries a fresh Ed25519 key and a self-signed certificate. Error: kInternal (OpenSSL failed).
Result<std::unique_ptr<TlsContexts>> make_tls_contexts();

// The exporter value (RFC 8446 section 7.5) for kBindingLabel on a finished TLS 1.3 connection.
// Error: kInternal (not TLS 1.3, or OpenSSL failed).
Result<Binding> export_binding(SSL* ssl);

}  // namespace trestle::network::detail
