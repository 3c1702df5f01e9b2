#pragma once
// Elliptic-curve keys for the two curves Trestle signs with: SM2's recommended curve
// (GB/T 32918.5, OID 1.2.156.10197.1.301) and secp256k1 (OID 1.3.132.0.10).
//
// PrivateKey is a secret: move-only, no comparison, no printing, wiped on destruction.
// PublicKey is a validated point (never the point at infinity, always on its curve).

#include <array>
#include <string>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::crypto {

enum class KeyType { kSm2, kSecp256k1 };

// "sm2", "secp256k1".
std::string_view key_type_name(KeyType type);

class PublicKey {
 public:
  // Parses a point: 65 bytes 04||x||y, 64 bytes x||y or 33 bytes 02/03||x (compressed).
  // Errors (kInvalidArgument): wrong length or prefix, coordinates >= p, point not on the curve.
  static Result<PublicKey> parse(KeyType type, ByteView encoded);

  KeyType type() const { return type_; }
  // x || y, 32 bytes each, big-endian.
  const std::array<std::uint8_t, 64>& xy() const { return xy_; }
  ByteView x() const { return ByteView(xy_).first(32); }
  ByteView y() const { return ByteView(xy_).last(32); }
  // 04 || x || y.
  Bytes uncompressed() const;
  // 02/03 || x.
  Bytes compressed() const;

  friend bool operator==(const PublicKey&, const PublicKey&) = default;

 private:
  PublicKey(KeyType type, const std::array<std::uint8_t, 64>& xy) : type_(type), xy_(xy) {}
  friend class PublicKeyFactory;

  KeyType type_;
  std::array<std::uint8_t, 64> xy_;
};

class PrivateKey {
 public:
  // Draws a uniformly random valid key from the operating system's generator.
  static Result<PrivateKey> generate(KeyType type);
  // A 32-byte big-endian scalar d with 1 <= d < n (SM2: 1 <= d < n - 1, as GB/T 32918 requires).
  // Errors: kInvalidArgument for a wrong length or out-of-range scalar.
  static Result<PrivateKey> from_bytes(KeyType type, ByteView scalar);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  KeyType type() const { return type_; }
  const PublicKey& public_key() const { return public_key_; }

  // The secret scalar, for signing code and key export only. Never log it.
  ByteView secret() const { return ByteView(scalar_); }

 private:
  PrivateKey(KeyType type, const std::array<std::uint8_t, 32>& scalar, const PublicKey& public_key);

  KeyType type_;
  std::array<std::uint8_t, 32> scalar_;
  PublicKey public_key_;
};

// PEM, readable and writable by OpenSSL 3.
//
// Export: PKCS#8 "PRIVATE KEY" (an ECPrivateKey with the public key inside, algorithm
// id-ecPublicKey with the named-curve OID). Import: PKCS#8 "PRIVATE KEY" or SEC1
// "EC PRIVATE KEY" for either curve; the curve is read from the file. Errors
// (kInvalidArgument): not PEM, unknown label, bad DER, unsupported curve or explicit
// parameters, a scalar out of range, or an embedded public key that does not match.
std::string private_key_to_pem(const PrivateKey& key);
Result<PrivateKey> private_key_from_pem(std::string_view pem);

// SubjectPublicKeyInfo "PUBLIC KEY", uncompressed point.
std::string public_key_to_pem(const PublicKey& key);
Result<PublicKey> public_key_from_pem(std::string_view pem);

}  // namespace trestle::crypto
