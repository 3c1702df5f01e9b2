#include "trestle/crypto/keys.hpp"

#include <algorithm>

#include "curves.hpp"
#include "key_factory.hpp"
#include "trestle/crypto/random.hpp"

namespace trestle::crypto {
namespace {

bool scalar_valid(KeyType type, ByteView d32) {
  return type == KeyType::kSm2 ? sm2_curve::private_scalar_valid(d32) : secp256k1_curve::private_scalar_valid(d32);
}

Point64 derive(KeyType type, ByteView d32) {
  return type == KeyType::kSm2 ? sm2_curve::derive_public(d32) : secp256k1_curve::derive_public(d32);
}

}  // namespace

std::string_view key_type_name(KeyType type) { return type == KeyType::kSm2 ? "sm2" : "secp256k1"; }

Result<PublicKey> PublicKey::parse(KeyType type, ByteView encoded) {
  auto point = type == KeyType::kSm2 ? sm2_curve::decode_point(encoded) : secp256k1_curve::decode_point(encoded);
  if (!point.ok()) return point.error();
  return PublicKey(type, point.value());
}

Bytes PublicKey::uncompressed() const {
  Bytes out;
  out.reserve(65);
  out.push_back(0x04);
  out.insert(out.end(), xy_.begin(), xy_.end());
  return out;
}

Bytes PublicKey::compressed() const {
  Bytes out;
  out.reserve(33);
  out.push_back((xy_[63] & 1) ? 0x03 : 0x02);
  out.insert(out.end(), xy_.begin(), xy_.begin() + 32);
  return out;
}

PrivateKey::PrivateKey(KeyType type, const std::array<std::uint8_t, 32>& scalar, const PublicKey& public_key)
    : type_(type), scalar_(scalar), public_key_(public_key) {}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : type_(other.type_), scalar_(other.scalar_), public_key_(other.public_key_) {
  secure_wipe(other.scalar_.data(), other.scalar_.size());
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    type_ = other.type_;
    scalar_ = other.scalar_;
    public_key_ = other.public_key_;
    secure_wipe(other.scalar_.data(), other.scalar_.size());
  }
  return *this;
}

PrivateKey::~PrivateKey() { secure_wipe(scalar_.data(), scalar_.size()); }

Result<PrivateKey> PrivateKey::from_bytes(KeyType type, ByteView scalar) {
  if (scalar.size() != 32) {
    return Error(ErrorCode::kInvalidArgument, "private key must be 32 bytes, got " + std::to_string(scalar.size()));
  }
  if (!scalar_valid(type, scalar)) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string("private key is out of range for ") + std::string(key_type_name(type)));
  }
  std::array<std::uint8_t, 32> d;
  std::copy(scalar.begin(), scalar.end(), d.begin());
  PublicKey pub = PublicKeyFactory::make(type, derive(type, d));
  PrivateKey key(type, d, pub);
  secure_wipe(d.data(), d.size());
  return key;
}

Result<PrivateKey> PrivateKey::generate(KeyType type) {
  // Rejection sampling: a 256-bit draw is out of range with probability below 2^-32 on both curves.
  std::array<std::uint8_t, 32> d;
  for (int attempt = 0; attempt < 64; ++attempt) {
    TRESTLE_TRY_STATUS(fill_random(d));
    if (scalar_valid(type, d)) {
      auto key = from_bytes(type, d);
      secure_wipe(d.data(), d.size());
      return key;
    }
  }
  secure_wipe(d.data(), d.size());
  return Error(ErrorCode::kInternal, "random generator produced no valid private key in 64 draws");
}

}  // namespace trestle::crypto
