// The BlockStore / StateStore contract, run over both implementations and both suites.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "store_fixtures.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/verify.hpp"

using namespace trestle;
using namespace trestle::ledger;
using crypto::SuiteId;
using test::LmdbFixture;
using test::MemoryFixture;

// The LMDB store again with its commit hashing on two workers (a Catch2 type list needs one name).
using LmdbHashingFixture = LmdbFixture<SuiteId::kEcdsa, 2>;

#define STORE_FIXTURES                                                                    \
  MemoryFixture<SuiteId::kSm>, MemoryFixture<SuiteId::kEcdsa>, LmdbFixture<SuiteId::kSm>, \
      LmdbFixture<SuiteId::kEcdsa>, LmdbHashingFixture

namespace {

std::vector<Transaction> some_txs(const crypto::CryptoSuite& suite, std::uint64_t first_nonce, std::size_t count) {
  const auto key = test::test_key(suite, 1);
  std::vector<Transaction> txs;
  for (std::size_t i = 0; i < count; ++i) txs.push_back(test::signed_tx(suite, key, first_nonce + i, 1'000));
  return txs;
}

Bytes bytes_of(std::string_view text) { return to_bytes(as_bytes(text)); }

}  // namespace

TEMPLATE_TEST_CASE("ledger store: an empty store", "[ledger][store]", STORE_FIXTURES) {
  TestType fixture;
  Store& store = *fixture.store;
  CHECK_FALSE(store.tip().has_value());
  CHECK(store.chain_id() == test::kChainId);
  CHECK(&store.suite() == &fixture.suite);
  CHECK(store.header_at(0).error().code() == ErrorCode::kNotFound);
  CHECK(store.transactions_at(0).error().code() == ErrorCode::kNotFound);
  CHECK(store.locate_transaction(Hash256()).error().code() == ErrorCode::kNotFound);
  CHECK(store.height_of(Hash256()).error().code() == ErrorCode::kNotFound);
  auto view = store.state_view();
  REQUIRE(view.ok());
  CHECK_FALSE((*view)->height().has_value());
  CHECK((*view)->state_root() == Hash256());
  CHECK_FALSE((*view)->get("t", as_bytes("k")).value().has_value());
  auto report = verify_chain(store);
  REQUIRE(report.ok());
  CHECK_FALSE(report->tip_height.has_value());
}

TEMPLATE_TEST_CASE("ledger store: committed blocks read back by height, hash and tx hash", "[ledger][store]",
                   STORE_FIXTURES) {
  TestType fixture;
  Store& store = *fixture.store;
  const auto& suite = fixture.suite;

  WriteSet genesis_writes;
  genesis_writes.put("accounts", as_bytes("alice"), as_bytes("100"));
  const auto genesis = test::build_block(suite, store.tip(), some_txs(suite, 0, 2), genesis_writes);
  REQUIRE(test::commit_built(store, genesis).ok());
  REQUIRE(store.tip().has_value());
  CHECK(store.tip()->height == 0);
  CHECK(store.tip()->block_hash == genesis.block.hash(suite));
  CHECK(store.tip()->state_root == genesis.block.header.state_root);

  const auto next = test::build_block(suite, store.tip(), some_txs(suite, 2, 3));
  REQUIRE(test::commit_built(store, next).ok());
  CHECK(store.tip()->height == 1);

  for (const auto* built : {&genesis, &next}) {
    const Height height = built->block.header.height;
    CHECK(store.header_at(height).value() == built->block.header);
    CHECK(store.block_at(height).value() == built->block);
    CHECK(store.transactions_at(height).value() == built->block.transactions);
    CHECK(store.receipts_at(height).value() == built->receipts);
    CHECK(store.height_of(built->block.hash(suite)).value() == height);
    for (std::uint32_t i = 0; i < built->block.transactions.size(); ++i) {
      const Transaction& tx = built->block.transactions[i];
      const Hash256 tx_hash = tx.hash(suite);
      CHECK(store.transaction_at(height, i).value() == tx);
      CHECK(store.receipt_at(height, i).value() == built->receipts[i]);
      CHECK(store.locate_transaction(tx_hash).value() == TxLocation{height, i});
      CHECK(store.transaction(tx_hash).value() == tx);
      CHECK(store.receipt(tx_hash).value() == built->receipts[i]);
    }
    const auto count = static_cast<std::uint32_t>(built->block.transactions.size());
    CHECK(store.transaction_at(height, count).error().code() == ErrorCode::kNotFound);
    CHECK(store.receipt_at(height, count).error().code() == ErrorCode::kNotFound);
  }
  CHECK(store.header_at(2).error().code() == ErrorCode::kNotFound);
  CHECK(store.block_at(2).error().code() == ErrorCode::kNotFound);

  auto report = verify_chain(store);
  REQUIRE(report.ok());
  CHECK(report->tip_height == Height{1});
  CHECK(report->tx_count == 5);
}

TEMPLATE_TEST_CASE("ledger store: inconsistent commits are refused and change nothing", "[ledger][store]",
                   STORE_FIXTURES) {
  TestType fixture;
  Store& store = *fixture.store;
  const auto& suite = fixture.suite;
  const auto genesis = test::build_block(suite, store.tip(), some_txs(suite, 0, 2));
  REQUIRE(test::commit_built(store, genesis).ok());
  const ChainTip tip = store.tip().value();

  const auto good = test::build_block(suite, tip, some_txs(suite, 10, 3));
  auto refuse = [&](test::BuiltBlock bad, ErrorCode code) {
    auto status = test::commit_built(store, bad);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code() == code);
    CHECK(store.tip().value() == tip);
    CHECK(store.header_at(tip.height + 1).error().code() == ErrorCode::kNotFound);
  };

  SECTION("wrong height") {
    auto bad = good;
    bad.block.header.height = tip.height + 2;
    refuse(bad, ErrorCode::kInvalidArgument);
    refuse(genesis, ErrorCode::kInvalidArgument);  // committing the same block again
  }
  SECTION("wrong parent") {
    auto bad = good;
    bad.block.header.parent_hash[0] ^= 1;
    refuse(bad, ErrorCode::kInvalidArgument);
  }
  SECTION("wrong roots") {
    for (Hash256 BlockHeader::*root : {&BlockHeader::tx_root, &BlockHeader::receipt_root, &BlockHeader::state_root}) {
      auto bad = good;
      (bad.block.header.*root)[3] ^= 1;
      refuse(bad, ErrorCode::kInvalidArgument);
    }
    auto other_writes = good;
    other_writes.writes.put("t", as_bytes("k"), as_bytes("v"));
    refuse(other_writes, ErrorCode::kInvalidArgument);
  }
  SECTION("receipts that do not match the transactions") {
    auto missing = good;
    missing.receipts.pop_back();
    refuse(missing, ErrorCode::kInvalidArgument);
    auto other_tx = good;
    other_tx.receipts[1].tx_hash[0] ^= 1;
    refuse(other_tx, ErrorCode::kInvalidArgument);
    auto other_height = good;
    other_height.receipts[0].height += 1;
    refuse(other_height, ErrorCode::kInvalidArgument);
  }
  SECTION("a transaction twice in the block or committed before") {
    auto twice = test::build_block(suite, tip, {good.block.transactions[0], good.block.transactions[0]});
    refuse(twice, ErrorCode::kInvalidArgument);
    auto again = test::build_block(suite, tip, {genesis.block.transactions[1]});
    refuse(again, ErrorCode::kInvalidArgument);
  }
  SECTION("malformed content") {
    auto miscounted = good;
    miscounted.block.header.tx_count += 1;
    refuse(miscounted, ErrorCode::kInvalidArgument);
    auto empty_nonce = good.block.transactions;
    empty_nonce[0].nonce.clear();
    refuse(test::build_block(suite, tip, empty_nonce), ErrorCode::kInvalidArgument);
    WriteSet no_table;
    no_table.put("", as_bytes("k"), as_bytes("v"));
    refuse(test::build_block(suite, tip, {}, no_table), ErrorCode::kInvalidArgument);
    WriteSet long_key;
    long_key.put("t", Bytes(store.limits().state_key_max_bytes + 1, 1), as_bytes("v"));
    refuse(test::build_block(suite, tip, {}, long_key), ErrorCode::kLimitExceeded);
    auto unsorted = good;
    std::swap(unsorted.block.header.certificate[0], unsorted.block.header.certificate[1]);
    refuse(unsorted, ErrorCode::kInvalidArgument);
  }
  // After any refusal the good block still commits.
  REQUIRE(test::commit_built(store, good).ok());
  CHECK(store.tip()->height == tip.height + 1);
  CHECK(verify_chain(store).ok());
}

TEMPLATE_TEST_CASE("ledger store: state views are snapshots at their height", "[ledger][store][state]",
                   STORE_FIXTURES) {
  TestType fixture;
  Store& store = *fixture.store;
  const auto& suite = fixture.suite;

  WriteSet first;
  first.put("accounts", as_bytes("alice"), as_bytes("100"));
  first.put("accounts", as_bytes("bob"), as_bytes("50"));
  first.put("config", as_bytes("alice"), as_bytes("other table"));
  first.put("config", Bytes{}, as_bytes("empty key"));
  REQUIRE(test::commit_built(store, test::build_block(suite, store.tip(), {}, first)).ok());
  auto before = store.state_view().value();

  WriteSet second;
  second.put("accounts", as_bytes("alice"), as_bytes("90"));
  second.erase("accounts", as_bytes("bob"));
  second.put("accounts", as_bytes("carol"), as_bytes("10"));
  REQUIRE(test::commit_built(store, test::build_block(suite, store.tip(), {}, second)).ok());
  auto after = store.state_view().value();

  CHECK(before->height() == Height{0});
  CHECK(after->height() == Height{1});
  CHECK(after->state_root() == store.tip()->state_root);
  CHECK(before->state_root() == store.header_at(0).value().state_root);

  CHECK(before->get("accounts", as_bytes("alice")).value() == bytes_of("100"));
  CHECK(before->get("accounts", as_bytes("bob")).value() == bytes_of("50"));
  CHECK_FALSE(before->get("accounts", as_bytes("carol")).value().has_value());
  CHECK(after->get("accounts", as_bytes("alice")).value() == bytes_of("90"));
  CHECK_FALSE(after->get("accounts", as_bytes("bob")).value().has_value());
  CHECK(after->get("accounts", as_bytes("carol")).value() == bytes_of("10"));
  // Tables are separate namespaces, and an empty key is a key.
  CHECK(after->get("config", as_bytes("alice")).value() == bytes_of("other table"));
  CHECK(after->get("config", Bytes{}).value() == bytes_of("empty key"));
  CHECK_FALSE(after->get("accountsalice", Bytes{}).value().has_value());
  CHECK_FALSE(after->get("", as_bytes("alice")).value().has_value());
}

TEMPLATE_TEST_CASE("ledger store: inclusion proofs built from the store verify against headers", "[ledger][store]",
                   STORE_FIXTURES) {
  TestType fixture;
  Store& store = *fixture.store;
  const auto& suite = fixture.suite;
  REQUIRE(test::commit_built(store, test::build_block(suite, store.tip(), some_txs(suite, 0, 1))).ok());
  const auto block = test::build_block(suite, store.tip(), some_txs(suite, 1, 5));
  REQUIRE(test::commit_built(store, block).ok());
  for (const auto& tx : block.block.transactions) {
    auto inclusion = prove_transaction(store, tx.hash(suite));
    REQUIRE(inclusion.ok());
    CHECK(inclusion->transaction == tx);
    CHECK(inclusion->header == block.block.header);
    CHECK(verify_transaction_inclusion(suite, inclusion->header, inclusion->transaction, inclusion->transaction_proof));
    CHECK(verify_receipt_inclusion(suite, inclusion->header, inclusion->receipt, inclusion->receipt_proof));
    CHECK(inclusion->receipt.tx_hash == tx.hash(suite));
  }
  CHECK(prove_transaction(store, Hash256()).error().code() == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("ledger store: readers on other threads always see whole blocks", "[ledger][store][threads]",
                   STORE_FIXTURES) {
  TestType fixture;
  Store& store = *fixture.store;
  const auto& suite = fixture.suite;
  constexpr Height kBlocks = 40;
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<long> reads{0};
  auto reader = [&] {
    for (bool last = false; !last;) {
      last = done.load();
      auto view = store.state_view();
      if (!view.ok()) {
        ++failures;
        continue;
      }
      const auto height = (*view)->height();
      if (!height) continue;
      // Each block writes its own height under "height" and under a key of its own.
      auto value = (*view)->get("meta", as_bytes("height"));
      auto own = (*view)->get("blocks", as_bytes(std::to_string(*height)));
      const Bytes expected = bytes_of(std::to_string(*height));
      if (!value.ok() || value.value() != expected || !own.ok() || !own.value().has_value()) ++failures;
      auto header = store.header_at(*height);
      if (!header.ok() || header->state_root != (*view)->state_root()) ++failures;
      ++reads;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(reader);
  Status committed;
  for (Height h = 0; h < kBlocks && committed.ok(); ++h) {
    WriteSet writes;
    writes.put("meta", as_bytes("height"), as_bytes(std::to_string(h)));
    writes.put("blocks", as_bytes(std::to_string(h)), Bytes(100, 7));
    committed = test::commit_built(store, test::build_block(suite, store.tip(), {}, writes));
  }
  done = true;
  for (auto& thread : threads) thread.join();
  INFO((committed.ok() ? std::string() : committed.error().message()));
  REQUIRE(committed.ok());
  CHECK(failures.load() == 0);
  CHECK(reads.load() >= 3);
  CHECK(store.tip()->height == kBlocks - 1);
  CHECK(verify_chain(store).value().tip_height == kBlocks - 1);
}
