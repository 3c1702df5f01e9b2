#pragma once
// Signer: signs as this node and verifies any sealer's signature.
//
// A node uses make_suite_signer (the chain's CryptoSuite and the sealers' public keys); the
// simulator uses a fast keyed-hash signer that is still unforgeable inside a simulation.

#include <cstdint>
#include <memory>
#include <vector>

#include "trestle/consensus/types.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::consensus {

class Signer {
 public:
  virtual ~Signer() = default;
  // This node's signature over `message`. Never fails for a signer built by a factory here.
  virtual Bytes sign(ByteView message) = 0;
  // False for any malformed signature or an index outside the sealer set; never throws.
  virtual bool verify(NodeIndex signer, ByteView message, ByteView signature) const = 0;
};

// Signs with `key` (the suite signs the message as CryptoSuite::sign describes). `sealers[i]` is
// sealer i's public key. Errors: kInvalidArgument when a key is of the wrong curve for the suite,
// when `self` is out of range or `sealers[self]` is not `key`'s public key; kLimitExceeded for more
// than kSealerCountMax sealers. The suite must outlive the signer.
Result<std::unique_ptr<Signer>> make_suite_signer(const crypto::CryptoSuite& suite, crypto::PrivateKey key,
                                                  NodeIndex self, std::vector<crypto::PublicKey> sealers);

}  // namespace trestle::consensus
