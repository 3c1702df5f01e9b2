// trestle ledger verify | show | bench

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "ledger_workload.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/verify.hpp"
#include "trestle/node/ledger_json.hpp"

namespace trestle::cli {
using node::header_json;
using node::proof_json;
using node::receipt_json;
using node::transaction_json;
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kBenchChainId = "bench";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Opens an existing store for reading; the suite and chain id are the stored ones. Errors:
// kNotFound (no store in `dir`) and the store's open errors, all naming the directory.
Result<std::unique_ptr<ledger::LmdbStore>> open_read_only(const std::string& dir) {
  ledger::LmdbOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return ledger::LmdbStore::open(dir, options);
}

Outcome report_inconsistency(const Error& error) {
  print_error("ledger inconsistent: " + error.message());
  return kExitInvalid;
}

struct VerifyOptions {
  std::string data;
};

Outcome run_verify(const VerifyOptions& options) {
  auto store = open_read_only(options.data);
  if (!store.ok()) {
    // Metadata that does not decode is an inconsistency of the data, not a usage error.
    if (store.error().code() == ErrorCode::kCorrupt) return report_inconsistency(store.error());
    return store.error();
  }
  auto report = ledger::verify_chain(*store.value());
  if (!report.ok()) {
    if (report.error().code() == ErrorCode::kCorrupt) return report_inconsistency(report.error());
    return report.error();
  }
  const auto& tip = report->tip_height;
  TRESTLE_TRY_STATUS(write_stdout_line(tip ? "ok " + std::to_string(*tip) : std::string("ok empty")));
  return kExitOk;
}

struct ShowOptions {
  std::string data;
  std::uint64_t height = 0;
  std::string tx;
  CLI::Option* height_option = nullptr;
  CLI::Option* tx_option = nullptr;
};

Result<nlohmann::ordered_json> tip_json(const ledger::LmdbStore& store) {
  const auto tip = store.tip();
  return nlohmann::ordered_json{
      {"chain_id", store.chain_id()},
      {"suite", std::string(store.suite().name())},
      {"schema_version", ledger::LmdbStore::kSchemaVersion},
      {"height", tip ? nlohmann::ordered_json(tip->height) : nlohmann::ordered_json(nullptr)},
      {"block_hash", tip ? nlohmann::ordered_json(to_hex(tip->block_hash)) : nlohmann::ordered_json(nullptr)},
      {"state_root", tip ? nlohmann::ordered_json(to_hex(tip->state_root)) : nlohmann::ordered_json(nullptr)},
      {"map_size_bytes", store.map_size_bytes()}};
}

Result<nlohmann::ordered_json> block_json(const ledger::LmdbStore& store, ledger::Height height) {
  const auto tip = store.tip();
  if (!tip || height > tip->height) {
    return Error(ErrorCode::kNotFound,
                 "no block at height " + std::to_string(height) + " (" +
                     (tip ? "the tip is at height " + std::to_string(tip->height) : std::string("the store is empty")) +
                     ")");
  }
  TRESTLE_TRY(ledger::Block block, store.block_at(height));
  const crypto::CryptoSuite& suite = store.suite();
  nlohmann::ordered_json hashes = nlohmann::ordered_json::array();
  nlohmann::ordered_json txs = nlohmann::ordered_json::array();
  for (const auto& tx : block.transactions) {
    hashes.push_back(to_hex(tx.hash(suite)));
    txs.push_back(transaction_json(suite, tx));
  }
  return nlohmann::ordered_json{
      {"header", header_json(suite, block.header)}, {"tx_hashes", std::move(hashes)}, {"transactions", std::move(txs)}};
}

Result<nlohmann::ordered_json> tx_json(const ledger::LmdbStore& store, const std::string& hash_hex) {
  auto hash = fixed_from_hex<Hash256::kSize>(hash_hex);
  if (!hash.ok()) return hash.error().with_context("--tx");
  auto inclusion = ledger::prove_transaction(store, hash.value());
  if (!inclusion.ok()) {
    if (inclusion.error().code() == ErrorCode::kNotFound) {
      return Error(ErrorCode::kNotFound, "no committed transaction " + to_hex(hash.value()));
    }
    return inclusion.error();
  }
  TRESTLE_TRY(ledger::TxLocation location, store.locate_transaction(hash.value()));
  const crypto::CryptoSuite& suite = store.suite();
  const ledger::TransactionInclusion& found = inclusion.value();
  return nlohmann::ordered_json{{"location", {{"height", location.height}, {"index", location.index}}},
                                {"header", header_json(suite, found.header)},
                                {"transaction", transaction_json(suite, found.transaction)},
                                {"receipt", receipt_json(suite, found.receipt)},
                                {"transaction_proof", proof_json(found.transaction_proof)},
                                {"receipt_proof", proof_json(found.receipt_proof)}};
}

Outcome run_show(const ShowOptions& options) {
  TRESTLE_TRY(std::unique_ptr<ledger::LmdbStore> store, open_read_only(options.data));
  Result<nlohmann::ordered_json> shown = options.height_option->count() > 0 ? block_json(*store, options.height)
                                         : options.tx_option->count() > 0   ? tx_json(*store, options.tx)
                                                                            : tip_json(*store);
  if (!shown.ok()) return shown.error();
  TRESTLE_TRY_STATUS(write_stdout_line(shown->dump(2)));
  return kExitOk;
}

struct BenchOptions {
  std::string data;
  std::uint64_t blocks = 0;
  std::size_t txs = 0;
  std::string suite;  // empty: the stored suite, or sm for a new store
  bool no_sync = false;
};

// Opens the store in `dir`, creating it (chain id "bench") when there is none.
Result<std::unique_ptr<ledger::LmdbStore>> open_for_bench(const BenchOptions& options) {
  ledger::LmdbOptions store_options;
  store_options.sync = !options.no_sync;
  if (!options.suite.empty()) {
    TRESTLE_TRY(store_options.suite, crypto::CryptoSuite::by_name(options.suite));
  }
  store_options.create_if_missing = false;
  auto existing = ledger::LmdbStore::open(options.data, store_options);
  if (existing.ok() || existing.error().code() != ErrorCode::kNotFound) return existing;
  if (store_options.suite == nullptr) store_options.suite = &crypto::CryptoSuite::sm();
  store_options.chain_id = kBenchChainId;
  store_options.create_if_missing = true;
  return ledger::LmdbStore::open(options.data, store_options);
}

std::string megabytes(double bytes) { return fmt::format("{:.2f} MB", bytes / 1e6); }

Outcome run_bench(const BenchOptions& options) {
  TRESTLE_TRY(std::unique_ptr<ledger::LmdbStore> store, open_for_bench(options));
  const crypto::CryptoSuite& suite = store->suite();
  workload::WorkloadOptions workload_options;
  workload_options.tx_count = options.txs;
  TRESTLE_TRY(workload::Workload workload, workload::Workload::create(suite, store->chain_id(), workload_options));

  const auto first_tip = store->tip();
  const ledger::Height first = first_tip ? first_tip->height + 1 : 0;
  double sign_seconds = 0;
  double build_seconds = 0;
  double commit_seconds = 0;
  std::uint64_t record_total = 0;
  const std::optional<std::uint64_t> written_before = workload::written_bytes();
  for (std::uint64_t b = 0; b < options.blocks; ++b) {
    const ledger::Height height = first + b;
    auto started = Clock::now();
    std::vector<ledger::Transaction> txs = workload.transactions(height);
    TRESTLE_TRY_STATUS(workload.sign(txs));
    sign_seconds += seconds_since(started);
    started = Clock::now();
    TRESTLE_TRY(workload::BuiltBlock built, workload.build(store->tip(), std::move(txs)));
    record_total += workload::record_bytes(workload::store_records(suite, built));
    build_seconds += seconds_since(started);
    started = Clock::now();
    Status committed = store->commit(built.block, built.receipts, built.writes);
    commit_seconds += seconds_since(started);
    if (!committed.ok()) return committed.error().with_context("committing block " + std::to_string(height));
    // Printed only after commit() returned: with fsync on, the block is on disk by now.
    TRESTLE_TRY_STATUS(write_stdout_line("committed " + std::to_string(height)));
  }
  const std::optional<std::uint64_t> written_after = workload::written_bytes();

  const double blocks = static_cast<double>(options.blocks);
  const double tx_total = blocks * static_cast<double>(options.txs);
  const std::string mode = options.no_sync ? "no fsync (--no-sync)" : "durable, fsync per commit";
  TRESTLE_TRY_STATUS(write_stdout_line(fmt::format("bench: {} blocks (heights {}..{}) of {} transactions, suite {}, {}",
                                                   options.blocks, first, first + options.blocks - 1, options.txs,
                                                   suite.name(), mode)));
  if (tx_total > 0) {
    TRESTLE_TRY_STATUS(
        write_stdout_line(fmt::format("signing: {:.3f} s ({:.0f} tx/s); building receipts, writes, "
                                      "roots and certificates: {:.3f} s",
                                      sign_seconds, tx_total / sign_seconds, build_seconds)));
  }
  TRESTLE_TRY_STATUS(write_stdout_line(fmt::format("commit: {:.3f} s: {:.1f} blocks/s, {:.0f} tx/s", commit_seconds,
                                                   blocks / commit_seconds, tx_total / commit_seconds)));
  std::string written = "written: " + megabytes(static_cast<double>(record_total)) + " of records (" +
                        megabytes(static_cast<double>(record_total) / commit_seconds) + "/s of commit time)";
  if (written_before && written_after) {
    // The pages LMDB wrote (copy-on-write included), over the records they hold.
    const auto pages = static_cast<double>(*written_after - *written_before);
    written += ", " + megabytes(pages) + " of pages written";
    if (record_total > 0) {
      written += fmt::format(" (write amplification {:.1f})", pages / static_cast<double>(record_total));
    }
  }
  TRESTLE_TRY_STATUS(write_stdout_line(written));
  if (tx_total > 0) {
    const bool signing_dominates = sign_seconds > commit_seconds;
    TRESTLE_TRY_STATUS(write_stdout_line(
        fmt::format("dominant cost: {} ({:.1f}x the {} time)", signing_dominates ? "signing" : "commit",
                    signing_dominates ? sign_seconds / commit_seconds : commit_seconds / sign_seconds,
                    signing_dominates ? "commit" : "signing")));
  }
  return kExitOk;
}

}  // namespace

void add_ledger_commands(CLI::App& app, Action& action) {
  CLI::App* ledger = app.add_subcommand("ledger", "Inspect, check and load an LMDB ledger store");
  ledger->require_subcommand(1);

  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* verify_command = ledger->add_subcommand(
      "verify", "Check the whole chain; prints 'ok HEIGHT' (exit 0) or the first inconsistency (exit 1)");
  add_details(*verify_command,
              "Opens the store read-only (a node may keep running) and checks every block: hash links, the "
              "recomputed tx and receipt roots, receipts, the block hash and tx hash indexes, the tip. Prints "
              "'ok HEIGHT', or 'ok empty' for a store without blocks. The first inconsistency is one line on "
              "stderr ('trestle: ledger inconsistent: height 17: ...'), exit 1. No store in DIR, or a read error, "
              "is exit 2.");
  verify_command->add_option("--data", verify->data, "The store's directory")->required()->type_name("DIR");
  verify_command->callback([verify, &action] { action = [verify] { return run_verify(*verify); }; });

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_command = ledger->add_subcommand("show", "Print the tip, a block or a transaction as JSON");
  add_details(*show_command,
              "Without options: the tip (chain id, suite, height, block hash, state root). --height N: the block's "
              "header with its commit certificate, its tx hashes and each transaction decoded. --tx HASH: the "
              "transaction, its receipt, its location (height, index), the block header and the Merkle inclusion "
              "proofs of the transaction and the receipt. A height past the tip or an unknown hash is exit 2 with "
              "a one-line message. Bytes are lower-case hex.");
  show_command->add_option("--data", show->data, "The store's directory")->required()->type_name("DIR");
  // NonNegativeNumber: CLI11 would otherwise wrap "-1" around to 2^64 - 1.
  show->height_option = show_command->add_option("--height", show->height, "Show the block at height N")
                            ->type_name("N")
                            ->check(CLI::NonNegativeNumber);
  show->tx_option = show_command->add_option("--tx", show->tx, "Show the committed transaction with this hash")
                        ->type_name("HASH")
                        ->excludes(show->height_option);
  show_command->callback([show, &action] { action = [show] { return run_show(*show); }; });

  auto bench = std::make_shared<BenchOptions>();
  CLI::App* bench_command =
      ledger->add_subcommand("bench", "Commit synthetic blocks of signed transactions and report the throughput");
  add_details(*bench_command,
              "Each block holds M transactions signed by 4 fixed keys, M receipts and M state writes. After each "
              "commit returns, 'committed HEIGHT' is printed on its own line and flushed; with fsync on (the "
              "default) the block is then on disk. A summary follows: signing time, commit time (blocks/s, tx/s), "
              "bytes of records and of pages LMDB wrote. A new store is created with chain id 'bench' and "
              "--suite (default sm); on a store that already holds a chain, the run continues from the stored "
              "height with the stored suite. --no-sync skips fsync: a killed process loses nothing, a crashed "
              "machine may lose the last commits.");
  bench_command->add_option("--data", bench->data, "The store's directory (created if missing)")
      ->required()
      ->type_name("DIR");
  bench_command->add_option("--blocks", bench->blocks, "Blocks to commit")
      ->required()
      ->type_name("N")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1'000'000'000}));
  bench_command->add_option("--txs", bench->txs, "Transactions per block")
      ->required()
      ->type_name("M")
      ->check(CLI::Range(std::size_t{0}, ledger::Limits().block_tx_count_max));
  bench_command->add_option("--suite", bench->suite, "sm or ecdsa, for a new store (default sm)")
      ->check(CLI::IsMember({"sm", "ecdsa"}));
  bench_command->add_flag("--no-sync", bench->no_sync, "Do not fsync on commit (faster; see above for the risk)");
  bench_command->callback([bench, &action] { action = [bench] { return run_bench(*bench); }; });
}

}  // namespace trestle::cli
