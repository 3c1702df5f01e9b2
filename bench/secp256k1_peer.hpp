#pragma once
// libsecp256k1, called directly, as the peer for secp256k1 signing, verification and recovery.
// The operations start from the same serialized inputs Trestle's calls take (a 32-byte secret,
// a 65-byte public key, a 64/65-byte compact signature), so parsing is timed on both sides.

#include <memory>

#include "measure.hpp"
#include "trestle/core/bytes.hpp"

namespace trestle::bench::libsecp256k1 {

class Context;
std::shared_ptr<Context> make_context();

// Recoverable RFC 6979 signature r||s||v of `digest`; `out` receives it once for a cross-check.
Op sign_recoverable(std::shared_ptr<Context> context, const Bytes& secret, const Bytes& digest, Bytes& out);
// Verifies r||s with a 65-byte uncompressed public key.
Op verify(std::shared_ptr<Context> context, const Bytes& public_key, const Bytes& digest, const Bytes& rs);
// Recovers and serializes (uncompressed) the public key from r||s||v.
Op recover(std::shared_ptr<Context> context, const Bytes& digest, const Bytes& rsv);

}  // namespace trestle::bench::libsecp256k1
