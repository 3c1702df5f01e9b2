#include "trestle/ledger/merkle.hpp"

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"

namespace trestle::ledger {

namespace {

constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

Hash256 node(crypto::Hasher& hasher, const Hash256& left, const Hash256& right) {
  const std::uint8_t prefix = kNodePrefix;
  return hasher.update(ByteView(&prefix, 1)).update(left).update(right).finish();
}

// Replaces level[0, n) by the next level up, in place; returns its size.
std::size_t reduce_level(crypto::Hasher& hasher, std::vector<Hash256>& level, std::size_t n) {
  std::size_t out = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) level[out++] = node(hasher, level[i], level[i + 1]);
  if (n % 2 == 1) level[out++] = level[n - 1];  // promoted unpaired, never duplicated
  return out;
}

}  // namespace

Hash256 merkle_leaf(crypto::Hasher& hasher, ByteView data) {
  const std::uint8_t prefix = kLeafPrefix;
  return hasher.update(ByteView(&prefix, 1)).update(data).finish();
}

Hash256 merkle_leaf(crypto::HashAlgorithm algorithm, ByteView data) {
  crypto::Hasher hasher(algorithm);
  return merkle_leaf(hasher, data);
}

Hash256 merkle_node(crypto::HashAlgorithm algorithm, const Hash256& left, const Hash256& right) {
  crypto::Hasher hasher(algorithm);
  return node(hasher, left, right);
}

Hash256 merkle_root(crypto::HashAlgorithm algorithm, std::span<const Hash256> leaves) {
  if (leaves.empty()) return crypto::hash(algorithm, ByteView());
  crypto::Hasher hasher(algorithm);
  std::vector<Hash256> level(leaves.begin(), leaves.end());
  std::size_t n = level.size();
  while (n > 1) n = reduce_level(hasher, level, n);
  return level[0];
}

Result<MerkleProof> merkle_proof(crypto::HashAlgorithm algorithm, std::span<const Hash256> leaves,
                                 std::uint64_t index) {
  if (index >= leaves.size()) {
    return detail::invalid("Merkle proof index " + std::to_string(index) + " is out of range for " +
                           std::to_string(leaves.size()) + " leaves");
  }
  crypto::Hasher hasher(algorithm);
  MerkleProof proof;
  proof.leaf_index = index;
  proof.tree_size = leaves.size();
  std::vector<Hash256> level(leaves.begin(), leaves.end());
  std::size_t n = level.size();
  std::size_t i = static_cast<std::size_t>(index);
  while (n > 1) {
    if (i % 2 == 1) {
      proof.siblings.push_back(level[i - 1]);
    } else if (i + 1 < n) {
      proof.siblings.push_back(level[i + 1]);
    }
    n = reduce_level(hasher, level, n);
    i /= 2;
  }
  return proof;
}

bool verify_proof(crypto::HashAlgorithm algorithm, const Hash256& root, const Hash256& leaf, const MerkleProof& proof) {
  if (proof.tree_size == 0 || proof.leaf_index >= proof.tree_size) return false;
  crypto::Hasher hasher(algorithm);
  Hash256 current = leaf;
  std::uint64_t i = proof.leaf_index;
  std::uint64_t n = proof.tree_size;
  std::size_t used = 0;
  while (n > 1) {
    if (i % 2 == 1 || i + 1 < n) {
      if (used == proof.siblings.size()) return false;
      const Hash256& sibling = proof.siblings[used++];
      current = (i % 2 == 1) ? node(hasher, sibling, current) : node(hasher, current, sibling);
    }
    i /= 2;
    n = n / 2 + n % 2;
  }
  return used == proof.siblings.size() && current == root;
}

Bytes MerkleProof::encode() const {
  Writer writer(24 + siblings.size() * 32);
  writer.u64(leaf_index).u64(tree_size).varint(siblings.size());
  for (const auto& sibling : siblings) writer.fixed(sibling);
  return writer.take();
}

Result<MerkleProof> MerkleProof::decode(ByteView encoded, const Limits& limits) {
  Reader reader(encoded);
  MerkleProof proof;
  TRESTLE_TRY(proof.leaf_index, detail::in_context(reader.u64(), "Merkle proof leaf index"));
  TRESTLE_TRY(proof.tree_size, detail::in_context(reader.u64(), "Merkle proof tree size"));
  if (proof.tree_size == 0 || proof.leaf_index >= proof.tree_size) {
    return detail::invalid("Merkle proof leaf index " + std::to_string(proof.leaf_index) +
                           " is out of range for a tree of " + std::to_string(proof.tree_size) + " leaves");
  }
  TRESTLE_TRY(std::uint64_t count,
              detail::in_context(reader.count(limits.merkle_proof_depth_max), "Merkle proof siblings"));
  proof.siblings.resize(static_cast<std::size_t>(count));
  for (auto& sibling : proof.siblings) {
    TRESTLE_TRY(sibling, detail::in_context(reader.fixed<32>(), "Merkle proof sibling"));
  }
  TRESTLE_TRY_STATUS(detail::in_context(reader.finish(), "Merkle proof"));
  return proof;
}

}  // namespace trestle::ledger
