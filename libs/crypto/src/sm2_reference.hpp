#pragma once
// The reference SM2 signature code on Crypto++'s generic Integer/ECP arithmetic, written to
// follow the numbered steps of GB/T 32918.2. The public API runs the dedicated code in sm2fast/;
// this stays so that tests can compare the two on every input. Not constant-time.

#include "trestle/crypto/sm2.hpp"

namespace trestle::crypto::sm2::reference {

// Random nonce (rejection-sampled from the OS generator).
Result<Signature> sign_digest(const PrivateKey& key, const Hash256& digest);
bool verify_digest(const PublicKey& key, const Hash256& digest, const Signature& signature);
Result<Signature> sign_digest_with_nonce(const PrivateKey& key, const Hash256& digest, ByteView k);

}  // namespace trestle::crypto::sm2::reference
