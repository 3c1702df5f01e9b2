// trestle-bench: measures Trestle and its peers side by side in one run and prints ratios.
//
//   trestle-bench crypto [--json] [--seconds S]
//   trestle-bench ledger [--json] [--blocks N] [--txs M] [--suite sm|ecdsa] [--dir DIR]
//                        [--hash-threads T] [--read-seconds S] [--layout-commits K]
//   trestle-bench txpool [--json] [--batch N] [--rounds R]
//   trestle-bench consensus [--json] [--seeds N] [--blocks N]
//   trestle-bench network [--json] [--seconds S]
//   trestle-bench node [--json] [--suite sm|ecdsa ...] [--txs N] [--nodes N] [--engine pbft|raft]
//                      [--block-txs M] [--no-sync]
//
// Exit codes: 0 success, 1 a measurement or cross-check failed, 2 usage error.

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "consensus_bench.hpp"
#include "crypto_bench.hpp"
#include "ledger_bench.hpp"
#include "network_bench.hpp"
#include "node_bench.hpp"
#include "txpool_bench.hpp"

namespace {

std::string format_value(double value) {
  return value >= 100 ? fmt::format("{:.0f}", value) : fmt::format("{:.2f}", value);
}

void print_table(const std::vector<trestle::bench::Row>& rows, const std::string& title) {
  struct Line {
    std::string op, unit, trestle, peer, peer_value, ratio;
  };
  std::vector<Line> lines = {{"operation", "unit", "trestle", "peer", "peer value", "trestle/peer"}};
  for (const auto& row : rows) {
    auto ratio = row.ratio();
    lines.push_back({row.op, row.unit, format_value(row.trestle), row.peer,
                     row.peer_value ? format_value(*row.peer_value) : "-",
                     ratio ? fmt::format("{:.2f}", *ratio) : "-"});
  }
  std::size_t w[6] = {};
  for (const Line& l : lines) {
    const std::string* cells[6] = {&l.op, &l.unit, &l.trestle, &l.peer, &l.peer_value, &l.ratio};
    for (int i = 0; i < 6; ++i) w[i] = std::max(w[i], cells[i]->size());
  }
  fmt::print("{}\n", title);
  for (const Line& l : lines) {
    fmt::print("{:<{}}  {:<{}}  {:>{}}  {:<{}}  {:>{}}  {:>{}}\n", l.op, w[0], l.unit, w[1], l.trestle, w[2], l.peer,
               w[3], l.peer_value, w[4], l.ratio, w[5]);
  }
}

void print_json(const std::vector<trestle::bench::Row>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows) {
    auto ratio = row.ratio();
    out.push_back({{"op", row.op},
                   {"unit", row.unit},
                   {"trestle", row.trestle},
                   {"peer", row.peer},
                   {"peer_value", row.peer_value ? nlohmann::json(*row.peer_value) : nlohmann::json(nullptr)},
                   {"ratio", ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr)}});
  }
  fmt::print("{}\n", out.dump(2));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Benchmarks Trestle against its peers (OpenSSL 3, libsecp256k1, raw LMDB) in one run", "trestle-bench"};
  app.require_subcommand(1);
  bool json = false;
  double seconds = 0.3;
  CLI::App* crypto = app.add_subcommand(
      "crypto", "Hashes and ciphers (MB/s, 8 KiB buffers) and signatures (ops/s), single-threaded; progress on stderr");
  crypto->add_flag("--json", json,
                   "Print a JSON array of objects with keys op, unit, trestle, peer, peer_value, ratio "
                   "(peer_value and ratio are null when no peer offers the operation)");
  crypto->add_option("--seconds", seconds, "Measuring time per cell, in seconds")
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();

  trestle::bench::LedgerBenchOptions ledger_options;
  CLI::App* ledger = app.add_subcommand(
      "ledger",
      "Ledger store commits (durable, blocks of signed transactions with receipts and state writes) and reads "
      "by hash next to raw LMDB writing the same bytes, plus LMDB layout measurements; progress on stderr");
  ledger->add_flag("--json", json,
                   "Print a JSON array of objects with keys op, unit, trestle, peer, peer_value, ratio");
  ledger->add_option("--blocks", ledger_options.blocks, "Blocks committed by each contestant")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
      ->capture_default_str();
  ledger->add_option("--txs", ledger_options.tx_count, "Transactions (and receipts and state writes) per block")
      ->check(CLI::Range(std::size_t{1}, std::size_t{10'000}))
      ->capture_default_str();
  ledger->add_option("--suite", ledger_options.suite, "sm or ecdsa (SM2 signing makes building sm blocks slow)")
      ->check(CLI::IsMember({"sm", "ecdsa"}))
      ->capture_default_str();
  ledger
      ->add_option("--dir", ledger_options.dir,
                   "Directory for the temporary stores (default: the system temporary directory; tmpfs makes "
                   "fsync free, so measure on a real disk)")
      ->type_name("DIR");
  ledger
      ->add_option("--hash-threads", ledger_options.commit_hash_threads,
                   "Hashing workers of the ledger stores on commit (LmdbOptions::commit_hash_thread_count); when "
                   "positive, one more store commits with 0 for comparison")
      ->check(CLI::Range(std::size_t{0}, std::size_t{64}))
      ->capture_default_str();
  ledger->add_option("--read-seconds", ledger_options.read_seconds, "Measuring time per read cell, in seconds")
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();
  ledger
      ->add_option("--layout-commits", ledger_options.layout_commits,
                   "Durable commits per LMDB layout variant (0 skips the layout rows)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000}))
      ->capture_default_str();

  trestle::bench::TxPoolBenchOptions txpool_options;
  CLI::App* txpool = app.add_subcommand(
      "txpool",
      "Batch signature verification on 2 threads against 1: sm2::Verifier::verify_batch and TxPool::submit_batch "
      "(sm and ecdsa); wall-clock time, best of the rounds; progress on stderr");
  txpool->add_flag("--json", json,
                   "Print a JSON array of objects with keys op, unit, trestle, peer, peer_value, ratio");
  txpool->add_option("--batch", txpool_options.batch_size, "Signatures (transactions) per batch")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100'000}))
      ->capture_default_str();
  txpool->add_option("--rounds", txpool_options.rounds, "Timed batches per contestant and row")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000}))
      ->capture_default_str();

  trestle::bench::ConsensusBenchOptions consensus_options;
  CLI::App* consensus = app.add_subcommand(
      "consensus",
      "Simulated PBFT and Raft (fault-free, virtual time) for 4, 7, 10 and 16 nodes: blocks per second of "
      "simulation, messages and bytes per block; progress on stderr");
  consensus->add_flag("--json", json,
                      "Print a JSON array of objects with keys op, unit, trestle, peer, peer_value, ratio");
  consensus->add_option("--seeds", consensus_options.seeds, "Runs per (engine, node count)")
      ->check(CLI::Range(1u, 10'000u))
      ->capture_default_str();
  consensus->add_option("--blocks", consensus_options.blocks, "Blocks per run")
      ->check(CLI::Range(1u, 10'000u))
      ->capture_default_str();

  trestle::bench::NetworkBenchOptions network_options;
  CLI::App* network = app.add_subcommand(
      "network",
      "Messages between two authenticated TLS 1.3 transports on loopback (256 B and 64 KiB; msgs/s and "
      "MB/s) next to a plain TLS 1.3 stream; progress on stderr");
  network->add_flag("--json", json,
                    "Print a JSON array of objects with keys op, unit, trestle, peer, peer_value, ratio");
  network->add_option("--seconds", network_options.seconds_per_cell, "Sending time per cell, in seconds")
      ->check(CLI::Range(0.05, 60.0))
      ->capture_default_str();

  trestle::bench::NodeBenchOptions node_options;
  bool node_no_sync = false;
  CLI::App* node = app.add_subcommand(
      "node",
      "End to end: signed transfers submitted to a chain of real nodes in this process (each with its LMDB store, "
      "TLS links, pool and consensus thread) until committed; tx/s and commit latency; progress on stderr");
  node->add_flag("--json", json, "Print a JSON array of objects with keys op, unit, trestle, peer, peer_value, ratio");
  node->add_option("--suite", node_options.suites, "Suites to run, in order")
      ->check(CLI::IsMember({"sm", "ecdsa"}))
      ->capture_default_str();
  node->add_option("--txs", node_options.txs, "Transfers per suite")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  node->add_option("--nodes", node_options.nodes, "Sealers")->check(CLI::Range(1, 64))->capture_default_str();
  node->add_option("--engine", node_options.engine, "Consensus engine")
      ->check(CLI::IsMember({"pbft", "raft"}))
      ->capture_default_str();
  node->add_option("--block-txs", node_options.block_tx_max, "Transactions per block at most")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  node->add_flag("--no-sync", node_no_sync, "Commit without fsync (NodeConfig::sync = false)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    fmt::print(stderr, "trestle-bench: {} (see --help)\n", e.what());
    return 2;
  }

  try {
    std::vector<trestle::bench::Row> rows;
    std::string title;
    if (node->parsed()) {
      node_options.sync = !node_no_sync;
      rows = trestle::bench::run_node_bench(node_options);
      title = fmt::format(
          "Trestle end to end: {} {} sealers in one process on {} hardware threads, {} transfers per "
          "suite, blocks of at most {}, {}",
          node_options.nodes, node_options.engine, std::thread::hardware_concurrency(), node_options.txs,
          node_options.block_tx_max, node_options.sync ? "fsync on" : "no fsync");
    } else if (network->parsed()) {
      rows = trestle::bench::run_network_bench(network_options);
      title = fmt::format("Trestle network benchmark: {} s per cell; {}", network_options.seconds_per_cell,
                          trestle::bench::network_peers_description());
    } else if (consensus->parsed()) {
      rows = trestle::bench::run_consensus_bench(consensus_options);
      title = fmt::format("Trestle consensus simulator: {} seeds of {} blocks per cell, no faults",
                          consensus_options.seeds, consensus_options.blocks);
    } else if (txpool->parsed()) {
      rows = trestle::bench::run_txpool_bench(txpool_options);
      title = fmt::format(
          "Trestle batch verification: {} per batch, best of {} rounds, 2 threads (trestle) vs 1 "
          "(peer); {} hardware threads",
          txpool_options.batch_size, txpool_options.rounds, std::thread::hardware_concurrency());
    } else if (ledger->parsed()) {
      rows = trestle::bench::run_ledger_bench(ledger_options);
      title = trestle::bench::ledger_bench_description(ledger_options);
    } else {
      trestle::bench::CryptoBenchOptions options;
      options.seconds_per_cell = seconds;
      rows = trestle::bench::run_crypto_bench(options);
      title = fmt::format("Trestle crypto benchmark: one thread, {} s per cell; peers: {}", seconds,
                          trestle::bench::crypto_peers_description());
    }
    if (json) {
      print_json(rows);
    } else {
      print_table(rows, title);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "trestle-bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
