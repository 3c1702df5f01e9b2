#pragma once
// Binary Merkle trees over the suite hash, with inclusion proofs.
//
// Rules (the same tree as RFC 6962's Merkle Tree Hash, with the chain's hash function):
//   leaf hash    H(0x00 || data)                    merkle_leaf
//   inner node   H(0x01 || left || right)           merkle_node
//   odd count    the last node of a level is promoted unchanged to the next level; it is never
//                paired with a copy of itself (duplication lets two lists share a root, the
//                flaw of CVE-2012-2459)
//   empty tree   H() -- the hash of the empty string
// The distinct prefixes keep a leaf from passing as an inner node and the reverse.
//
// A block's tx root has one leaf per transaction, data = its encoding; the receipt root one leaf
// per receipt, data = its encoding (inclusion.hpp has the block-level helpers).
//
// Proof encoding: u64 leaf_index, u64 tree_size, varint sibling count
// (<= Limits::merkle_proof_depth_max), then the siblings (32 bytes each) from the leaf level up.
// Only the siblings that exist are listed: a promoted node has none on that level.

#include <cstdint>
#include <span>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"

namespace trestle::ledger {

struct MerkleProof {
  std::uint64_t leaf_index = 0;
  std::uint64_t tree_size = 0;
  std::vector<Hash256> siblings;

  Bytes encode() const;
  // Strict. Errors: kInvalidArgument (malformed, trailing bytes, tree_size 0 or
  // leaf_index >= tree_size), kLimitExceeded (too many siblings).
  static Result<MerkleProof> decode(ByteView encoded, const Limits& limits);

  friend bool operator==(const MerkleProof&, const MerkleProof&) = default;
};

// The functions taking a HashAlgorithm exist for tests against RFC 6962 vectors (SHA-256) and for
// tools; ledger code passes the chain's suite.
Hash256 merkle_leaf(crypto::HashAlgorithm algorithm, ByteView data);
// The same with a caller's hasher (of the tree's algorithm), to hash many leaves without
// creating a hasher for each.
Hash256 merkle_leaf(crypto::Hasher& hasher, ByteView data);
Hash256 merkle_node(crypto::HashAlgorithm algorithm, const Hash256& left, const Hash256& right);
// Root over leaf hashes (outputs of merkle_leaf), in order.
Hash256 merkle_root(crypto::HashAlgorithm algorithm, std::span<const Hash256> leaves);
// Proof that leaves[index] is in the tree. Error: kInvalidArgument when index >= leaves.size().
Result<MerkleProof> merkle_proof(crypto::HashAlgorithm algorithm, std::span<const Hash256> leaves, std::uint64_t index);
// True when `proof` leads from `leaf` (a leaf hash) to `root`. False for any malformed proof:
// index out of range, missing or surplus siblings.
bool verify_proof(crypto::HashAlgorithm algorithm, const Hash256& root, const Hash256& leaf, const MerkleProof& proof);

inline Hash256 merkle_leaf(const crypto::CryptoSuite& suite, ByteView data) {
  return merkle_leaf(suite.hash_algorithm(), data);
}
inline Hash256 merkle_root(const crypto::CryptoSuite& suite, std::span<const Hash256> leaves) {
  return merkle_root(suite.hash_algorithm(), leaves);
}
inline Result<MerkleProof> merkle_proof(const crypto::CryptoSuite& suite, std::span<const Hash256> leaves,
                                        std::uint64_t index) {
  return merkle_proof(suite.hash_algorithm(), leaves, index);
}
inline bool verify_proof(const crypto::CryptoSuite& suite, const Hash256& root, const Hash256& leaf,
                         const MerkleProof& proof) {
  return verify_proof(suite.hash_algorithm(), root, leaf, proof);
}

}  // namespace trestle::ledger
