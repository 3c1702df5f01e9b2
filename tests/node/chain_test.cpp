// Chains of real nodes in one process, over TCP on loopback: transactions sent to any node
// commit on all, with identical blocks and state; restarts catch up; bad transactions are refused.

#include <catch2/catch.hpp>

#include <fstream>

#include "chain_fixture.hpp"

namespace trestle::node::test {
namespace {

using namespace std::chrono_literals;

// Sends `count` transfers round-robin over the running nodes and waits until all commit on every
// running node. Returns the hashes.
std::vector<Hash256> send_and_commit(TestChain& chain, std::size_t count, std::size_t first_account = 0) {
  std::vector<Hash256> hashes;
  std::uint32_t target = 0;
  for (std::size_t i = 0; i < count; ++i) {
    while (!chain.running(target % chain.size())) ++target;
    const std::size_t from = (first_account + i) % chain.account_count();
    auto tx = chain.transfer(from, (from + 1) % chain.account_count(), 1);
    auto hash = chain.node(target % chain.size()).submit_transaction(tx.encode());
    INFO((hash.ok() ? std::string() : hash.error().message()));
    REQUIRE(hash.ok());
    hashes.push_back(hash.value());
    ++target;
  }
  const bool all = wait_until(
      [&] {
        for (const auto& hash : hashes) {
          if (!chain.committed_everywhere(hash)) return false;
        }
        return true;
      },
      30s);
  REQUIRE(all);
  return hashes;
}

// Waits until every running node reached the same height, then compares the chains there.
void require_converged(TestChain& chain) {
  ledger::Height height = 0;
  REQUIRE(wait_until(
      [&] {
        height = chain.max_height();
        for (std::uint32_t i = 0; i < chain.size(); ++i) {
          if (chain.running(i) && chain.height(i) < height) return false;
        }
        return true;
      },
      30s));
  for (ledger::Height h = 1; h <= height; ++h) chain.require_same_chain(h);
}

void check_basic_chain(std::uint32_t nodes, const std::string& suite, const std::string& engine) {
  TestChain chain(nodes, suite, engine);
  chain.start_all();
  auto hashes = send_and_commit(chain, 40);
  require_converged(chain);
  // Each account sent 5 and received 5 units: balances are back where they started.
  auto state = chain.node(0).store().state_view();
  REQUIRE(state.ok());
  for (std::size_t i = 0; i < chain.account_count(); ++i) {
    auto balance = asset::balance(*state.value(), chain.address(i));
    REQUIRE(balance.ok());
    CHECK(balance.value() == TestChain::kBalance);
  }
  // Receipts say success.
  for (const auto& hash : hashes) {
    auto receipt = chain.node(nodes - 1).store().receipt(hash);
    REQUIRE(receipt.ok());
    CHECK(receipt.value().status == ledger::Receipt::kStatusSuccess);
  }
  // Certificates carry a quorum of sealer votes.
  auto header = chain.node(0).store().header_at(chain.height(0));
  REQUIRE(header.ok());
  CHECK(!header.value().certificate.empty());
}

}  // namespace

TEST_CASE("four PBFT nodes with the sm suite commit the same blocks", "[node][chain]") {
  check_basic_chain(4, "sm", "pbft");
}

TEST_CASE("four PBFT nodes with the ecdsa suite commit the same blocks", "[node][chain]") {
  check_basic_chain(4, "ecdsa", "pbft");
}

TEST_CASE("three Raft nodes commit the same blocks", "[node][chain]") { check_basic_chain(3, "ecdsa", "raft"); }

TEST_CASE("a stopped node catches up after a restart and the chain goes on without it", "[node][chain]") {
  TestChain chain(4, "sm", "pbft");
  chain.start_all();
  send_and_commit(chain, 8);
  chain.stop(3);
  // Three of four sealers are a quorum: the chain keeps committing. Several blocks, so that the
  // restarted node must fetch them with their certificates rather than from live votes.
  for (std::size_t round = 0; round < 6; ++round) send_and_commit(chain, 4, round);
  const ledger::Height reached = chain.max_height();
  chain.start(3);
  REQUIRE(wait_until([&] { return chain.height(3) >= reached; }, 30s));
  // And it takes part again: with it back, new transactions commit on all four.
  send_and_commit(chain, 8, 2);
  require_converged(chain);
  CHECK(chain.node(3).sync_status().blocks_synced > 0);
}

TEST_CASE("the node refuses replays, expired block limits and bad signatures", "[node][chain]") {
  TestChain chain(4, "ecdsa", "pbft");
  chain.start_all();
  auto tx = chain.transfer(0, 1, 5);
  auto hashes = send_and_commit(chain, 1);
  auto sent = chain.node(0).submit_transaction(tx.encode());
  REQUIRE(sent.ok());
  REQUIRE(wait_until([&] { return chain.committed_everywhere(sent.value()); }, 30s));

  SECTION("a committed transaction sent again") {
    for (std::uint32_t i = 0; i < chain.size(); ++i) {
      auto again = chain.node(i).submit_transaction(tx.encode());
      REQUIRE_FALSE(again.ok());
      CHECK(again.error().code() == ErrorCode::kInvalidArgument);
    }
  }
  SECTION("an expired block limit") {
    REQUIRE(wait_until([&] { return chain.height(0) >= 2; }, 30s));
    auto expired = chain.transfer(1, 2, 1, ledger::Height{1});
    auto refused = chain.node(1).submit_transaction(expired.encode());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message().find("block limit") != std::string::npos);
  }
  SECTION("a bad signature") {
    auto forged = chain.transfer(2, 3, 1);
    forged.signature[10] ^= 1;
    auto refused = chain.node(2).submit_transaction(forged.encode());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == ErrorCode::kAuthFailed);
  }
  SECTION("a transfer over the balance") {
    auto greedy = chain.transfer(3, 4, TestChain::kBalance * 10);
    auto refused = chain.node(3).submit_transaction(greedy.encode());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message().find("insufficient") != std::string::npos);
  }
}

TEST_CASE("a node refuses a key outside the genesis and a data directory of another chain", "[node]") {
  TestChain chain(1, "sm", "pbft");
  chain.start_all();
  // One sealer is its own quorum.
  REQUIRE(wait_until([&] { return chain.height(0) >= 1; }, 10s));
  chain.stop(0);
  auto app = make_application("asset");
  REQUIRE(app.ok());

  SECTION("a key that is not a sealer's") {
    NodeConfig config = chain.config(0);
    auto outsider = chain.suite().generate_key();
    REQUIRE(outsider.ok());
    config.key = config.data_dir.parent_path() / "outsider.pem";
    std::ofstream(config.key) << crypto::private_key_to_pem(outsider.value());
    REQUIRE(std::filesystem::exists(config.key));
    auto node = Node::create(chain.genesis(), config, std::move(app).value());
    REQUIRE_FALSE(node.ok());
    CHECK(node.error().message().find("not one of the sealers") != std::string::npos);
  }
  SECTION("a data directory made from another genesis") {
    Genesis other = chain.genesis();
    other.timestamp_ms += 1;
    auto node = Node::create(other, chain.config(0), std::move(app).value());
    REQUIRE_FALSE(node.ok());
    CHECK(node.error().message().find("another genesis") != std::string::npos);
  }
  SECTION("the same genesis reopens") {
    chain.start(0);
    CHECK(chain.height(0) >= 1);
  }
}

}  // namespace trestle::node::test
