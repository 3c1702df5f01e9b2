// `trestle chain init`: the files it writes load with the node library, the node keys are the
// genesis sealers, accounts are funded, ports follow the documented layout, and an existing chain
// is never overwritten.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/node/config.hpp"

namespace trestle::cli_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool is_private_file(const fs::path& path) {
  return fs::status(path).permissions() == (fs::perms::owner_read | fs::perms::owner_write);
}

crypto::PrivateKey key_of(const fs::path& path) {
  REQUIRE(is_private_file(path));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  auto key = crypto::private_key_from_pem(text.str());
  INFO(path.string() << ": " << (key.ok() ? "" : key.error().message()));
  REQUIRE(key.ok());
  return std::move(key).value();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Expected {
  std::string suite;
  std::string engine;
  std::string chain_id;
  std::string application;
  std::uint32_t nodes = 0;
  std::uint32_t accounts = 0;
  std::uint64_t balance = 0;
  std::uint16_t base_port = 0;
  std::vector<std::string> hosts;
};

// Checks a chain directory written by `chain init` against what the options asked for.
void check_chain(const fs::path& dir, const Expected& expected) {
  auto genesis = node::load_genesis(dir / "genesis.json");
  INFO((genesis.ok() ? "" : genesis.error().message()));
  REQUIRE(genesis.ok());
  const crypto::CryptoSuite& suite = node::genesis_suite(genesis.value());
  CHECK(genesis->suite == expected.suite);
  CHECK(genesis->chain_id == expected.chain_id);
  CHECK(genesis->consensus.engine == expected.engine);
  CHECK(genesis->application == expected.application);
  CHECK(genesis->timestamp_ms > 1'600'000'000'000);
  REQUIRE(genesis->sealers.size() == expected.nodes);

  for (std::uint32_t i = 0; i < expected.nodes; ++i) {
    INFO("node " << i);
    const fs::path node_dir = dir / ("node" + std::to_string(i));
    auto config = node::load_node_config(node_dir / "config.json");
    INFO((config.ok() ? "" : config.error().message()));
    REQUIRE(config.ok());
    CHECK(fs::equivalent(config->genesis, dir / "genesis.json"));
    CHECK(config->key == node_dir / "node.pem");
    CHECK(config->data_dir == node_dir / "data");
    CHECK(config->p2p.host == expected.hosts[i]);
    CHECK(config->p2p.port == expected.base_port + 2 * i);
    CHECK(config->rpc.host == "127.0.0.1");  // JSON-RPC is exposed only by an explicit edit
    CHECK(config->rpc.port == expected.base_port + 2 * i + 1);
    REQUIRE(config->peers.size() == expected.nodes - 1);
    std::uint32_t peer = 0;
    for (std::uint32_t j = 0; j < expected.nodes; ++j) {
      if (j == i) continue;
      CHECK(config->peers[peer].index == j);
      CHECK(config->peers[peer].endpoint.host == expected.hosts[j]);
      CHECK(config->peers[peer].endpoint.port == expected.base_port + 2 * j);
      ++peer;
    }
    // Written relative, so the directory can be moved or copied to another machine.
    std::ifstream in(node_dir / "config.json");
    const json raw = json::parse(in);
    CHECK(raw["genesis"] == "../genesis.json");
    CHECK(raw["key"] == "node.pem");
    CHECK(raw["data_dir"] == "data");

    const crypto::PrivateKey key = key_of(node_dir / "node.pem");
    CHECK(key.type() == suite.key_type());
    CHECK(key.public_key() == genesis->sealers[i]);
  }

  std::ifstream in(dir / "accounts" / "accounts.json");
  const json accounts = json::parse(in);
  REQUIRE(accounts.is_array());
  REQUIRE(accounts.size() == expected.accounts);
  json funded = json::array();
  for (std::uint32_t j = 0; j < expected.accounts; ++j) {
    INFO("account " << j);
    const json& account = accounts[j];
    CHECK(account["key"] == "account" + std::to_string(j) + ".pem");
    const crypto::PrivateKey key = key_of(dir / "accounts" / account["key"].get<std::string>());
    CHECK(key.type() == suite.key_type());
    CHECK(account["address"] == to_hex(suite.address(key.public_key())));
    CHECK(account["balance"] == (expected.application == "asset" ? expected.balance : 0));
    funded.push_back({{"address", account["address"]}, {"balance", expected.balance}});
  }
  if (expected.application == "asset") {
    CHECK(json::parse(genesis->application_state_json) == json{{"accounts", funded}});
  } else {
    CHECK(genesis->application_state_json.empty());
  }
}

TEST_CASE("cli: chain init writes a 4-node sm chain that the node library loads", "[cli][chain]") {
  TempDir dir;
  const std::string out = dir.path("chain");
  RunResult result = trestle({"chain", "init", "--nodes", "4", "--suite", "sm", "--accounts", "3", "--base-port",
                              "40000", "--balance", "5000", "--out", out});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());
  CHECK(lines_of(result.out) == std::vector<std::string>{
                                    "chain trestle-local: 4 nodes (sm, pbft), 3 accounts in " + out,
                                    "node0: p2p 127.0.0.1:40000, rpc http://127.0.0.1:40001/",
                                    "node1: p2p 127.0.0.1:40002, rpc http://127.0.0.1:40003/",
                                    "node2: p2p 127.0.0.1:40004, rpc http://127.0.0.1:40005/",
                                    "node3: p2p 127.0.0.1:40006, rpc http://127.0.0.1:40007/",
                                });
  check_chain(out,
              {"sm", "pbft", "trestle-local", "asset", 4, 3, 5000, 40000, std::vector<std::string>(4, "127.0.0.1")});

  SECTION("a second init into the same directory is refused and changes nothing") {
    const std::string before = dir.read("chain/genesis.json");
    RunResult again = trestle({"chain", "init", "--nodes", "1", "--suite", "ecdsa", "--out", out});
    CHECK(again.exit_code == 2);
    CHECK(is_one_line_error(again.err));
    CHECK(again.err.find("genesis.json exists") != std::string::npos);
    CHECK(again.out.empty());
    CHECK(dir.read("chain/genesis.json") == before);
  }
}

TEST_CASE("cli: chain init writes a 3-node ecdsa raft chain with hosts, kv and a chain id", "[cli][chain]") {
  TempDir dir;
  const std::string out = dir.path("raft");
  RunResult result =
      trestle({"chain", "init", "--nodes", "3", "--suite", "ecdsa", "--consensus", "raft", "--application", "kv",
               "--chain-id", "edge-7", "--hosts", "10.0.0.1,10.0.0.2,node3.example", "--out", out});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  CHECK(result.err.empty());  // Raft with 3 nodes is not a warning
  CHECK(lines_of(result.out) == std::vector<std::string>{
                                    "chain edge-7: 3 nodes (ecdsa, raft), 10 accounts in " + out,
                                    "node0: p2p 10.0.0.1:30300, rpc http://127.0.0.1:30301/",
                                    "node1: p2p 10.0.0.2:30302, rpc http://127.0.0.1:30303/",
                                    "node2: p2p node3.example:30304, rpc http://127.0.0.1:30305/",
                                });
  check_chain(
      out, {"ecdsa", "raft", "edge-7", "kv", 3, 10, 1'000'000'000, 30300, {"10.0.0.1", "10.0.0.2", "node3.example"}});
}

TEST_CASE("cli: chain init warns that pbft below 4 nodes tolerates no Byzantine fault", "[cli][chain]") {
  TempDir dir;
  RunResult result =
      trestle({"chain", "init", "--nodes", "2", "--suite", "sm", "--accounts", "0", "--out", dir.path("c")});
  REQUIRE(result.exit_code == 0);
  CHECK(is_one_line_error(result.err));
  CHECK(result.err.find("warning: pbft with 2 nodes tolerates no Byzantine fault") != std::string::npos);
  check_chain(dir.path("c"), {"sm", "pbft", "trestle-local", "asset", 2, 0, 0, 30300, {"127.0.0.1", "127.0.0.1"}});
}

TEST_CASE("cli: chain init rejects bad options with exit 2 before writing anything", "[cli][chain]") {
  TempDir dir;
  const std::string out = dir.path("bad");
  const std::vector<std::vector<std::string>> cases = {
      {"--nodes", "0", "--suite", "sm"},
      {"--nodes", "65", "--suite", "sm"},
      {"--nodes", "4", "--suite", "rsa"},
      {"--nodes", "4"},
      {"--nodes", "4", "--suite", "sm", "--consensus", "hotstuff"},
      {"--nodes", "4", "--suite", "sm", "--application", "evm"},
      {"--nodes", "4", "--suite", "sm", "--hosts", "a,b,c"},
      {"--nodes", "2", "--suite", "sm", "--hosts", "a,b c"},
      {"--nodes", "4", "--suite", "sm", "--base-port", "65530"},
      {"--nodes", "4", "--suite", "sm", "--base-port", "0"},
      {"--nodes", "4", "--suite", "sm", "--chain-id", "two words"},
      {"--nodes", "4", "--suite", "sm", "--chain-id", std::string(65, 'x')},
      {"--nodes", "4", "--suite", "sm", "--accounts", "-1"},
      {"--nodes", "4", "--suite", "sm", "--balance", "lots"},
  };
  for (const auto& options : cases) {
    std::vector<std::string> args = {"chain", "init", "--out", out};
    args.insert(args.end(), options.begin(), options.end());
    INFO(join(args));
    RunResult result = trestle(args);
    CHECK(result.exit_code == 2);
    CHECK(is_one_line_error(result.err));
    CHECK(result.out.empty());
    CHECK_FALSE(fs::exists(out));
  }
  RunResult no_out = trestle({"chain", "init", "--nodes", "4", "--suite", "sm"});
  CHECK(no_out.exit_code == 2);
  CHECK(no_out.err.find("--out") != std::string::npos);
}

TEST_CASE("cli: chain init never replaces a key left in the directory", "[cli][chain]") {
  TempDir dir;
  fs::create_directories(dir.path("chain/node1"));
  const std::string stale = dir.write("chain/node1/node.pem", "not ours");
  RunResult result = trestle({"chain", "init", "--nodes", "4", "--suite", "sm", "--out", dir.path("chain")});
  CHECK(result.exit_code == 2);
  CHECK(is_one_line_error(result.err));
  CHECK(result.err.find("node1/node.pem exists") != std::string::npos);
  CHECK(dir.read("chain/node1/node.pem") == "not ours");
  CHECK_FALSE(fs::exists(dir.path("chain/genesis.json")));
  CHECK_FALSE(fs::exists(dir.path("chain/node0/node.pem")));
}

}  // namespace
}  // namespace trestle::cli_test
