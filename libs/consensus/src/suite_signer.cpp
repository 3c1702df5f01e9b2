#include <exception>
#include <string>
#include <utility>

#include "trestle/consensus/signer.hpp"

namespace trestle::consensus {
namespace {

class SuiteSigner final : public Signer {
 public:
  SuiteSigner(const crypto::CryptoSuite& suite, crypto::PrivateKey key, std::vector<crypto::PublicKey> sealers)
      : suite_(suite), key_(std::move(key)), sealers_(std::move(sealers)) {}

  Bytes sign(ByteView message) override {
    // The key's curve was checked by the factory, so signing cannot fail but for lack of memory;
    // an empty signature then fails verification at every peer.
    auto signature = suite_.sign(key_, message);
    return signature.ok() ? std::move(signature).value() : Bytes{};
  }

  bool verify(NodeIndex signer, ByteView message, ByteView signature) const override {
    if (signer >= sealers_.size() || signature.size() > kSignatureMaxBytes) return false;
    return suite_.verify(sealers_[signer], message, signature);
  }

 private:
  const crypto::CryptoSuite& suite_;
  crypto::PrivateKey key_;
  std::vector<crypto::PublicKey> sealers_;
};

}  // namespace

Result<std::unique_ptr<Signer>> make_suite_signer(const crypto::CryptoSuite& suite, crypto::PrivateKey key,
                                                  NodeIndex self, std::vector<crypto::PublicKey> sealers) {
  if (sealers.size() > kSealerCountMax) {
    return Error(ErrorCode::kLimitExceeded, "sealer set: more than " + std::to_string(kSealerCountMax) + " sealers");
  }
  if (self >= sealers.size()) {
    return Error(ErrorCode::kInvalidArgument, "sealer set: this node's index " + std::to_string(self) +
                                                  " is outside the " + std::to_string(sealers.size()) + " sealers");
  }
  if (key.type() != suite.key_type()) {
    return Error(ErrorCode::kInvalidArgument, "node key: not a key of the " + std::string(suite.name()) + " suite");
  }
  for (std::size_t i = 0; i < sealers.size(); ++i) {
    if (sealers[i].type() != suite.key_type()) {
      return Error(ErrorCode::kInvalidArgument, "sealer set: key " + std::to_string(i) + " is not a key of the " +
                                                    std::string(suite.name()) + " suite");
    }
  }
  if (!(sealers[self] == key.public_key())) {
    return Error(ErrorCode::kInvalidArgument,
                 "sealer set: key " + std::to_string(self) + " is not this node's public key");
  }
  return std::unique_ptr<Signer>(std::make_unique<SuiteSigner>(suite, std::move(key), std::move(sealers)));
}

}  // namespace trestle::consensus
