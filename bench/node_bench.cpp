#include "node_bench.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include "trestle/node/local_chain.hpp"

namespace trestle::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct HashKey {
  std::size_t operator()(const Hash256& hash) const {
    std::size_t out = 0;
    std::memcpy(&out, hash.view().data(), sizeof(out));
    return out;
  }
};

void check(const Status& status, const std::string& what) {
  if (!status.ok()) throw std::runtime_error(what + ": " + status.error().message());
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

struct SuiteResult {
  double tps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

SuiteResult run_suite(const NodeBenchOptions& options, const std::string& suite) {
  node::LocalChainOptions chain_options;
  chain_options.nodes = options.nodes;
  chain_options.suite = suite;
  chain_options.engine = options.engine;
  chain_options.accounts = 64;
  chain_options.sync = options.sync;
  chain_options.consensus.block_tx_max = options.block_tx_max;
  chain_options.dir =
      std::filesystem::temp_directory_path() / ("trestle-bench-node-" + std::to_string(::getpid()) + "-" + suite);
  auto created = node::LocalChain::create(chain_options);
  if (!created.ok()) throw std::runtime_error("local chain: " + created.error().message());
  node::LocalChain& chain = *created.value();
  check(chain.start_all(), "start");

  // Every link up before the clock starts.
  const auto connect_deadline = Clock::now() + std::chrono::seconds(20);
  for (std::uint32_t i = 0; i < chain.size(); ++i) {
    while (Clock::now() < connect_deadline) {
      auto peers = chain.node(i).peers();
      if (std::all_of(peers.begin(), peers.end(), [](const node::PeerInfo& p) { return p.stats.connected; })) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Sign everything first, on every core: the benchmark measures the chain, not the client.
  const std::size_t count = options.txs;
  std::vector<Bytes> encoded(count);
  std::vector<Hash256> hashes(count);
  {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> signers;
    std::atomic<bool> failed{false};
    for (unsigned t = 0; t < threads; ++t) {
      signers.emplace_back([&, t] {
        for (std::size_t i = t; i < count; i += threads) {
          const std::size_t from = i % chain.account_count();
          auto tx = chain.transfer(from, (from + 1) % chain.account_count(), 1);
          if (!tx.ok()) {
            failed = true;
            return;
          }
          encoded[i] = tx.value().encode();
          hashes[i] = tx.value().hash(chain.suite());
        }
      });
    }
    for (auto& signer : signers) signer.join();
    if (failed) throw std::runtime_error("signing the transfers failed");
  }
  if (options.progress) fmt::print(stderr, "{}: {} transfers signed, submitting\n", suite, count);

  std::unordered_map<Hash256, std::size_t, HashKey> index_of;
  for (std::size_t i = 0; i < count; ++i) index_of.emplace(hashes[i], i);
  std::vector<Clock::time_point> submitted(count);
  std::vector<double> latency_ms;
  latency_ms.reserve(count);

  // Two submitters, as two busy RPC clients would be.
  const auto start = Clock::now();
  std::atomic<std::size_t> refused{0};
  std::string first_refusal;
  std::mutex refusal_mutex;
  std::vector<std::thread> submitters;
  for (unsigned t = 0; t < 2; ++t) {
    submitters.emplace_back([&, t] {
      for (std::size_t i = t; i < count; i += 2) {
        submitted[i] = Clock::now();
        auto sent = chain.node(static_cast<std::uint32_t>(i % chain.size())).submit_transaction(encoded[i]);
        if (!sent.ok()) {
          if (refused++ == 0) {
            std::lock_guard lock(refusal_mutex);
            first_refusal = sent.error().message();
          }
        }
      }
    });
  }

  // Commits as node 0 sees them.
  ledger::Height seen = chain.height(0);
  Clock::time_point last_commit = start;
  const auto deadline = start + std::chrono::seconds(60) + std::chrono::milliseconds(count);
  std::size_t committed = 0;
  auto last_progress = start;
  while (committed < count && Clock::now() < deadline) {
    const ledger::Height tip = chain.height(0);
    for (ledger::Height h = seen + 1; h <= tip; ++h) {
      auto receipts = chain.node(0).store().receipts_at(h);
      if (!receipts.ok()) throw std::runtime_error("reading receipts: " + receipts.error().message());
      const auto now = Clock::now();
      for (const auto& receipt : receipts.value()) {
        auto it = index_of.find(receipt.tx_hash);
        if (it == index_of.end()) continue;
        latency_ms.push_back(std::chrono::duration<double, std::milli>(now - submitted[it->second]).count());
        ++committed;
        last_commit = now;
      }
    }
    seen = tip;
    if (options.progress && Clock::now() - last_progress > std::chrono::seconds(1)) {
      last_progress = Clock::now();
      fmt::print(stderr, "{}: {} of {} committed, height {}\n", suite, committed, count, tip);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (auto& submitter : submitters) submitter.join();
  if (refused != 0) {
    throw std::runtime_error(
        fmt::format("{} of {} transfers refused, first: {}", refused.load(), count, first_refusal));
  }
  if (committed < count) {
    throw std::runtime_error(fmt::format("only {} of {} transfers committed within the time limit", committed, count));
  }
  SuiteResult result;
  result.tps = static_cast<double>(committed) / std::chrono::duration<double>(last_commit - start).count();
  result.p50_ms = percentile(latency_ms, 0.50);
  result.p99_ms = percentile(latency_ms, 0.99);
  if (options.progress) {
    fmt::print(stderr, "{}: {:.0f} tx/s, p50 {:.0f} ms, p99 {:.0f} ms\n", suite, result.tps, result.p50_ms,
               result.p99_ms);
  }
  return result;
}

}  // namespace

std::vector<Row> run_node_bench(const NodeBenchOptions& options) {
  spdlog::set_level(spdlog::level::warn);
  std::vector<Row> rows;
  for (const std::string& suite : options.suites) {
    const SuiteResult result = run_suite(options, suite);
    const std::string name = fmt::format("{} n={} {} e2e", options.engine, options.nodes, suite);
    rows.push_back(Row{name, "tx/s", result.tps, "goal", 5'000.0});
    rows.push_back(Row{name + " commit latency p50", "ms", result.p50_ms, "-", std::nullopt});
    rows.push_back(Row{name + " commit latency p99", "ms", result.p99_ms, "-", std::nullopt});
  }
  return rows;
}

}  // namespace trestle::bench
