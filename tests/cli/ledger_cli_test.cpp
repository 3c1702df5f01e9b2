// `trestle ledger bench | verify | show`: a chain built by bench, continued by a second run, checked
// by verify (also after raw LMDB damaged it), and shown as JSON that rebuilds into values whose
// hashes and Merkle proofs check out with the ledger library.

#include <fcntl.h>
#include <lmdb.h>
#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/inclusion.hpp"
#include "trestle/ledger/lmdb_store.hpp"

extern char** environ;

namespace trestle::cli_test {
namespace {

using nlohmann::json;

// The "committed H" lines of a bench run, and the summary lines after them.
struct BenchOutput {
  std::vector<std::uint64_t> committed;
  std::vector<std::string> summary;
};

BenchOutput parse_bench(const std::string& out) {
  BenchOutput parsed;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("committed ", 0) == 0) {
      REQUIRE(parsed.summary.empty());  // every committed line comes before the summary
      parsed.committed.push_back(std::stoull(line.substr(10)));
    } else {
      parsed.summary.push_back(line);
    }
  }
  return parsed;
}

RunResult bench(const std::string& data, const std::string& blocks, const std::string& txs,
                const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"ledger", "bench", "--data", data, "--blocks", blocks, "--txs", txs};
  args.insert(args.end(), extra.begin(), extra.end());
  return trestle(args);
}

json show(const std::vector<std::string>& extra, const std::string& data) {
  std::vector<std::string> args = {"ledger", "show", "--data", data};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult result = trestle(args);
  INFO(join(args) << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  return json::parse(result.out);
}

Bytes bytes_of(const json& value) {
  REQUIRE(value.is_string());
  auto decoded = from_hex(value.get<std::string>());
  REQUIRE(decoded.ok());
  return decoded.value();
}

template <std::size_t N>
FixedBytes<N> fixed_of(const json& value) {
  const Bytes bytes = bytes_of(value);
  REQUIRE(bytes.size() == N);
  return FixedBytes<N>::copy_of(bytes);
}

// The values the JSON describes; every field must be there for the hashes to come out right.
ledger::BlockHeader header_of(const json& j) {
  ledger::BlockHeader header;
  header.parent_hash = fixed_of<32>(j.at("parent_hash"));
  header.height = j.at("height").get<std::uint64_t>();
  header.timestamp_ms = j.at("timestamp_ms").get<std::uint64_t>();
  header.proposer_index = j.at("proposer_index").get<std::uint32_t>();
  header.tx_count = j.at("tx_count").get<std::uint32_t>();
  header.tx_root = fixed_of<32>(j.at("tx_root"));
  header.receipt_root = fixed_of<32>(j.at("receipt_root"));
  header.state_root = fixed_of<32>(j.at("state_root"));
  header.sealer_set_hash = fixed_of<32>(j.at("sealer_set_hash"));
  for (const auto& vote : j.at("certificate")) {
    header.certificate.push_back({vote.at("sealer_index").get<std::uint32_t>(), bytes_of(vote.at("signature"))});
  }
  return header;
}

ledger::Transaction transaction_of(const json& j) {
  ledger::Transaction tx;
  tx.chain_id = j.at("chain_id").get<std::string>();
  tx.group_id = j.at("group_id").get<std::string>();
  tx.nonce = bytes_of(j.at("nonce"));
  tx.block_limit = j.at("block_limit").get<std::uint64_t>();
  if (!j.at("target").is_null()) tx.target = fixed_of<20>(j.at("target"));
  tx.payload = bytes_of(j.at("payload"));
  tx.timestamp_ms = j.at("timestamp_ms").get<std::uint64_t>();
  tx.sender = bytes_of(j.at("sender"));
  tx.signature = bytes_of(j.at("signature"));
  return tx;
}

ledger::Receipt receipt_of(const json& j) {
  ledger::Receipt receipt;
  receipt.tx_hash = fixed_of<32>(j.at("tx_hash"));
  receipt.status = j.at("status").get<std::uint32_t>();
  receipt.output = bytes_of(j.at("output"));
  for (const auto& log : j.at("logs")) {
    ledger::LogEntry entry;
    entry.address = fixed_of<20>(log.at("address"));
    for (const auto& topic : log.at("topics")) entry.topics.push_back(fixed_of<32>(topic));
    entry.data = bytes_of(log.at("data"));
    receipt.logs.push_back(std::move(entry));
  }
  receipt.height = j.at("height").get<std::uint64_t>();
  return receipt;
}

ledger::MerkleProof proof_of(const json& j) {
  ledger::MerkleProof proof;
  proof.leaf_index = j.at("leaf_index").get<std::uint64_t>();
  proof.tree_size = j.at("tree_size").get<std::uint64_t>();
  for (const auto& sibling : j.at("siblings")) proof.siblings.push_back(fixed_of<32>(sibling));
  return proof;
}

// Overwrites one value of the store with raw LMDB (the store must not be open in this process).
void raw_put(const std::string& dir, const char* db, ByteView key, ByteView value) {
  MDB_env* env = nullptr;
  REQUIRE(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  REQUIRE(mdb_env_open(env, dir.c_str(), 0, 0644) == 0);
  MDB_txn* txn = nullptr;
  REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  MDB_dbi dbi;
  REQUIRE(mdb_dbi_open(txn, db, 0, &dbi) == 0);
  MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
  MDB_val v{value.size(), const_cast<std::uint8_t*>(value.data())};
  REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
  REQUIRE(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

Bytes be64(std::uint64_t value) {
  Writer writer;
  writer.u64(value);
  return writer.take();
}

}  // namespace

TEST_CASE("cli: ledger bench prints committed lines and a summary, and continues a stored chain", "[cli][ledger]") {
  TempDir dir;
  const std::string data = dir.path("chain");
  RunResult first = bench(data, "3", "5", {"--suite", "ecdsa"});
  INFO("stderr: " << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(first.err.empty());
  BenchOutput parsed = parse_bench(first.out);
  CHECK(parsed.committed == std::vector<std::uint64_t>{0, 1, 2});
  REQUIRE(parsed.summary.size() == 5);
  CHECK(parsed.summary[0] ==
        "bench: 3 blocks (heights 0..2) of 5 transactions, suite ecdsa, durable, fsync per commit");
  CHECK(parsed.summary[1].rfind("signing: ", 0) == 0);
  CHECK(parsed.summary[2].find("blocks/s") != std::string::npos);
  CHECK(parsed.summary[3].find("of records") != std::string::npos);
  CHECK(parsed.summary[4].rfind("dominant cost: ", 0) == 0);

  // The suite is stored: a second run without --suite continues with ecdsa, from height 3.
  RunResult second = bench(data, "2", "0", {"--no-sync"});
  INFO("stderr: " << second.err);
  REQUIRE(second.exit_code == 0);
  parsed = parse_bench(second.out);
  CHECK(parsed.committed == std::vector<std::uint64_t>{3, 4});
  REQUIRE_FALSE(parsed.summary.empty());
  CHECK(parsed.summary[0] == "bench: 2 blocks (heights 3..4) of 0 transactions, suite ecdsa, no fsync (--no-sync)");

  RunResult verified = trestle({"ledger", "verify", "--data", data});
  CHECK(verified.exit_code == 0);
  CHECK(verified.out == "ok 4\n");
  CHECK(verified.err.empty());

  // Another suite than the stored one is refused, and nothing is committed.
  RunResult other_suite = bench(data, "1", "1", {"--suite", "sm"});
  CHECK(other_suite.exit_code == 2);
  CHECK(is_one_line_error(other_suite.err));
  CHECK(other_suite.err.find("suite ecdsa") != std::string::npos);
  CHECK(other_suite.out.empty());
  CHECK(trestle({"ledger", "verify", "--data", data}).out == "ok 4\n");
}

TEST_CASE("cli: ledger show prints the tip, blocks and transactions with proofs that verify", "[cli][ledger]") {
  TempDir dir;
  const std::string data = dir.path("chain");
  REQUIRE(bench(data, "3", "7", {"--suite", "sm"}).exit_code == 0);
  const auto& suite = crypto::CryptoSuite::sm();

  const json tip = show({}, data);
  CHECK(tip.at("chain_id") == "bench");
  CHECK(tip.at("suite") == "sm");
  CHECK(tip.at("height") == 2);
  CHECK(tip.at("schema_version") == ledger::LmdbStore::kSchemaVersion);

  const json block = show({"--height", "1"}, data);
  const json& header_json = block.at("header");
  const ledger::BlockHeader header = header_of(header_json);
  CHECK(to_hex(header.hash(suite)) == header_json.at("hash").get<std::string>());
  CHECK(header.height == 1);
  CHECK(header.tx_count == 7);
  CHECK(header.certificate.size() == 3);
  CHECK(header_json.at("parent_hash") == show({"--height", "0"}, data).at("header").at("hash"));
  REQUIRE(block.at("tx_hashes").size() == 7);
  REQUIRE(block.at("transactions").size() == 7);
  std::vector<ledger::Transaction> txs;
  for (std::size_t i = 0; i < 7; ++i) {
    const json& tx_json = block.at("transactions")[i];
    txs.push_back(transaction_of(tx_json));
    CHECK(to_hex(txs.back().hash(suite)) == tx_json.at("hash").get<std::string>());
    CHECK(tx_json.at("hash") == block.at("tx_hashes")[i]);
    CHECK(tx_json.at("signature_valid") == true);
    CHECK(tx_json.at("sender_address") == to_hex(txs.back().verify(suite).value()));
  }
  CHECK(ledger::transaction_root(suite, txs) == header.tx_root);

  const std::string hash = block.at("tx_hashes")[4].get<std::string>();
  const json shown = show({"--tx", "0x" + hash}, data);
  CHECK(shown.at("location").at("height") == 1);
  CHECK(shown.at("location").at("index") == 4);
  CHECK(shown.at("header") == header_json);
  const ledger::Transaction tx = transaction_of(shown.at("transaction"));
  const ledger::Receipt receipt = receipt_of(shown.at("receipt"));
  CHECK(to_hex(tx.hash(suite)) == hash);
  CHECK(to_hex(receipt.tx_hash) == hash);
  CHECK(receipt.height == 1);
  const ledger::MerkleProof tx_proof = proof_of(shown.at("transaction_proof"));
  const ledger::MerkleProof receipt_proof = proof_of(shown.at("receipt_proof"));
  CHECK(tx_proof.leaf_index == 4);
  CHECK(tx_proof.tree_size == 7);
  // A light client's check, with the header alone.
  CHECK(ledger::verify_transaction_inclusion(suite, header, tx, tx_proof));
  CHECK(ledger::verify_receipt_inclusion(suite, header, receipt, receipt_proof));
  ledger::MerkleProof wrong_index = tx_proof;
  wrong_index.leaf_index = 3;
  CHECK_FALSE(ledger::verify_transaction_inclusion(suite, header, tx, wrong_index));

  // The same values as the library reads from the store.
  ledger::LmdbOptions read_only;
  read_only.read_only = true;
  auto store = ledger::LmdbStore::open(data, read_only);
  REQUIRE(store.ok());
  CHECK(store.value()->transaction(fixed_of<32>(json(hash))).value() == tx);
  CHECK(store.value()->receipt(fixed_of<32>(json(hash))).value() == receipt);
  CHECK(store.value()->header_at(1).value() == header);
}

TEST_CASE("cli: ledger show and verify errors exit 2 with one line on stderr", "[cli][ledger]") {
  TempDir dir;
  const std::string data = dir.path("chain");
  REQUIRE(bench(data, "2", "2", {"--suite", "ecdsa"}).exit_code == 0);
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"ledger", "verify", "--data", dir.path("missing")}, "no ledger store"},
      {{"ledger", "show", "--data", dir.path("missing")}, "no ledger store"},
      {{"ledger", "show", "--data", data, "--height", "2"}, "no block at height 2 (the tip is at height 1)"},
      {{"ledger", "show", "--data", data, "--tx", std::string(64, '0')}, "no committed transaction 0000"},
      {{"ledger", "show", "--data", data, "--tx", "abc"}, "--tx"},
      {{"ledger", "show", "--data", data, "--height", "0", "--tx", std::string(64, '0')}, "excludes"},
      {{"ledger", "show", "--data", data, "--height", "-1"}, "--height"},
      {{"ledger", "bench", "--data", data, "--blocks", "0", "--txs", "1"}, "--blocks"},
      {{"ledger", "bench", "--data", data, "--blocks", "1", "--txs", "10001"}, "--txs"},
      {{"ledger", "bench", "--data", data, "--blocks", "1"}, "--txs"},
      {{"ledger", "verify"}, "--data"},
      {{"ledger"}, "subcommand"},
  };
  for (const Case& c : cases) {
    INFO(join(c.args));
    RunResult result = trestle(c.args);
    CHECK(result.exit_code == 2);
    CHECK(is_one_line_error(result.err));
    CHECK(result.err.find(c.message) != std::string::npos);
    CHECK(result.out.empty());
  }
  for (const auto* command : {"verify", "show", "bench"}) {
    RunResult help = trestle({"ledger", command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--data") != std::string::npos);
  }
}

TEST_CASE("cli: ledger verify reports data damaged behind the store's back and exits 1", "[cli][ledger]") {
  TempDir dir;
  const std::string data = dir.path("chain");
  REQUIRE(bench(data, "4", "3", {"--suite", "ecdsa"}).exit_code == 0);
  REQUIRE(trestle({"ledger", "verify", "--data", data}).out == "ok 3\n");

  std::string expected;
  SECTION("a header whose tx root was changed") {
    const json header = show({"--height", "2"}, data).at("header");
    ledger::BlockHeader changed = header_of(header);
    changed.tx_root[0] ^= 1;
    raw_put(data, "headers", be64(2), changed.encode());
    // The changed header no longer hashes to its indexed hash, the first check that fails.
    expected = "ledger inconsistent: height 2: block hash index";
  }
  SECTION("a body replaced by another block's") {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 8);
    REQUIRE(mdb_env_open(env, data.c_str(), MDB_RDONLY, 0644) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) == 0);
    MDB_dbi dbi;
    REQUIRE(mdb_dbi_open(txn, "bodies", 0, &dbi) == 0);
    const Bytes key = be64(0);
    MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
    MDB_val v;
    REQUIRE(mdb_get(txn, dbi, &k, &v) == 0);
    const Bytes body(static_cast<const std::uint8_t*>(v.mv_data),
                     static_cast<const std::uint8_t*>(v.mv_data) + v.mv_size);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    raw_put(data, "bodies", be64(1), body);
    expected = "ledger inconsistent: height 1: ";
  }
  SECTION("a stored tip that does not decode") {
    raw_put(data, "meta", as_bytes("tip"), Bytes{1, 2, 3});
    expected = "ledger inconsistent: ";
  }
  RunResult result = trestle({"ledger", "verify", "--data", data});
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 1);
  CHECK(result.out.empty());
  CHECK(is_one_line_error(result.err));
  CHECK(result.err.rfind("trestle: " + expected, 0) == 0);
}

TEST_CASE("cli: ledger verify and show run beside a bench process that keeps committing", "[cli][ledger]") {
  TempDir dir;
  const std::string data = dir.path("chain");
  REQUIRE(bench(data, "1", "20", {"--suite", "ecdsa"}).exit_code == 0);
  std::vector<std::string> storage = {TRESTLE_EXE, "ledger", "bench", "--data", data, "--blocks", "60", "--txs", "20"};
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  pid_t writer = 0;
  REQUIRE(posix_spawn(&writer, TRESTLE_EXE, &actions, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&actions);

  // Each check sees some prefix of the growing chain and finds it whole.
  std::uint64_t last = 0;
  int checks = 0;
  int status = 0;
  for (;;) {
    const bool done = waitpid(writer, &status, WNOHANG) == writer;
    RunResult verified = trestle({"ledger", "verify", "--data", data});
    INFO("check " << checks << ": " << verified.out << verified.err);
    REQUIRE(verified.exit_code == 0);
    REQUIRE(verified.out.rfind("ok ", 0) == 0);
    const std::uint64_t height = std::stoull(verified.out.substr(3));
    CHECK(height >= last);
    last = height;
    CHECK(show({}, data).at("height").get<std::uint64_t>() >= last);
    ++checks;
    if (done) break;
  }
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(last == 60);
  CHECK(checks >= 2);
}

}  // namespace trestle::cli_test
