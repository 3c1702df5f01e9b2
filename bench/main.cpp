// trestle-bench: measures Trestle and its peers side by side in one run and prints ratios.
//
//   trestle-bench crypto [--json] [--seconds S]
//   trestle-bench ledger [--json] [--blocks N] [--txs M] [--suite sm|ecdsa] [--dir DIR]
//                        [--read-seconds S] [--layout-commits K]
//   trestle-bench consensus [--json] [--seeds N] [--blocks N]
//   trestle-bench network [--json] [--seconds S]
//
// Exit codes: 0 success, 1 a measurement or cross-check failed, 2 usage error.

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "consensus_bench.hpp"
#include "crypto_bench.hpp"
#include "ledger_bench.hpp"
#include "network_bench.hpp"

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
  ledger->add_option("--read-seconds", ledger_options.read_seconds, "Measuring time per read cell, in seconds")
      ->check(CLI::Range(0.001, 60.0))
      ->capture_default_str();
  ledger
      ->add_option("--layout-commits", ledger_options.layout_commits,
                   "Durable commits per LMDB layout variant (0 skips the layout rows)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{10'000}))
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
    if (network->parsed()) {
      rows = trestle::bench::run_network_bench(network_options);
      title = fmt::format("Trestle network benchmark: {} s per cell; {}", network_options.seconds_per_cell,
                          trestle::bench::network_peers_description());
    } else if (consensus->parsed()) {
      rows = trestle::bench::run_consensus_bench(consensus_options);
      title = fmt::format("Trestle consensus simulator: {} seeds of {} blocks per cell, no faults",
                          consensus_options.seeds, consensus_options.blocks);
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
