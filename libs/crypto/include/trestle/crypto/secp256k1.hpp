#pragma once
// ECDSA on secp256k1 through libsecp256k1: RFC 6979 deterministic signing, low-S signatures
// only, and public-key recovery. Keys are PrivateKey / PublicKey of KeyType::kSecp256k1.
//
// Every valid signature has exactly one accepted encoding (low-S, canonical v), so signature
// bytes can be hashed into transaction ids without malleability.

#include <array>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"

namespace trestle::crypto::secp256k1 {

// r || s || v: 32 + 32 bytes big-endian, and the recovery id v in {0, 1}.
struct RecoverableSignature {
  std::array<std::uint8_t, 65> bytes{};

  ByteView rs() const { return ByteView(bytes).first(64); }
  std::uint8_t v() const { return bytes[64]; }
  // Parses 65 bytes r||s||v with v in {0, 1}; range checks happen on verify and recover.
  // Error: kInvalidArgument.
  static Result<RecoverableSignature> from_bytes(ByteView rsv);
  // DER: SEQUENCE { INTEGER r, INTEGER s } (v is dropped).
  Bytes to_der() const;
};

// Signs a 32-byte digest deterministically (RFC 6979); s is always in the lower half.
// Errors: kInvalidArgument for a non-secp256k1 key; kInternal in the ~2^-128 case where the
// nonce point's x exceeds n (its recovery id would not fit v in {0, 1}).
Result<RecoverableSignature> sign_digest(const PrivateKey& key, const Hash256& digest);

// Verifies a 64-byte r||s or a 65-byte r||s||v. False on any malformed input, r or s zero or
// >= n, a high-S signature (s > n/2, as Bitcoin and Ethereum require), a non-secp256k1 key, and
// for 65 bytes also a v that is not the recovery id of `key` (so v cannot be flipped).
bool verify_digest(const PublicKey& key, const Hash256& digest, ByteView signature);
// Verifies a DER signature (strict DER: minimal lengths and INTEGERs, no trailing bytes;
// high-S rejected).
bool verify_digest_der(const PublicKey& key, const Hash256& digest, ByteView der);

// Recovers the signer's key from a 65-byte r||s||v. Error: kInvalidArgument when the signature
// is malformed (length, v not in {0, 1}, r or s zero or >= n), high-S, or recovers no point.
Result<PublicKey> recover(const Hash256& digest, ByteView rsv);

}  // namespace trestle::crypto::secp256k1
