// TxPool admission, ordering, capacity, commit handling, proposal validation and threads.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "test_util.hpp"
#include "trestle/ledger/memory_store.hpp"
#include "trestle/ledger/tx_pool.hpp"

using namespace trestle;
using namespace trestle::ledger;
using crypto::CryptoSuite;

namespace {

TxPoolOptions pool_options(std::size_t threads = 0) {
  TxPoolOptions options;
  options.chain_id = test::kChainId;
  options.group_id = test::kGroupId;
  options.block_limit_window = 100;
  options.verify_thread_count = threads;
  return options;
}

ErrorCode code_of(const Result<Hash256>& result) {
  REQUIRE_FALSE(result.ok());
  return result.error().code();
}

bool mentions(const Result<Hash256>& result, std::string_view text) {
  return !result.ok() && result.error().message().find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("ledger tx pool: admits valid transactions and proposes them oldest first", "[ledger][txpool]") {
  for (const CryptoSuite* suite : {&CryptoSuite::sm(), &CryptoSuite::ecdsa()}) {
    TxPool pool(*suite, pool_options(), std::nullopt);
    const auto alice = test::test_key(*suite, 1);
    const auto bob = test::test_key(*suite, 2);
    std::vector<Transaction> txs = {test::signed_tx(*suite, bob, 1, 5), test::signed_tx(*suite, alice, 1, 50),
                                    test::signed_tx(*suite, alice, 2, 99)};
    for (const auto& tx : txs) {
      auto admitted = pool.submit(tx.encode());
      REQUIRE(admitted.ok());
      CHECK(admitted.value() == tx.hash(*suite));
      CHECK(pool.contains(tx.hash(*suite)));
    }
    CHECK(pool.size() == 3);
    CHECK(pool.propose(10) == txs);
    CHECK(pool.propose(2) == std::vector<Transaction>(txs.begin(), txs.begin() + 2));
    const std::size_t first_size = txs[0].encode().size();
    CHECK(pool.propose(10, first_size + txs[1].encode().size() - 1) == std::vector<Transaction>{txs[0]});
    CHECK(pool.propose(10, 0).empty());
    auto found = pool.find(txs[1].hash(*suite));
    REQUIRE(found.has_value());
    CHECK(found->sender == suite->address(alice.public_key()));
    CHECK(pool.size() == 3);  // proposing does not remove
  }
}

TEST_CASE("ledger tx pool: every admission rule refuses with its own error", "[ledger][txpool][malformed]") {
  const auto& suite = CryptoSuite::sm();
  const auto key = test::test_key(suite, 1);
  TxPoolOptions options = pool_options();
  options.limits.tx_size_max_bytes = 1'000;
  TxPool pool(suite, options, Height{9}, [](const Transaction& tx, const Address&) -> Status {
    if (tx.payload == to_bytes(as_bytes("forbidden"))) return Error(ErrorCode::kInvalidArgument, "payload forbidden");
    return ok_status();
  });
  const Transaction good = test::signed_tx(suite, key, 1, 20);
  REQUIRE(pool.submit(good.encode()).ok());

  CHECK(code_of(pool.submit(Bytes(1'001, 0))) == ErrorCode::kLimitExceeded);
  CHECK(code_of(pool.submit(Bytes{0x01, 0x02})) == ErrorCode::kInvalidArgument);
  Bytes trailing = test::signed_tx(suite, key, 2, 20).encode();
  trailing.push_back(0);
  CHECK(code_of(pool.submit(trailing)) == ErrorCode::kInvalidArgument);

  Transaction other_chain = test::unsigned_tx(3, 20);
  other_chain.chain_id = "chain1";
  REQUIRE(other_chain.sign(suite, key).ok());
  CHECK(mentions(pool.submit(other_chain.encode()), "chain 'chain1'"));
  Transaction other_group = test::unsigned_tx(3, 20);
  other_group.group_id = "group1";
  REQUIRE(other_group.sign(suite, key).ok());
  CHECK(mentions(pool.submit(other_group.encode()), "group 'group1'"));

  // Next block is 10; the window is [10, 110).
  CHECK(mentions(pool.submit(test::signed_tx(suite, key, 4, 9).encode()), "expired"));
  CHECK(mentions(pool.submit(test::signed_tx(suite, key, 4, 110).encode()), "too far ahead"));
  CHECK(pool.submit(test::signed_tx(suite, key, 4, 10).encode()).ok());
  CHECK(pool.submit(test::signed_tx(suite, key, 5, 109).encode()).ok());

  CHECK(mentions(pool.submit(good.encode()), "already in the pool"));
  Transaction forged = test::signed_tx(suite, key, 6, 20);
  forged.signature[10] ^= 1;
  CHECK(code_of(pool.submit(forged.encode())) == ErrorCode::kAuthFailed);
  Transaction same_nonce = test::signed_tx(suite, key, 1, 21);  // good's nonce, other content
  CHECK(mentions(pool.submit(same_nonce.encode()), "nonce is already used"));
  // The same nonce from another sender is fine.
  CHECK(pool.submit(test::signed_tx(suite, test::test_key(suite, 2), 1, 21).encode()).ok());

  auto refused = pool.submit(test::signed_tx(suite, key, 7, 20, "forbidden").encode());
  CHECK(mentions(refused, "refused by the application: payload forbidden"));
  CHECK(pool.size() == 4);
}

TEST_CASE("ledger tx pool: a full pool refuses with 'pool full'", "[ledger][txpool]") {
  const auto& suite = CryptoSuite::ecdsa();
  const auto key = test::test_key(suite, 1);
  TxPoolOptions options = pool_options();
  options.capacity_tx_count = 3;
  TxPool pool(suite, options, std::nullopt);
  for (std::uint64_t n = 0; n < 3; ++n) REQUIRE(pool.submit(test::signed_tx(suite, key, n, 10).encode()).ok());
  auto full = pool.submit(test::signed_tx(suite, key, 3, 10).encode());
  CHECK(code_of(full) == ErrorCode::kLimitExceeded);
  CHECK(mentions(full, "pool full"));
  // Committing frees room.
  const auto proposal = pool.propose(1);
  pool.on_block_committed(0, proposal);
  CHECK(pool.size() == 2);
  CHECK(pool.submit(test::signed_tx(suite, key, 3, 10).encode()).ok());
}

TEST_CASE("ledger tx pool: committed transactions leave, their nonces stay for the window", "[ledger][txpool]") {
  const auto& suite = CryptoSuite::sm();
  const auto key = test::test_key(suite, 1);
  TxPoolOptions options = pool_options();
  options.block_limit_window = 5;
  TxPool pool(suite, options, std::nullopt);
  const Transaction a = test::signed_tx(suite, key, 1, 4);
  const Transaction b = test::signed_tx(suite, key, 2, 4);
  const Transaction clash = test::signed_tx(suite, key, 3, 3);  // will lose its nonce to `external`
  const Transaction expiring = test::signed_tx(suite, key, 4, 1);
  for (const auto* tx : {&a, &b, &clash, &expiring}) REQUIRE(pool.submit(tx->encode()).ok());

  // Block 0 holds `a` and a transaction the pool never saw that uses clash's nonce.
  const Transaction external = test::signed_tx(suite, key, 3, 2, "other content");
  pool.on_block_committed(0, std::vector<Transaction>{a, external});
  CHECK(pool.tip() == Height{0});
  CHECK_FALSE(pool.contains(a.hash(suite)));
  CHECK_FALSE(pool.contains(clash.hash(suite)));
  CHECK(pool.contains(b.hash(suite)));
  CHECK(pool.propose(10) == std::vector<Transaction>{b, expiring});
  CHECK(mentions(pool.submit(a.encode()), "committed at height 0"));
  CHECK(mentions(pool.submit(test::signed_tx(suite, key, 1, 5, "reuse").encode()), "committed at height 0"));

  // Block 1: `expiring` (block limit 1) must go after it.
  pool.on_block_committed(1, {});
  CHECK_FALSE(pool.contains(expiring.hash(suite)));
  CHECK(pool.contains(b.hash(suite)));

  // Heights 2..4 keep the nonce (window 5: heights 0..4); at 5 it is forgotten.
  for (Height h = 2; h <= 4; ++h) pool.on_block_committed(h, {});
  CHECK(mentions(pool.submit(test::signed_tx(suite, key, 1, 8, "reuse").encode()), "committed at height 0"));
  CHECK_FALSE(pool.contains(b.hash(suite)));  // its block limit 4 passed
  pool.on_block_committed(5, {});
  CHECK(pool.submit(test::signed_tx(suite, key, 1, 8, "reuse").encode()).ok());
}

TEST_CASE("ledger tx pool: batches verify on worker threads with the same results as one by one",
          "[ledger][txpool][threads]") {
  const auto& suite = CryptoSuite::ecdsa();
  const auto key = test::test_key(suite, 1);
  std::vector<Bytes> batch;
  for (std::uint64_t n = 0; n < 40; ++n) {
    Transaction tx = test::signed_tx(suite, key, n, 10);
    if (n % 7 == 3) tx.signature[64] = 2;  // no valid recovery id: the signature cannot verify
    batch.push_back(tx.encode());
  }
  batch.push_back(batch[0]);                                     // duplicate inside the batch
  batch.push_back(Bytes{0xff});                                  // undecodable
  batch.push_back(test::signed_tx(suite, key, 1, 11).encode());  // nonce 1 reused
  std::vector<std::vector<Result<Hash256>>> outcomes;
  for (std::size_t threads : {std::size_t{0}, std::size_t{3}}) {
    TxPool pool(suite, pool_options(threads), std::nullopt);
    outcomes.push_back(pool.submit_batch(batch));
    CHECK(pool.size() == 40 - 6);
  }
  REQUIRE(outcomes[0].size() == batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    INFO("input " << i);
    REQUIRE(outcomes[0][i].ok() == outcomes[1][i].ok());
    if (outcomes[0][i].ok()) {
      CHECK(outcomes[0][i].value() == outcomes[1][i].value());
    } else {
      CHECK(outcomes[0][i].error().message() == outcomes[1][i].error().message());
    }
  }
  CHECK(outcomes[1][3].error().code() == ErrorCode::kAuthFailed);
  INFO((outcomes[1][40].ok() ? std::string("ok") : outcomes[1][40].error().message()));
  CHECK(mentions(outcomes[1][40], "already in the pool"));
  CHECK(outcomes[1][41].error().code() == ErrorCode::kUnsupported);  // version byte 0xff
  CHECK(mentions(outcomes[1][42], "nonce is already used"));
}

TEST_CASE("ledger tx pool: concurrent submitters and a committer keep the pool consistent",
          "[ledger][txpool][threads]") {
  const auto& suite = CryptoSuite::ecdsa();
  TxPoolOptions options = pool_options(2);
  options.capacity_tx_count = 1'000;
  TxPool pool(suite, options, std::nullopt);
  constexpr int kSubmitters = 3;
  constexpr std::uint64_t kEach = 30;
  std::vector<std::vector<Bytes>> work(kSubmitters);
  for (int s = 0; s < kSubmitters; ++s) {
    const auto key = test::test_key(suite, static_cast<std::uint8_t>(10 + s));
    // Distinct nonces across senders: under ecdsa the hash does not cover the sender.
    for (std::uint64_t n = 0; n < kEach; ++n) {
      work[s].push_back(test::signed_tx(suite, key, 1'000 * static_cast<std::uint64_t>(s) + n, 50).encode());
    }
  }
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSubmitters; ++s) {
    threads.emplace_back([&, s] {
      for (std::size_t i = 0; i < work[s].size(); i += 5) {
        auto results = pool.submit_batch(std::span<const Bytes>(work[s]).subspan(i, 5));
        for (const auto& result : results) {
          admitted += result.ok() ? 1 : 0;
          if (!result.ok()) UNSCOPED_INFO(result.error().message());
        }
      }
    });
  }
  std::size_t committed = 0;
  for (Height h = 0; h < 20; ++h) {
    const auto proposal = pool.propose(4);
    Block block;
    block.header.height = h;
    block.header.tx_count = static_cast<std::uint32_t>(proposal.size());
    block.transactions = proposal;
    REQUIRE(pool.validate_block(block).ok());
    pool.on_block_committed(h, proposal);
    committed += proposal.size();
  }
  for (auto& thread : threads) thread.join();
  CHECK(admitted.load() == kSubmitters * static_cast<int>(kEach));
  CHECK(pool.size() + committed == kSubmitters * kEach);
}

TEST_CASE("ledger tx pool: validate_block refuses bad transactions in a proposal", "[ledger][txpool]") {
  const auto& suite = CryptoSuite::sm();
  const auto key = test::test_key(suite, 1);
  TxPool pool(suite, pool_options(2), Height{4});
  const Transaction pooled = test::signed_tx(suite, key, 1, 20);
  REQUIRE(pool.submit(pooled.encode()).ok());
  auto block_of = [&](std::vector<Transaction> txs) {
    Block block;
    block.header.height = 5;
    block.header.tx_count = static_cast<std::uint32_t>(txs.size());
    block.transactions = std::move(txs);
    return block;
  };
  const Transaction fresh = test::signed_tx(suite, key, 2, 20);
  CHECK(pool.validate_block(block_of({pooled, fresh})).ok());
  CHECK(pool.validate_block(block_of({})).ok());

  auto refused = [&](std::vector<Transaction> txs, std::string_view text) {
    auto status = pool.validate_block(block_of(std::move(txs)));
    REQUIRE_FALSE(status.ok());
    INFO(status.error().message());
    CHECK(status.error().message().find(text) != std::string::npos);
  };
  // The pool verified `pooled`, but a copy with another signature is checked again.
  Transaction resigned = pooled;
  resigned.signature[2] ^= 1;
  refused({fresh, resigned}, "transaction 1");
  refused({pooled, pooled}, "appears twice");
  refused({pooled, test::signed_tx(suite, key, 1, 21)}, "nonce appears twice");
  refused({test::signed_tx(suite, key, 3, 4)}, "expired");
  refused({test::signed_tx(suite, key, 3, 105)}, "too far ahead");
  Transaction other_chain = test::unsigned_tx(3, 20);
  other_chain.chain_id = "x";
  REQUIRE(other_chain.sign(suite, key).ok());
  refused({other_chain}, "chain 'x'");
  pool.on_block_committed(5, std::vector<Transaction>{fresh});
  Block next = block_of({test::signed_tx(suite, key, 2, 30, "replay of the nonce")});
  next.header.height = 6;
  auto status = pool.validate_block(next);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().message().find("committed at height 5") != std::string::npos);
}

TEST_CASE("ledger tx pool: two ecdsa senders with equal fields and nonce are both admitted and committed",
          "[ledger][txpool]") {
  const auto& suite = CryptoSuite::ecdsa();
  const auto alice = test::test_key(suite, 1);
  const auto bob = test::test_key(suite, 2);
  // Both count their nonces from 0 and send the same call at the same millisecond.
  const Transaction from_alice = test::signed_tx(suite, alice, 0, 10);
  const Transaction from_bob = test::signed_tx(suite, bob, 0, 10);
  REQUIRE(from_alice.hash(suite) != from_bob.hash(suite));

  TxPool pool(suite, pool_options(), std::nullopt);
  REQUIRE(pool.submit(from_alice.encode()).ok());
  auto second = pool.submit(from_bob.encode());
  INFO((second.ok() ? std::string("ok") : second.error().message()));
  REQUIRE(second.ok());
  CHECK(pool.find(from_alice.hash(suite))->sender == suite.address(alice.public_key()));
  CHECK(pool.find(from_bob.hash(suite))->sender == suite.address(bob.public_key()));
  const std::vector<Transaction> proposal = pool.propose(10);
  REQUIRE(proposal.size() == 2);

  auto store = MemoryStore::create(suite, test::kChainId);
  const auto built = test::build_block(suite, store->tip(), proposal);
  CHECK(pool.validate_block(built.block).ok());
  REQUIRE(test::commit_built(*store, built).ok());
  CHECK(store->locate_transaction(from_alice.hash(suite)).value() == TxLocation{0, 0});
  CHECK(store->locate_transaction(from_bob.hash(suite)).value() == TxLocation{0, 1});
  pool.on_block_committed(0, proposal);
  CHECK(pool.size() == 0);
  // The nonce stays used per sender, not globally.
  CHECK(mentions(pool.submit(test::signed_tx(suite, bob, 0, 11).encode()), "committed at height 0"));
}

TEST_CASE("ledger tx pool: an sm batch rejects exactly its bad signatures, as one-by-one verification does",
          "[ledger][txpool][threads]") {
  const auto& suite = CryptoSuite::sm();
  std::vector<crypto::PrivateKey> keys;
  for (std::uint8_t k = 1; k <= 4; ++k) keys.push_back(test::test_key(suite, k));
  std::vector<Transaction> txs;
  std::vector<bool> should_pass;
  for (std::uint64_t n = 0; n < 48; ++n) {
    // Four senders in turn: each key is seen often enough for the verifier to build its table.
    Transaction tx = test::signed_tx(suite, keys[n % keys.size()], n, 10);
    bool good = true;
    switch (n % 8) {
      case 2:
        tx.signature[40] ^= 0x01;  // s changed: a well-formed signature that does not verify
        good = false;
        break;
      case 5:
        std::fill(tx.signature.begin(), tx.signature.begin() + 32, 0);  // r = 0, out of range
        good = false;
        break;
      default:
        break;
    }
    should_pass.push_back(good);
    txs.push_back(std::move(tx));
  }
  // A valid signature under a different key: the sender field names key 2, key 1 signed.
  Transaction impostor = test::unsigned_tx(1'000, 10);
  impostor.sender.assign(keys[1].public_key().xy().begin(), keys[1].public_key().xy().end());
  impostor.signature = suite.sign(keys[0], impostor.signing_bytes()).value();
  txs.push_back(impostor);
  should_pass.push_back(false);
  Transaction short_signature = test::signed_tx(suite, keys[2], 1'001, 10);
  short_signature.signature.pop_back();  // 63 bytes
  txs.push_back(short_signature);
  should_pass.push_back(false);
  Transaction off_curve = test::signed_tx(suite, keys[3], 1'002, 10);
  off_curve.sender[63] ^= 0x01;  // (x, y + 1) is not on the curve
  txs.push_back(off_curve);
  should_pass.push_back(false);
  Transaction address_sender = test::signed_tx(suite, keys[0], 1'003, 10);
  address_sender.sender.resize(Transaction::kSenderAddressSize);  // the ecdsa form of the field
  txs.push_back(address_sender);
  should_pass.push_back(false);

  std::vector<Bytes> batch;
  for (const auto& tx : txs) batch.push_back(tx.encode());
  for (std::size_t threads : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    INFO("verify_thread_count " << threads);
    TxPool pool(suite, pool_options(threads), std::nullopt);
    const auto results = pool.submit_batch(batch);
    REQUIRE(results.size() == txs.size());
    std::size_t admitted = 0;
    for (std::size_t i = 0; i < txs.size(); ++i) {
      INFO("input " << i);
      const Result<Address> alone = txs[i].verify(suite);
      CHECK(alone.ok() == should_pass[i]);
      REQUIRE(results[i].ok() == should_pass[i]);
      if (results[i].ok()) {
        ++admitted;
        CHECK(results[i].value() == txs[i].hash(suite));
        CHECK(pool.find(txs[i].hash(suite))->sender == alone.value());
      } else {
        CHECK(results[i].error().code() == alone.error().code());
        CHECK(results[i].error().message() == alone.error().message());
      }
    }
    CHECK(admitted == 36);
    CHECK(pool.size() == admitted);
    CHECK(results[49].error().code() == ErrorCode::kAuthFailed);
    CHECK(mentions(results[50], "not a valid public key"));
    CHECK(results[51].error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("ledger tx pool: validate_block on sm names the first bad signature among unseen transactions",
          "[ledger][txpool][threads]") {
  const auto& suite = CryptoSuite::sm();
  const auto alice = test::test_key(suite, 1);
  const auto bob = test::test_key(suite, 2);
  TxPool pool(suite, pool_options(2), Height{4});
  Block block;
  block.header.height = 5;
  for (std::uint64_t n = 0; n < 30; ++n)
    block.transactions.push_back(test::signed_tx(suite, n % 2 ? alice : bob, n, 20));
  block.header.tx_count = static_cast<std::uint32_t>(block.transactions.size());
  REQUIRE(pool.validate_block(block).ok());
  // The pool knows none of them, so every signature is checked; two are bad, the first is named.
  block.transactions[17].signature[50] ^= 0x80;
  block.transactions[23].signature[10] ^= 0x80;
  auto status = pool.validate_block(block);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code() == ErrorCode::kAuthFailed);
  INFO(status.error().message());
  CHECK(status.error().message().find("transaction 17") != std::string::npos);
  // Committing the valid prefix remembers its senders' nonces, recovered through the batch path.
  const std::vector<Transaction> prefix(block.transactions.begin(), block.transactions.begin() + 17);
  pool.on_block_committed(5, prefix);
  Block replay;
  replay.header.height = 6;
  replay.transactions = {test::signed_tx(suite, bob, 4, 30, "same nonce, new payload")};
  replay.header.tx_count = 1;
  status = pool.validate_block(replay);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().message().find("committed at height 5") != std::string::npos);
}
