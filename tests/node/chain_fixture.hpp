#pragma once
// The node tests' chain: a LocalChain with short timeouts, quiet logs, and REQUIREs around its
// calls, plus helpers to wait for commits.

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "trestle/node/apps.hpp"
#include "trestle/node/local_chain.hpp"

namespace trestle::node::test {

inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class TestChain {
 public:
  static constexpr std::uint64_t kBalance = 1'000'000;

  TestChain(std::uint32_t node_count, const std::string& suite, const std::string& engine) {
    // Quiet unless asked: TRESTLE_TEST_LOG=info (or debug, trace) shows the nodes' logs.
    const char* level = std::getenv("TRESTLE_TEST_LOG");
    spdlog::set_level(level != nullptr ? spdlog::level::from_str(level) : spdlog::level::warn);
    static int counter = 0;
    LocalChainOptions options;
    options.nodes = node_count;
    options.suite = suite;
    options.engine = engine;
    options.accounts = 8;
    options.balance = kBalance;
    options.dir = std::filesystem::temp_directory_path() /
                  ("trestle-node-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    options.verify_threads = 1;
    options.consensus.view_timeout_ms = 1'000;
    options.consensus.view_timeout_ms_max = 4'000;
    options.consensus.election_timeout_ms = 300;
    options.consensus.election_timeout_ms_max = 600;
    options.consensus.heartbeat_ms = 100;
    options.consensus.block_interval_ms = 50;
    options.consensus.empty_block_interval_ms = 500;
    auto chain = LocalChain::create(options);
    INFO((chain.ok() ? std::string() : chain.error().message()));
    REQUIRE(chain.ok());
    chain_ = std::move(chain).value();
  }

  void start(std::uint32_t i) {
    auto started = chain_->start(i);
    INFO((started.ok() ? std::string() : started.error().message()));
    REQUIRE(started.ok());
  }
  void start_all() {
    for (std::uint32_t i = 0; i < size(); ++i) start(i);
  }
  void stop(std::uint32_t i) { chain_->stop(i); }

  Node& node(std::uint32_t i) { return chain_->node(i); }
  bool running(std::uint32_t i) const { return chain_->running(i); }
  std::uint32_t size() const { return chain_->size(); }
  const Genesis& genesis() const { return chain_->genesis(); }
  const NodeConfig& config(std::uint32_t i) const { return chain_->config(i); }
  const crypto::CryptoSuite& suite() const { return chain_->suite(); }
  std::size_t account_count() const { return chain_->account_count(); }
  Address address(std::size_t i) const { return chain_->address(i); }
  ledger::Height height(std::uint32_t i) const { return chain_->height(i); }
  ledger::Height max_height() const { return chain_->max_height(); }

  ledger::Transaction transfer(std::size_t from, std::size_t to, std::uint64_t amount,
                               std::optional<ledger::Height> block_limit = std::nullopt) {
    auto tx = chain_->transfer(from, to, amount, block_limit);
    REQUIRE(tx.ok());
    return std::move(tx).value();
  }

  // Whether every running node has committed the transaction.
  bool committed_everywhere(const Hash256& tx_hash) {
    for (std::uint32_t i = 0; i < size(); ++i) {
      if (running(i) && !node(i).store().locate_transaction(tx_hash).ok()) return false;
    }
    return true;
  }

  // Every running node has the same block at `height` (certificates aside: each node keeps the
  // quorum of votes it collected).
  void require_same_chain(ledger::Height height) {
    std::optional<ledger::BlockHeader> first;
    for (std::uint32_t i = 0; i < size(); ++i) {
      if (!running(i)) continue;
      auto header = node(i).store().header_at(height);
      REQUIRE(header.ok());
      header.value().certificate.clear();
      if (!first) {
        first = header.value();
      } else {
        REQUIRE(header.value() == *first);
      }
    }
  }

 private:
  std::unique_ptr<LocalChain> chain_;
};

}  // namespace trestle::node::test
