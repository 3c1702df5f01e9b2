// `trestle sim`: seed sweeps of the consensus simulator from the command line.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {

TEST_CASE("cli: sim sweeps PBFT seeds under faults and reports JSON with the documented keys", "[cli][sim]") {
  RunResult result = trestle({"sim", "--engine", "pbft", "--nodes", "4", "--byzantine", "1", "--faults",
                              "drop,delay,partition,duplicate,crash", "--seeds", "1..30", "--blocks", "10", "--json"});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  nlohmann::json report = nlohmann::json::parse(result.out);
  CHECK(report["runs"] == 30);
  CHECK(report["violations"] == 0);
  REQUIRE(report["failing_seeds"].is_array());
  CHECK(report["failing_seeds"].empty());
  REQUIRE(report["engines"].contains("pbft"));
  CHECK(report["engines"]["pbft"]["blocks_committed"].get<int>() == 300);
}

TEST_CASE("cli: sim replays one seed of Raft and prints a text summary", "[cli][sim]") {
  RunResult result = trestle({"sim", "--engine", "raft", "--nodes", "3", "--crash", "1", "--seed", "7"});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.out.find("violations 0") != std::string::npos);
}

TEST_CASE("cli: sim rejects bad arguments with exit 2", "[cli][sim]") {
  CHECK(trestle({"sim", "--engine", "paxos"}).exit_code == 2);
  CHECK(trestle({"sim", "--engine", "raft", "--nodes", "3", "--byzantine", "1"}).exit_code == 2);
  CHECK(trestle({"sim", "--engine", "pbft", "--seeds", "9..1"}).exit_code == 2);
}

}  // namespace trestle::cli_test
