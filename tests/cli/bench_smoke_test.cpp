// A very short `trestle-bench crypto --json` run: it must succeed and print the documented rows.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {

TEST_CASE("cli: trestle-bench crypto --json prints rows with the documented keys", "[cli][bench]") {
  RunResult result = run(TRESTLE_BENCH_EXE, {"crypto", "--json", "--seconds", "0.02"});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  nlohmann::json rows = nlohmann::json::parse(result.out);
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() >= 10);
  std::set<std::string> ops;
  std::set<std::string> peers;
  for (const auto& row : rows) {
    REQUIRE(row.is_object());
    std::set<std::string> keys;
    for (const auto& item : row.items()) keys.insert(item.key());
    CHECK(keys == std::set<std::string>{"op", "unit", "trestle", "peer", "peer_value", "ratio"});
    CHECK(row["op"].is_string());
    CHECK((row["unit"] == "ops/s" || row["unit"] == "MB/s"));
    REQUIRE(row["trestle"].is_number());
    CHECK(row["trestle"].get<double>() > 0);
    CHECK(row["peer"].is_string());
    if (row["peer"] == "-") {
      CHECK(row["peer_value"].is_null());
      CHECK(row["ratio"].is_null());
    } else {
      REQUIRE(row["peer_value"].is_number());
      REQUIRE(row["ratio"].is_number());
      CHECK(row["ratio"].get<double>() ==
            Approx(row["trestle"].get<double>() / row["peer_value"].get<double>()).epsilon(1e-9));
    }
    ops.insert(row["op"].get<std::string>());
    peers.insert(row["peer"].get<std::string>());
  }
  for (const char* op :
       {"sm3 8KiB", "sha256 8KiB", "keccak256 8KiB", "sm4-cbc encrypt 8KiB", "sm4-ctr 8KiB", "aes-256-gcm encrypt 8KiB",
        "sm2 sign", "sm2 verify", "secp256k1 sign", "secp256k1 verify", "secp256k1 recover"}) {
    CHECK(ops.count(op) == 1);
  }
  CHECK(peers.count("openssl") == 1);
  CHECK(peers.count("libsecp256k1") == 1);

  RunResult usage = run(TRESTLE_BENCH_EXE, {"crypto", "--seconds", "-1"});
  CHECK(usage.exit_code == 2);
}

}  // namespace trestle::cli_test

namespace trestle::cli_test {

// A tiny end-to-end run: a 4-node chain in the benchmark's process commits 300 transfers.
TEST_CASE("cli: trestle-bench node --json prints throughput and latency rows", "[cli][bench]") {
  RunResult result = run(TRESTLE_BENCH_EXE, {"node", "--json", "--suite", "ecdsa", "--txs", "300", "--no-sync"});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  nlohmann::json rows = nlohmann::json::parse(result.out);
  REQUIRE(rows.is_array());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["op"] == "pbft n=4 ecdsa e2e");
  CHECK(rows[0]["unit"] == "tx/s");
  CHECK(rows[0]["trestle"].get<double>() > 0);
  CHECK(rows[0]["peer"] == "goal");
  CHECK(rows[0]["peer_value"] == 5000.0);
  CHECK(rows[1]["op"] == "pbft n=4 ecdsa e2e commit latency p50");
  CHECK(rows[2]["op"] == "pbft n=4 ecdsa e2e commit latency p99");
  CHECK(rows[2]["trestle"].get<double>() >= rows[1]["trestle"].get<double>());
  CHECK(rows[1]["unit"] == "ms");

  RunResult usage = run(TRESTLE_BENCH_EXE, {"node", "--suite", "rsa"});
  CHECK(usage.exit_code == 2);
}

}  // namespace trestle::cli_test
