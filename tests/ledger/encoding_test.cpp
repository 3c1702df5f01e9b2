// Canonical encodings: byte layouts written out by hand, round trips, and malformed input for
// every decoder (truncations, trailing bytes, single-byte mutations, limits).

#include <catch2/catch.hpp>

#include <functional>

#include "test_util.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/ledger/block.hpp"
#include "trestle/ledger/merkle.hpp"
#include "trestle/ledger/receipt.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/ledger/write_set.hpp"

using namespace trestle;
using namespace trestle::ledger;

namespace {

Bytes hex(std::string_view text) { return from_hex(text).value(); }

// The properties every strict decoder must have, checked on one valid encoding:
// it round-trips; every proper prefix and one extra byte are errors; and any single-byte change
// either fails or decodes to a value whose encoding is exactly the changed bytes (one encoding per
// value). `decode` returns the re-encoding, or nullopt on error.
void check_strict(const Bytes& encoded, const std::function<std::optional<Bytes>(ByteView)>& decode) {
  auto again = decode(encoded);
  REQUIRE(again.has_value());
  REQUIRE(*again == encoded);
  for (std::size_t n = 0; n < encoded.size(); ++n) {
    INFO("prefix of " << n << " bytes");
    CHECK_FALSE(decode(ByteView(encoded).first(n)).has_value());
  }
  Bytes longer = encoded;
  longer.push_back(0);
  CHECK_FALSE(decode(longer).has_value());
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      Bytes mutated = encoded;
      mutated[i] ^= flip;
      auto result = decode(mutated);
      if (result.has_value()) {
        INFO("byte " << i << " xor " << int(flip));
        CHECK(*result == mutated);
      }
    }
  }
}

template <typename T>
std::function<std::optional<Bytes>(ByteView)> decoder_of(const Limits& limits) {
  return [limits](ByteView bytes) -> std::optional<Bytes> {
    auto decoded = T::decode(bytes, limits);
    if (!decoded.ok()) return std::nullopt;
    return decoded->encode();
  };
}

Transaction sample_tx() {
  Transaction tx;
  tx.chain_id = "c1";
  tx.group_id = "g";
  tx.nonce = {0x07};
  tx.block_limit = 0x0102;
  tx.target = Address::copy_of(Bytes(20, 0x11));
  tx.payload = {0xde, 0xad};
  tx.timestamp_ms = 5;
  tx.signature = {0xaa, 0xbb};
  return tx;
}

Receipt sample_receipt() {
  Receipt receipt;
  receipt.tx_hash = Hash256::copy_of(Bytes(32, 0x33));
  receipt.status = 7;
  receipt.output = {0x01};
  LogEntry log;
  log.address = Address::copy_of(Bytes(20, 0x44));
  log.topics = {Hash256::copy_of(Bytes(32, 0x55))};
  log.data = {0x66, 0x67};
  receipt.logs = {log};
  receipt.height = 9;
  return receipt;
}

BlockHeader sample_header() {
  BlockHeader header;
  header.parent_hash = Hash256::copy_of(Bytes(32, 0x01));
  header.height = 3;
  header.timestamp_ms = 4;
  header.proposer_index = 2;
  header.tx_count = 1;
  header.tx_root = Hash256::copy_of(Bytes(32, 0x02));
  header.receipt_root = Hash256::copy_of(Bytes(32, 0x03));
  header.state_root = Hash256::copy_of(Bytes(32, 0x04));
  header.sealer_set_hash = Hash256::copy_of(Bytes(32, 0x05));
  header.certificate = {SealerSignature{1, {0xa1}}, SealerSignature{4, {0xa4, 0xa5}}};
  return header;
}

std::string repeat(std::string_view byte_hex, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += byte_hex;
  return out;
}

}  // namespace

TEST_CASE("ledger encoding: transaction byte layout", "[ledger][encoding]") {
  const Transaction tx = sample_tx();
  const std::string unsigned_hex =
      "01"
      "0263"
      "31"
      "0167"
      "0107"
      "0000000000000102"
      "01" +
      repeat("11", 20) +
      "02dead"
      "0000000000000005"
      "00";
  CHECK(to_hex(tx.signing_bytes()) == unsigned_hex);
  CHECK(to_hex(tx.encode()) == unsigned_hex + "02aabb");
  Transaction no_target = tx;
  no_target.target.reset();
  CHECK(to_hex(no_target.signing_bytes()) ==
        "01"
        "0263"
        "31"
        "0167"
        "0107"
        "0000000000000102"
        "00"
        "02dead"
        "0000000000000005"
        "00");
}

TEST_CASE("ledger encoding: transaction hash covers everything but the signature", "[ledger][encoding]") {
  const auto& suite = crypto::CryptoSuite::sm();
  Transaction tx = sample_tx();
  CHECK(tx.hash(suite) == suite.hash(tx.signing_bytes()));
  Transaction other_signature = tx;
  other_signature.signature = {0x01};
  CHECK(other_signature.hash(suite) == tx.hash(suite));
  Transaction other_nonce = tx;
  other_nonce.nonce = {0x08};
  CHECK(other_nonce.hash(suite) != tx.hash(suite));
  CHECK(tx.hash(crypto::CryptoSuite::ecdsa()) == crypto::keccak256(tx.signing_bytes()));
}

TEST_CASE("ledger encoding: transaction round trip and strict decoding", "[ledger][encoding][malformed]") {
  const Limits limits;
  for (std::size_t sender_size : {0, 20, 64}) {
    INFO("sender of " << sender_size << " bytes");
    Transaction tx = sample_tx();
    tx.sender = Bytes(sender_size, 0x09);
    check_strict(tx.encode(), decoder_of<Transaction>(limits));
    CHECK(Transaction::decode(tx.encode(), limits).value() == tx);
    CHECK(tx.validate(limits).ok());
  }
}

TEST_CASE("ledger encoding: malformed transactions are rejected with the right code", "[ledger][encoding][malformed]") {
  const Limits limits;
  const Bytes good = sample_tx().encode();
  auto code_of = [&](const Bytes& bytes, const Limits& with = Limits()) {
    auto result = Transaction::decode(bytes, with);
    REQUIRE_FALSE(result.ok());
    return result.error().code();
  };

  Bytes version = good;
  version[0] = 2;
  CHECK(code_of(version) == ErrorCode::kUnsupported);

  Transaction empty_nonce = sample_tx();
  empty_nonce.nonce.clear();
  CHECK(code_of(empty_nonce.encode()) == ErrorCode::kInvalidArgument);
  CHECK(empty_nonce.validate(limits).error().code() == ErrorCode::kInvalidArgument);

  Transaction long_nonce = sample_tx();
  long_nonce.nonce = Bytes(33, 1);
  CHECK(code_of(long_nonce.encode()) == ErrorCode::kLimitExceeded);
  CHECK(long_nonce.validate(limits).error().code() == ErrorCode::kLimitExceeded);

  for (std::size_t sender_size : {1, 19, 21, 33, 63}) {
    INFO("sender of " << sender_size << " bytes");
    Transaction odd_sender = sample_tx();
    odd_sender.sender = Bytes(sender_size, 2);
    CHECK(code_of(odd_sender.encode()) == ErrorCode::kInvalidArgument);
    CHECK(odd_sender.validate(limits).error().code() == ErrorCode::kInvalidArgument);
  }
  Transaction long_sender = sample_tx();
  long_sender.sender = Bytes(65, 2);
  CHECK(code_of(long_sender.encode()) == ErrorCode::kLimitExceeded);

  // has_target is a strict boolean.
  Bytes flag = good;
  const std::size_t flag_at = 1 + 3 + 2 + 2 + 8;
  REQUIRE(flag[flag_at] == 1);
  flag[flag_at] = 2;
  CHECK(code_of(flag) == ErrorCode::kInvalidArgument);

  // Non-minimal varint length for the chain id: 0x82 0x00 instead of 0x02.
  Bytes overlong =
      hex("018200"
          "6331");
  append(overlong, ByteView(good).subspan(4));
  CHECK(code_of(overlong) == ErrorCode::kInvalidArgument);

  // A huge declared payload length is refused before any allocation.
  Bytes huge(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(flag_at + 21));
  huge.insert(huge.end(), {0xff, 0xff, 0xff, 0xff, 0x0f});
  CHECK(code_of(huge) == ErrorCode::kLimitExceeded);

  Limits small;
  small.tx_size_max_bytes = good.size() - 1;
  CHECK(code_of(good, small) == ErrorCode::kLimitExceeded);
  CHECK(sample_tx().validate(small).error().code() == ErrorCode::kLimitExceeded);
  small.tx_size_max_bytes = good.size();
  CHECK(Transaction::decode(good, small).ok());
  CHECK(sample_tx().validate(small).ok());

  Limits short_ids;
  short_ids.chain_id_max_bytes = 1;
  CHECK(code_of(good, short_ids) == ErrorCode::kLimitExceeded);
  CHECK(code_of(Bytes()) == ErrorCode::kInvalidArgument);
}

TEST_CASE("ledger encoding: receipt byte layout, round trip and malformed input", "[ledger][encoding][malformed]") {
  const Limits limits;
  const Receipt receipt = sample_receipt();
  CHECK(to_hex(receipt.encode()) == "01" + repeat("33", 32) +
                                        "00000007"
                                        "0101"
                                        "01" +
                                        repeat("44", 20) + "01" + repeat("55", 32) +
                                        "026667"
                                        "0000000000000009");
  check_strict(receipt.encode(), decoder_of<Receipt>(limits));
  CHECK(Receipt::decode(receipt.encode(), limits).value() == receipt);
  CHECK(receipt.hash(crypto::CryptoSuite::sm()) == crypto::sm3(receipt.encode()));

  Limits few_topics;
  few_topics.log_topic_count_max = 0;
  CHECK(Receipt::decode(receipt.encode(), few_topics).error().code() == ErrorCode::kLimitExceeded);
  CHECK(receipt.validate(few_topics).error().code() == ErrorCode::kLimitExceeded);

  // A log count of 2^32 must fail on the limit, not try to allocate.
  const Bytes encoded = receipt.encode();
  Bytes many_logs(encoded.begin(), encoded.begin() + 1 + 32 + 4 + 2);
  many_logs.insert(many_logs.end(), {0x80, 0x80, 0x80, 0x80, 0x10});
  CHECK(Receipt::decode(many_logs, limits).error().code() == ErrorCode::kLimitExceeded);

  Receipt big = receipt;
  big.output = Bytes(limits.receipt_output_max_bytes + 1, 0);
  CHECK(Receipt::decode(big.encode(), limits).error().code() == ErrorCode::kLimitExceeded);
  CHECK(big.validate(limits).error().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("ledger encoding: block header byte layout and hash", "[ledger][encoding]") {
  const BlockHeader header = sample_header();
  const std::string signing = "01" + repeat("01", 32) +
                              "0000000000000003"
                              "0000000000000004"
                              "00000002"
                              "00000001" +
                              repeat("02", 32) + repeat("03", 32) + repeat("04", 32) + repeat("05", 32);
  CHECK(to_hex(header.signing_bytes()) == signing);
  CHECK(to_hex(header.encode()) == signing +
                                       "02"
                                       "00000001"
                                       "01a1"
                                       "00000004"
                                       "02a4a5");
  const auto& suite = crypto::CryptoSuite::ecdsa();
  CHECK(header.hash(suite) == crypto::keccak256(header.signing_bytes()));
  BlockHeader unsealed = header;
  unsealed.certificate.clear();
  CHECK(unsealed.hash(suite) == header.hash(suite));
}

TEST_CASE("ledger encoding: block header strict decoding", "[ledger][encoding][malformed]") {
  const Limits limits;
  const BlockHeader header = sample_header();
  check_strict(header.encode(), decoder_of<BlockHeader>(limits));
  CHECK(BlockHeader::decode(header.encode(), limits).value() == header);

  BlockHeader unsorted = header;
  std::swap(unsorted.certificate[0], unsorted.certificate[1]);
  CHECK(BlockHeader::decode(unsorted.encode(), limits).error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(unsorted.validate(limits).ok());
  BlockHeader twice = header;
  twice.certificate[1].sealer_index = twice.certificate[0].sealer_index;
  CHECK(BlockHeader::decode(twice.encode(), limits).error().code() == ErrorCode::kInvalidArgument);

  Limits one_signature;
  one_signature.certificate_signature_count_max = 1;
  CHECK(BlockHeader::decode(header.encode(), one_signature).error().code() == ErrorCode::kLimitExceeded);
  Limits no_txs;
  no_txs.block_tx_count_max = 0;
  CHECK(BlockHeader::decode(header.encode(), no_txs).error().code() == ErrorCode::kLimitExceeded);
  CHECK(header.validate(no_txs).error().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("ledger encoding: block round trip and malformed bodies", "[ledger][encoding][malformed]") {
  const Limits limits;
  Block block;
  block.header = sample_header();
  block.transactions = {sample_tx()};
  const Bytes encoded = block.encode();
  CHECK(encoded == [&] {
    Bytes out = block.header.encode();
    out.push_back(0x01);
    const Bytes tx = sample_tx().encode();
    out.push_back(static_cast<std::uint8_t>(tx.size()));
    append(out, tx);
    return out;
  }());
  check_strict(encoded, decoder_of<Block>(limits));
  CHECK(Block::decode(encoded, limits).value() == block);
  CHECK(block.validate(limits).ok());

  Block miscounted = block;
  miscounted.header.tx_count = 2;
  CHECK(Block::decode(miscounted.encode(), limits).error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(miscounted.validate(limits).ok());

  Block bad_tx = block;
  bad_tx.transactions[0].nonce.clear();
  auto decoded = Block::decode(bad_tx.encode(), limits);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().message().find("transaction 0") != std::string::npos);
  CHECK_FALSE(bad_tx.validate(limits).ok());

  Limits small_block;
  small_block.block_size_max_bytes = encoded.size() - 1;
  CHECK(Block::decode(encoded, small_block).error().code() == ErrorCode::kLimitExceeded);
  CHECK(block.validate(small_block).error().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("ledger encoding: Merkle proof layout and strict decoding", "[ledger][encoding][malformed]") {
  const Limits limits;
  MerkleProof proof;
  proof.leaf_index = 2;
  proof.tree_size = 5;
  proof.siblings = {Hash256::copy_of(Bytes(32, 0x0a)), Hash256::copy_of(Bytes(32, 0x0b))};
  CHECK(to_hex(proof.encode()) ==
        "0000000000000002"
        "0000000000000005"
        "02" +
            repeat("0a", 32) + repeat("0b", 32));
  check_strict(proof.encode(), decoder_of<MerkleProof>(limits));

  MerkleProof out_of_range = proof;
  out_of_range.leaf_index = 5;
  CHECK(MerkleProof::decode(out_of_range.encode(), limits).error().code() == ErrorCode::kInvalidArgument);
  MerkleProof empty_tree;
  CHECK(MerkleProof::decode(empty_tree.encode(), limits).error().code() == ErrorCode::kInvalidArgument);
  Limits shallow;
  shallow.merkle_proof_depth_max = 1;
  CHECK(MerkleProof::decode(proof.encode(), shallow).error().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("ledger encoding: write set layout and strict decoding", "[ledger][encoding][malformed]") {
  const Limits limits;
  WriteSet writes;
  writes.put("b", as_bytes("k"), as_bytes("v"));
  writes.erase("a", as_bytes("z"));
  writes.put("a", as_bytes("y"), Bytes{});
  // Sorted by (table, key): a/y, a/z, b/k.
  CHECK(to_hex(writes.encode()) ==
        "03"
        "0161"
        "0179"
        "01"
        "00"
        "0161"
        "017a"
        "00"
        "0162"
        "016b"
        "01"
        "0176");
  check_strict(writes.encode(), decoder_of<WriteSet>(limits));
  CHECK(WriteSet::decode(writes.encode(), limits).value() == writes);

  const Bytes unsorted =
      hex("02"
          "0162"
          "016b"
          "00"
          "0161"
          "0179"
          "00");
  CHECK(WriteSet::decode(unsorted, limits).error().code() == ErrorCode::kInvalidArgument);
  const Bytes duplicate =
      hex("02"
          "0161"
          "0179"
          "00"
          "0161"
          "0179"
          "00");
  CHECK(WriteSet::decode(duplicate, limits).error().code() == ErrorCode::kInvalidArgument);
  const Bytes bad_kind =
      hex("01"
          "0161"
          "0179"
          "02");
  CHECK(WriteSet::decode(bad_kind, limits).error().code() == ErrorCode::kInvalidArgument);
  const Bytes empty_table =
      hex("01"
          "00"
          "0179"
          "00");
  CHECK(WriteSet::decode(empty_table, limits).error().code() == ErrorCode::kInvalidArgument);
  WriteSet no_table;
  no_table.put("", as_bytes("k"), as_bytes("v"));
  CHECK(no_table.validate(limits).error().code() == ErrorCode::kInvalidArgument);
  Limits tiny;
  tiny.state_value_max_bytes = 0;
  CHECK(WriteSet::decode(writes.encode(), tiny).error().code() == ErrorCode::kLimitExceeded);
  CHECK(writes.validate(tiny).error().code() == ErrorCode::kLimitExceeded);
}

TEST_CASE("ledger encoding: signed transactions survive a block round trip", "[ledger][encoding]") {
  for (const auto* suite : {&crypto::CryptoSuite::sm(), &crypto::CryptoSuite::ecdsa()}) {
    const auto key = test::test_key(*suite, 1);
    Block block;
    block.transactions = {test::signed_tx(*suite, key, 1, 10), test::signed_tx(*suite, key, 2, 10)};
    block.header.tx_count = 2;
    auto decoded = Block::decode(block.encode(), Limits());
    REQUIRE(decoded.ok());
    CHECK(decoded.value() == block);
    CHECK(decoded->transactions[1].verify(*suite).ok());
  }
}
