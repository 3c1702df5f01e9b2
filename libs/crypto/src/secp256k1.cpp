#include "trestle/crypto/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cstring>

#include "der.hpp"
#include "key_factory.hpp"
#include "secp256k1_context.hpp"

namespace trestle::crypto::secp256k1 {
namespace {

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

bool all_zero(ByteView bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// Parses r || s into libsecp256k1's form. Rejects r or s equal to zero or >= n, and high-S
// (libsecp256k1's parser accepts all three; its verifier rejects them, its recovery does not).
bool parse_low_s(ByteView rs, secp256k1_ecdsa_signature& sig) {
  if (rs.size() != 64 || all_zero(rs.first(32)) || all_zero(rs.last(32))) return false;
  if (secp256k1_ecdsa_signature_parse_compact(secp_context(), &sig, rs.data()) != 1) return false;
  return secp256k1_ecdsa_signature_normalize(secp_context(), nullptr, &sig) == 0;
}

bool parse_public(const PublicKey& key, secp256k1_pubkey& out) {
  if (key.type() != KeyType::kSecp256k1) return false;
  const Bytes point = key.uncompressed();
  return secp256k1_ec_pubkey_parse(secp_context(), &out, point.data(), point.size()) == 1;
}

bool verify_rs(const PublicKey& key, const Hash256& digest, ByteView rs) {
  secp256k1_ecdsa_signature sig;
  secp256k1_pubkey pub;
  if (!parse_low_s(rs, sig) || !parse_public(key, pub)) return false;
  return secp256k1_ecdsa_verify(secp_context(), &sig, digest.data(), &pub) == 1;
}

}  // namespace

Result<RecoverableSignature> RecoverableSignature::from_bytes(ByteView rsv) {
  if (rsv.size() != 65) {
    return invalid("secp256k1 signature must be 65 bytes r||s||v, got " + std::to_string(rsv.size()));
  }
  if (rsv[64] > 1) {
    return invalid("secp256k1 signature recovery id v must be 0 or 1, got " + std::to_string(rsv[64]));
  }
  RecoverableSignature out;
  std::copy(rsv.begin(), rsv.end(), out.bytes.begin());
  return out;
}

Bytes RecoverableSignature::to_der() const { return der::encode_signature(rs().first(32), rs().last(32)); }

Result<RecoverableSignature> sign_digest(const PrivateKey& key, const Hash256& digest) {
  if (key.type() != KeyType::kSecp256k1) {
    return invalid("secp256k1 signing needs a secp256k1 key, got " + std::string(key_type_name(key.type())));
  }
  secp256k1_ecdsa_recoverable_signature sig;
  // A null nonce function selects RFC 6979; libsecp256k1 returns s in the lower half.
  if (secp256k1_ecdsa_sign_recoverable(secp_context(), &sig, digest.data(), key.secret().data(), nullptr, nullptr) !=
      1) {
    return Error(ErrorCode::kInternal, "libsecp256k1 refused to sign");
  }
  RecoverableSignature out;
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(secp_context(), out.bytes.data(), &recid, &sig);
  if (recid < 0 || recid > 1) {
    return Error(ErrorCode::kInternal, "signature nonce point has x >= n; its recovery id does not fit v");
  }
  out.bytes[64] = static_cast<std::uint8_t>(recid);
  return out;
}

bool verify_digest(const PublicKey& key, const Hash256& digest, ByteView signature) {
  if (signature.size() == 64) return verify_rs(key, digest, signature);
  if (signature.size() != 65 || key.type() != KeyType::kSecp256k1) return false;
  // A key recovered with the given v equals `key` exactly when (r, s) verifies under `key` and v
  // is its recovery id; checking this pins v.
  auto recovered = recover(digest, signature);
  return recovered.ok() && recovered.value() == key;
}

bool verify_digest_der(const PublicKey& key, const Hash256& digest, ByteView der) {
  auto rs = der::decode_signature(der);
  if (!rs.ok()) return false;
  std::array<std::uint8_t, 64> compact;
  std::copy(rs->first.begin(), rs->first.end(), compact.begin());
  std::copy(rs->second.begin(), rs->second.end(), compact.begin() + 32);
  return verify_rs(key, digest, compact);
}

Result<PublicKey> recover(const Hash256& digest, ByteView rsv) {
  TRESTLE_TRY(RecoverableSignature parsed, RecoverableSignature::from_bytes(rsv));
  secp256k1_ecdsa_signature plain;
  if (!parse_low_s(parsed.rs(), plain)) {
    return invalid("secp256k1 signature has r or s zero, >= n, or s in the upper half");
  }
  secp256k1_ecdsa_recoverable_signature sig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(secp_context(), &sig, parsed.bytes.data(), parsed.v()) != 1) {
    return invalid("secp256k1 signature does not parse");
  }
  secp256k1_pubkey pub;
  if (secp256k1_ecdsa_recover(secp_context(), &pub, &sig, digest.data()) != 1) {
    return invalid("secp256k1 signature recovers no public key");
  }
  std::uint8_t point[65];
  std::size_t point_size = sizeof(point);
  secp256k1_ec_pubkey_serialize(secp_context(), point, &point_size, &pub, SECP256K1_EC_UNCOMPRESSED);
  std::array<std::uint8_t, 64> xy;
  std::memcpy(xy.data(), point + 1, 64);
  return PublicKeyFactory::make(KeyType::kSecp256k1, xy);
}

}  // namespace trestle::crypto::secp256k1
