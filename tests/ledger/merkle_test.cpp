// Merkle roots against RFC 6962's test vectors (SHA-256), proofs for every index of trees of
// 1..70 leaves, tampered proofs, and the block-level inclusion helpers.

#include <catch2/catch.hpp>

#include "test_util.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/hash.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/merkle.hpp"

using namespace trestle;
using namespace trestle::ledger;
using crypto::HashAlgorithm;

namespace {

std::vector<Hash256> leaves_of(HashAlgorithm algorithm, std::size_t n) {
  std::vector<Hash256> leaves;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t data[2] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8)};
    leaves.push_back(merkle_leaf(algorithm, ByteView(data, 2)));
  }
  return leaves;
}

}  // namespace

TEST_CASE("ledger merkle: roots match the RFC 6962 test vectors", "[ledger][merkle]") {
  // The inputs and roots of certificate-transparency's reference tests (SHA-256).
  const std::vector<Bytes> inputs = {
      {},
      {0x00},
      {0x10},
      {0x20, 0x21},
      {0x30, 0x31},
      {0x40, 0x41, 0x42, 0x43},
      {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
      {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f}};
  const char* roots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  std::vector<Hash256> leaves;
  for (std::size_t n = 1; n <= inputs.size(); ++n) {
    leaves.push_back(merkle_leaf(HashAlgorithm::kSha256, inputs[n - 1]));
    INFO(n << " leaves");
    CHECK(to_hex(merkle_root(HashAlgorithm::kSha256, leaves)) == roots[n - 1]);
  }
  CHECK(to_hex(merkle_root(HashAlgorithm::kSha256, {})) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("ledger merkle: leaf and node hashes are domain-separated", "[ledger][merkle]") {
  const Hash256 a = crypto::sm3(as_bytes("a"));
  const Hash256 b = crypto::sm3(as_bytes("b"));
  Bytes leaf_input = {0x00};
  append(leaf_input, as_bytes("x"));
  CHECK(merkle_leaf(HashAlgorithm::kSm3, as_bytes("x")) == crypto::sm3(leaf_input));
  Bytes node_input = {0x01};
  append(node_input, a);
  append(node_input, b);
  CHECK(merkle_node(HashAlgorithm::kSm3, a, b) == crypto::sm3(node_input));
  // An inner node's preimage presented as leaf data does not give the node's hash.
  Bytes concatenated = a.to_vector();
  append(concatenated, b);
  CHECK(merkle_leaf(HashAlgorithm::kSm3, concatenated) != merkle_node(HashAlgorithm::kSm3, a, b));
  // A single leaf is its own root.
  const std::vector<Hash256> one = {a};
  CHECK(merkle_root(HashAlgorithm::kSm3, one) == a);
}

TEST_CASE("ledger merkle: an odd node is promoted, not duplicated (no CVE-2012-2459 twin lists)", "[ledger][merkle]") {
  const auto leaves = leaves_of(HashAlgorithm::kKeccak256, 3);
  const Hash256 promoted =
      merkle_node(HashAlgorithm::kKeccak256, merkle_node(HashAlgorithm::kKeccak256, leaves[0], leaves[1]), leaves[2]);
  CHECK(merkle_root(HashAlgorithm::kKeccak256, leaves) == promoted);
  std::vector<Hash256> doubled = leaves;
  doubled.push_back(leaves[2]);
  CHECK(merkle_root(HashAlgorithm::kKeccak256, doubled) != merkle_root(HashAlgorithm::kKeccak256, leaves));
}

TEST_CASE("ledger merkle: proofs verify for every index of trees of 1..70 leaves", "[ledger][merkle]") {
  const auto all = leaves_of(HashAlgorithm::kSm3, 70);
  for (std::size_t n = 1; n <= all.size(); ++n) {
    const std::span<const Hash256> leaves(all.data(), n);
    const Hash256 root = merkle_root(HashAlgorithm::kSm3, leaves);
    std::size_t depth = 0;
    while ((std::size_t{1} << depth) < n) ++depth;
    for (std::size_t i = 0; i < n; ++i) {
      auto proof = merkle_proof(HashAlgorithm::kSm3, leaves, i);
      REQUIRE(proof.ok());
      INFO(n << " leaves, index " << i);
      CHECK(proof->siblings.size() <= depth);
      CHECK(verify_proof(HashAlgorithm::kSm3, root, leaves[i], proof.value()));
      // The proof does not place any other leaf there.
      if (n > 1) CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, leaves[(i + 1) % n], proof.value()));
      // Round trip through the encoding.
      CHECK(MerkleProof::decode(proof->encode(), Limits()).value() == proof.value());
    }
    CHECK(merkle_proof(HashAlgorithm::kSm3, leaves, n).error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("ledger merkle: tampered proofs fail", "[ledger][merkle]") {
  const auto leaves = leaves_of(HashAlgorithm::kSm3, 11);
  const Hash256 root = merkle_root(HashAlgorithm::kSm3, leaves);
  for (std::uint64_t index : {0u, 5u, 9u, 10u}) {
    INFO("index " << index);
    const MerkleProof proof = merkle_proof(HashAlgorithm::kSm3, leaves, index).value();
    REQUIRE(verify_proof(HashAlgorithm::kSm3, root, leaves[index], proof));
    for (std::size_t s = 0; s < proof.siblings.size(); ++s) {
      MerkleProof flipped = proof;
      flipped.siblings[s][0] ^= 1;
      CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, leaves[index], flipped));
    }
    MerkleProof shorter = proof;
    shorter.siblings.pop_back();
    CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, leaves[index], shorter));
    MerkleProof longer = proof;
    longer.siblings.push_back(root);
    CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, leaves[index], longer));
    MerkleProof moved = proof;
    moved.leaf_index = index ^ 1;
    CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, leaves[index], moved));
    // verify_proof cannot tell every other tree size apart (index 0 has the same path in trees of
    // 11 and 12 leaves): the size must come from a trusted source, e.g. header.tx_count.
    for (std::uint64_t size : {std::uint64_t{0}, index, std::uint64_t{3}}) {
      MerkleProof resized = proof;
      resized.tree_size = size;
      CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, leaves[index], resized));
    }
    Hash256 other_root = root;
    other_root[31] ^= 1;
    CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, other_root, leaves[index], proof));
    // A leaf's data presented as an already-hashed leaf does not verify.
    CHECK_FALSE(verify_proof(HashAlgorithm::kSm3, root, merkle_leaf(HashAlgorithm::kSm3, leaves[index]), proof));
  }
  // One leaf: the proof is empty and the leaf is the root.
  const std::vector<Hash256> one = {leaves[0]};
  const MerkleProof single = merkle_proof(HashAlgorithm::kSm3, one, 0).value();
  CHECK(single.siblings.empty());
  CHECK(verify_proof(HashAlgorithm::kSm3, leaves[0], leaves[0], single));
}

TEST_CASE("ledger merkle: transaction and receipt inclusion against a header", "[ledger][merkle]") {
  const auto& suite = crypto::CryptoSuite::sm();
  const auto key = test::test_key(suite, 1);
  std::vector<Transaction> txs;
  for (std::uint64_t i = 0; i < 5; ++i) txs.push_back(test::signed_tx(suite, key, i, 10));
  const test::BuiltBlock built = test::build_block(suite, std::nullopt, txs);
  const BlockHeader& header = built.block.header;
  for (std::uint64_t i = 0; i < txs.size(); ++i) {
    const MerkleProof tx_proof = merkle_proof(suite, transaction_leaves(suite, txs), i).value();
    const MerkleProof receipt_proof = merkle_proof(suite, receipt_leaves(suite, built.receipts), i).value();
    CHECK(verify_transaction_inclusion(suite, header, txs[i], tx_proof));
    CHECK(verify_receipt_inclusion(suite, header, built.receipts[i], receipt_proof));
    CHECK_FALSE(verify_transaction_inclusion(suite, header, txs[(i + 1) % txs.size()], tx_proof));
    // The leaf covers the signature: a transaction with another signature is not in the block.
    Transaction resigned = txs[i];
    resigned.signature[0] ^= 1;
    CHECK_FALSE(verify_transaction_inclusion(suite, header, resigned, tx_proof));
    Receipt changed = built.receipts[i];
    changed.status = 1;
    CHECK_FALSE(verify_receipt_inclusion(suite, header, changed, receipt_proof));
    // The header fixes the tree size.
    BlockHeader other_count = header;
    other_count.tx_count = 6;
    CHECK_FALSE(verify_transaction_inclusion(suite, other_count, txs[i], tx_proof));
  }
  CHECK(transaction_root(suite, {}) == suite.hash(ByteView()));
}
