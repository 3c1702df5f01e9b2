// A very short `trestle-bench ledger --json` run: it must succeed (which includes its byte-for-byte
// cross-check of the raw LMDB peers against the ledger store) and print the documented rows.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {

TEST_CASE("cli: trestle-bench ledger --json prints commit, read and layout rows", "[cli][bench][ledger]") {
  TempDir dir;
  RunResult result = run(TRESTLE_BENCH_EXE, {"ledger", "--json", "--blocks", "3", "--txs", "20", "--read-seconds",
                                             "0.01", "--layout-commits", "1", "--dir", dir.path("")});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  const nlohmann::json rows = nlohmann::json::parse(result.out);
  REQUIRE(rows.is_array());
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& row : rows) {
    std::set<std::string> keys;
    for (const auto& item : row.items()) keys.insert(item.key());
    CHECK(keys == std::set<std::string>{"op", "unit", "trestle", "peer", "peer_value", "ratio"});
    REQUIRE(row["trestle"].is_number());
    REQUIRE(row["peer_value"].is_number());
    CHECK(row["trestle"].get<double>() > 0);
    CHECK(row["peer_value"].get<double>() > 0);
    CHECK(row["ratio"].get<double>() ==
          Approx(row["trestle"].get<double>() / row["peer_value"].get<double>()).epsilon(1e-9));
    seen.emplace(row["op"].get<std::string>(), row["peer"].get<std::string>() + " | " + row["unit"].get<std::string>());
  }
  const std::string commit = "commit block of 20 txs, durable";
  CHECK(seen.count({commit, "raw lmdb, same puts | blocks/s"}) == 1);
  CHECK(seen.count({commit, "raw lmdb, plain puts | blocks/s"}) == 1);
  CHECK(seen.count({commit, "raw lmdb, same puts | written KB/block"}) == 1);
  CHECK(seen.count({"tx read by hash", "raw lmdb get | ops/s"}) == 1);
  CHECK(seen.count({"layout: 1000 random 32B keys/commit, sorted", "unsorted | commits/s"}) == 1);
  CHECK(seen.count({"layout: 1000 append-order keys/commit, MDB_APPEND", "random keys, sorted | commits/s"}) == 1);
  // The scratch stores are removed afterwards.
  CHECK(std::filesystem::is_empty(dir.path("")));

  CHECK(run(TRESTLE_BENCH_EXE, {"ledger", "--blocks", "0"}).exit_code == 2);
  CHECK(run(TRESTLE_BENCH_EXE, {"ledger", "--suite", "rsa"}).exit_code == 2);
}

}  // namespace trestle::cli_test
