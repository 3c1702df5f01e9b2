#pragma once

struct secp256k1_context_struct;

namespace trestle::crypto {

// The process-wide libsecp256k1 context, created and randomized (side-channel blinding) on first
// use. It is immutable afterwards, so concurrent signing and verification through it are safe.
const secp256k1_context_struct* secp_context();

}  // namespace trestle::crypto
