#include "ledger_bench.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>

#include <fmt/core.h>

#include "ledger_workload.hpp"
#include "lmdb_peer.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/ledger/lmdb_store.hpp"

namespace trestle::bench {
namespace {

using Clock = std::chrono::steady_clock;
using workload::StoreRecord;

constexpr std::uint64_t kRawMapSizeBytes = 8ull << 30;  // sparse; a plain program sizes the map once
constexpr std::size_t kLayoutPreload = 200'000;
constexpr std::size_t kLayoutPuts = 1'000;
constexpr std::size_t kLayoutValueBytes = 100;

template <typename T>
T take(Result<T> result, const std::string& what) {
  if (!result.ok()) throw std::runtime_error(what + ": " + result.error().message());
  return std::move(result).value();
}

void progress(const LedgerBenchOptions& options, const std::string& line) {
  if (options.progress) std::fprintf(stderr, "%s\n", line.c_str());
}

// A fresh directory for the run's stores, removed with them.
class ScratchDir {
 public:
  explicit ScratchDir(const std::filesystem::path& parent) {
    const std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path() : parent;
    const Bytes suffix = take(crypto::random_bytes(8), "random directory name");
    path_ = base / ("trestle-bench-ledger-" +
                    fmt::format("{:02x}{:02x}{:02x}{:02x}", suffix[0], suffix[1], suffix[2], suffix[3]));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path sub(const std::string& name) const {
    std::filesystem::create_directories(path_ / name);
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

// Time and bytes written (LMDB's page writes) of one contestant, accumulated over its commits.
struct Meter {
  double seconds = 0;
  std::uint64_t written_bytes = 0;
  std::size_t commits = 0;

  template <typename F>
  void run(F&& commit) {
    const auto written_before = workload::written_bytes();
    const auto start = Clock::now();
    commit();
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    const auto written_after = workload::written_bytes();
    if (written_before && written_after) written_bytes += *written_after - *written_before;
    ++commits;
  }
  double per_second() const { return static_cast<double>(commits) / seconds; }
  double kilobytes_per_commit() const {
    return static_cast<double>(written_bytes) / 1e3 / static_cast<double>(commits);
  }
};

// The same records as a plain implementation would order them: the tx index in block order
// (its value is height || index) and the state writes in an executor's order, which follows the
// transactions, not the keys.
std::vector<StoreRecord> plain_order(std::vector<StoreRecord> records, std::uint64_t seed) {
  auto is = [](const char* db) { return [db](const StoreRecord& r) { return std::string(r.db) == db; }; };
  auto index_begin = std::find_if(records.begin(), records.end(), is("tx_index"));
  auto index_end = std::find_if_not(index_begin, records.end(), is("tx_index"));
  std::sort(index_begin, index_end, [](const StoreRecord& a, const StoreRecord& b) { return a.value < b.value; });
  auto state_begin = std::find_if(records.begin(), records.end(), is("state"));
  auto state_end = std::find_if_not(state_begin, records.end(), is("state"));
  std::mt19937_64 random(seed);
  std::shuffle(state_begin, state_end, random);
  return records;
}

Bytes random_key(std::mt19937_64& random) {
  Bytes key(32);
  for (std::size_t i = 0; i < key.size(); i += 8) {
    std::uint64_t word = random();
    for (std::size_t j = 0; j < 8; ++j) key[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  return key;
}

Bytes counter_key(std::uint64_t n) {
  Writer writer(8);
  writer.u64(n);
  return writer.take();
}

std::vector<Row> layout_rows(const LedgerBenchOptions& options, const ScratchDir& scratch) {
  progress(options,
           fmt::format("layout: preloading {} random and {} append-ordered keys", kLayoutPreload, kLayoutPreload));
  lmdb::Env env(scratch.sub("layout"), kRawMapSizeBytes, false);
  const MDB_dbi random_db = env.dbi("random");
  const MDB_dbi append_db = env.dbi("append");
  std::mt19937_64 random(20'240'601);
  const Bytes value(kLayoutValueBytes, 0x5a);
  std::uint64_t counter = 0;
  for (std::size_t done = 0; done < kLayoutPreload; done += 10'000) {
    std::vector<std::pair<Bytes, Bytes>> random_puts;
    std::vector<std::pair<Bytes, Bytes>> append_puts;
    for (std::size_t i = 0; i < 10'000; ++i) {
      random_puts.emplace_back(random_key(random), value);
      append_puts.emplace_back(counter_key(counter++), value);
    }
    std::sort(random_puts.begin(), random_puts.end());
    env.commit_puts(random_db, random_puts, 0);
    env.commit_puts(append_db, append_puts, MDB_APPEND);
  }
  env.set_sync(true);

  progress(options,
           fmt::format("layout: {} durable commits of {} puts per variant", options.layout_commits, kLayoutPuts));
  Meter unsorted;
  Meter sorted;
  Meter appended;
  for (std::size_t c = 0; c < options.layout_commits; ++c) {
    std::vector<std::pair<Bytes, Bytes>> puts;
    for (std::size_t i = 0; i < kLayoutPuts; ++i) puts.emplace_back(random_key(random), value);
    unsorted.run([&] { env.commit_puts(random_db, puts, 0); });
    puts.clear();
    for (std::size_t i = 0; i < kLayoutPuts; ++i) puts.emplace_back(random_key(random), value);
    std::sort(puts.begin(), puts.end());
    sorted.run([&] { env.commit_puts(random_db, puts, 0); });
    puts.clear();
    for (std::size_t i = 0; i < kLayoutPuts; ++i) puts.emplace_back(counter_key(counter++), value);
    appended.run([&] { env.commit_puts(append_db, puts, MDB_APPEND); });
  }
  const std::string random_op = "layout: 1000 random 32B keys/commit, sorted";
  const std::string append_op = "layout: 1000 append-order keys/commit, MDB_APPEND";
  return {
      {random_op, "commits/s", sorted.per_second(), "unsorted", unsorted.per_second()},
      {random_op, "written KB/commit", sorted.kilobytes_per_commit(), "unsorted", unsorted.kilobytes_per_commit()},
      {append_op, "commits/s", appended.per_second(), "random keys, sorted", sorted.per_second()},
      {append_op, "written KB/commit", appended.kilobytes_per_commit(), "random keys, sorted",
       sorted.kilobytes_per_commit()},
  };
}

// Every database of the ledger's layout must hold the same entries in both environments.
void require_same_contents(lmdb::Env& ledger, lmdb::Env& peer, const std::string& peer_name) {
  for (const std::string& name : lmdb::ledger_database_names()) {
    if (ledger.entries(name) != peer.entries(name)) {
      throw std::runtime_error("cross-check failed: " + peer_name + " database '" + name +
                               "' differs from the ledger's: the peers did not write the same bytes");
    }
  }
}

}  // namespace

std::string ledger_bench_description(const LedgerBenchOptions& options) {
  std::string cpu = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  }
  const std::filesystem::path dir = options.dir.empty() ? std::filesystem::temp_directory_path() : options.dir;
  return fmt::format(
      "Trestle ledger benchmark: {} blocks of {} transactions ({} suite), durable commits (fsync), "
      "ledger hashing on {} thread(s), stores under {}; {} x {}",
      options.blocks, options.tx_count, options.suite, options.commit_hash_threads + 1, dir.string(),
      std::thread::hardware_concurrency(), cpu);
}

std::vector<Row> run_ledger_bench(const LedgerBenchOptions& options) {
  if (options.blocks == 0) throw std::runtime_error("--blocks must be at least 1");
  const crypto::CryptoSuite& suite = *take(crypto::CryptoSuite::by_name(options.suite), "--suite");
  ScratchDir scratch(options.dir);

  progress(options, fmt::format("building and signing {} blocks of {} transactions", options.blocks, options.tx_count));
  workload::WorkloadOptions workload_options;
  workload_options.tx_count = options.tx_count;
  const auto workload = take(workload::Workload::create(suite, "bench", workload_options), "workload");
  std::vector<workload::BuiltBlock> blocks;
  std::vector<std::vector<StoreRecord>> records;
  std::vector<std::vector<StoreRecord>> plain_records;
  std::vector<Hash256> tx_hashes;
  std::optional<ledger::ChainTip> tip;
  for (std::size_t b = 0; b < options.blocks; ++b) {
    auto txs = workload.transactions(b);
    const Status signed_ok = workload.sign(txs);
    if (!signed_ok.ok()) throw std::runtime_error("signing: " + signed_ok.error().message());
    blocks.push_back(take(workload.build(tip, std::move(txs)), "building a block"));
    tip = workload::tip_after(suite, blocks.back());
    records.push_back(workload::store_records(suite, blocks.back()));
    plain_records.push_back(plain_order(records.back(), b));
    for (const auto& tx : blocks.back().block.transactions) tx_hashes.push_back(tx.hash(suite));
  }

  const auto ledger_dir = scratch.sub("ledger");
  ledger::LmdbOptions store_options;
  store_options.suite = &suite;
  store_options.chain_id = "bench";
  store_options.commit_hash_thread_count = options.commit_hash_threads;
  auto store = take(ledger::LmdbStore::open(ledger_dir, store_options), "opening the ledger store");
  // A node whose consensus checked the roots before voting may skip rechecking them on commit.
  const auto trusting_dir = scratch.sub("ledger-trusting");
  ledger::LmdbOptions trusting_options = store_options;
  trusting_options.verify_roots = false;
  auto trusting = take(ledger::LmdbStore::open(trusting_dir, trusting_options), "opening the ledger store");
  // The same ledger hashing on the committing thread alone (commit_hash_thread_count 0), when the
  // others have hashing workers.
  const bool serial_contestant = options.commit_hash_threads > 0;
  const auto serial_dir = scratch.sub("ledger-serial");
  ledger::LmdbOptions serial_options = store_options;
  serial_options.commit_hash_thread_count = 0;
  std::unique_ptr<ledger::LmdbStore> serial;
  if (serial_contestant) serial = take(ledger::LmdbStore::open(serial_dir, serial_options), "opening the ledger store");
  lmdb::Env raw(scratch.sub("raw"), kRawMapSizeBytes, true);
  lmdb::Env plain(scratch.sub("plain"), kRawMapSizeBytes, true);
  for (lmdb::Env* env : {&raw, &plain}) {
    // What LmdbStore::open writes, before timing.
    const std::vector<std::pair<Bytes, Bytes>> meta = {
        {to_bytes(as_bytes("chain_id")), to_bytes(as_bytes("bench"))},
        {to_bytes(as_bytes("schema_version")), Writer(4).u32(ledger::LmdbStore::kSchemaVersion).take()},
        {to_bytes(as_bytes("suite")), to_bytes(as_bytes(suite.name()))}};
    env->commit_puts(env->dbi("meta"), meta, 0);
    for (const std::string& name : lmdb::ledger_database_names()) env->dbi(name);
  }

  progress(options, fmt::format("committing {} blocks in turn: ledger, ledger without root checks, raw LMDB (same "
                                "puts), raw LMDB (plain puts)",
                                options.blocks));
  Meter ledger_meter;
  Meter trusting_meter;
  Meter raw_meter;
  Meter plain_meter;
  Meter serial_meter;
  for (std::size_t b = 0; b < options.blocks; ++b) {
    const workload::BuiltBlock& built = blocks[b];
    const std::function<void()> turns[] = {
        [&] {
          ledger_meter.run([&] {
            const Status committed = store->commit(built.block, built.receipts, built.writes);
            if (!committed.ok()) throw std::runtime_error("ledger commit: " + committed.error().message());
          });
        },
        [&] {
          trusting_meter.run([&] {
            const Status committed = trusting->commit(built.block, built.receipts, built.writes);
            if (!committed.ok()) throw std::runtime_error("ledger commit: " + committed.error().message());
          });
        },
        [&] { raw_meter.run([&] { raw.commit(records[b], lmdb::PutOrder::kAsGiven); }); },
        [&] { plain_meter.run([&] { plain.commit(plain_records[b], lmdb::PutOrder::kPlainPuts); }); },
        [&] {
          if (!serial) return;
          serial_meter.run([&] {
            const Status committed = serial->commit(built.block, built.receipts, built.writes);
            if (!committed.ok()) throw std::runtime_error("ledger commit: " + committed.error().message());
          });
        },
    };
    // The first to commit after a pause may find the disk in another state: rotate who goes first.
    constexpr std::size_t kTurns = std::size(turns);
    for (std::size_t turn = 0; turn < kTurns; ++turn) turns[(b + turn) % kTurns]();
  }

  store.reset();
  trusting.reset();
  serial.reset();
  {
    lmdb::Env ledger_env(ledger_dir, kRawMapSizeBytes, true);
    require_same_contents(ledger_env, raw, "raw LMDB (same puts)");
    require_same_contents(ledger_env, plain, "raw LMDB (plain puts)");
  }
  {
    lmdb::Env trusting_env(trusting_dir, kRawMapSizeBytes, true);
    require_same_contents(trusting_env, raw, "raw LMDB (same puts), against the ledger without root checks,");
  }
  if (serial_contestant) {
    lmdb::Env serial_env(serial_dir, kRawMapSizeBytes, true);
    require_same_contents(serial_env, raw, "raw LMDB (same puts), against the ledger hashing on one thread,");
  }

  progress(options, "reading transactions by hash");
  ledger::LmdbOptions read_options;
  read_options.create_if_missing = false;
  store = take(ledger::LmdbStore::open(ledger_dir, read_options), "reopening the ledger store");
  std::mt19937_64 random(7);
  std::shuffle(tx_hashes.begin(), tx_hashes.end(), random);
  std::size_t next = 0;
  const Op ledger_read = [&] {
    const auto tx = take(store->transaction(tx_hashes[next++ % tx_hashes.size()]), "ledger read");
    return tx.signature.empty() ? std::uint8_t{0} : tx.signature.back();
  };
  const Op raw_read = [&] { return raw.read_transaction(tx_hashes[next++ % tx_hashes.size()]); };
  std::vector<Row> rows;
  const std::string commit_op = fmt::format("commit block of {} txs, durable", options.tx_count);
  rows.push_back({commit_op, "blocks/s", ledger_meter.per_second(), "raw lmdb, same puts", raw_meter.per_second()});
  rows.push_back({commit_op, "blocks/s", ledger_meter.per_second(), "raw lmdb, plain puts", plain_meter.per_second()});
  rows.push_back({commit_op + ", roots not rechecked", "blocks/s", trusting_meter.per_second(), "raw lmdb, same puts",
                  raw_meter.per_second()});
  if (serial_contestant) {
    rows.push_back({commit_op + ", hashing on 1 thread", "blocks/s", serial_meter.per_second(), "raw lmdb, same puts",
                    raw_meter.per_second()});
  }
  rows.push_back({commit_op, "written KB/block", ledger_meter.kilobytes_per_commit(), "raw lmdb, same puts",
                  raw_meter.kilobytes_per_commit()});
  rows.push_back({commit_op, "written KB/block", ledger_meter.kilobytes_per_commit(), "raw lmdb, plain puts",
                  plain_meter.kilobytes_per_commit()});
  if (!tx_hashes.empty()) {
    rows.push_back({"tx read by hash", "ops/s", ops_per_second(ledger_read, options.read_seconds), "raw lmdb get",
                    ops_per_second(raw_read, options.read_seconds)});
  }
  if (options.layout_commits > 0) {
    for (Row& row : layout_rows(options, scratch)) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace trestle::bench
