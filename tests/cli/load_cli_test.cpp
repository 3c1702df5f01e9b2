// `trestle load` against a stand-in node (rpc_cli_fixture.hpp): signing, batches, commits,
// reports, and bad accounts directories.

#include "rpc_cli_fixture.hpp"

namespace trestle::cli_test::rpc {

TEST_CASE("load signs, submits in batches and measures commits", "[cli][rpc][load]") {
  std::string suite_name = GENERATE(as<std::string>{}, "sm", "ecdsa");
  INFO("suite " << suite_name);
  const crypto::CryptoSuite& suite = suite_named(suite_name);
  FakeNode node(suite);
  TempDir dir;
  std::vector<Address> accounts = write_accounts(dir, suite, 3);

  RunResult load = trestle({"load", "--url", node.url() + "," + node.url(), "--accounts", dir.path("accounts"), "--txs",
                            "20", "--batch", "7", "--amount", "3", "--json"});
  INFO("stderr: " << load.err);
  REQUIRE(load.exit_code == 0);
  json report = json::parse(load.out);
  CHECK(load.out == report.dump() + "\n");  // one object on one line
  CHECK(report["submitted"] == 20);
  CHECK(report["committed"] == 20);
  CHECK(report["rejected"] == 0);
  CHECK(report["tps"].get<double>() > 0);
  CHECK(report["latency_ms_p50"].get<double>() > 0);
  CHECK(report["latency_ms_p99"].get<double>() >= report["latency_ms_p50"].get<double>());
  CHECK(report.contains("seconds"));
  check_no_problems(node);

  // Every transfer is a signed, distinct transaction from account i mod 3 to the next account.
  std::vector<Received> received = node.received();
  REQUIRE(received.size() == 20);
  std::map<std::pair<std::string, std::string>, int> pairs;
  std::set<std::string> hashes;
  for (const Received& one : received) {
    REQUIRE(one.tx.target.has_value());
    CHECK(node::asset::decode_transfer(one.tx.payload).value() == 3);
    CHECK(one.tx.block_limit == kStartHeight + 500);
    pairs[{to_hex(one.sender), to_hex(*one.tx.target)}]++;
    hashes.insert(one.hash);
  }
  CHECK(hashes.size() == 20);
  CHECK(pairs.size() == 3);
  CHECK(pairs[{to_hex(accounts[0]), to_hex(accounts[1])}] == 7);
  CHECK(pairs[{to_hex(accounts[1]), to_hex(accounts[2])}] == 7);
  CHECK(pairs[{to_hex(accounts[2]), to_hex(accounts[0])}] == 6);
  // Batches of 7: 20 transactions in 3 sendTransaction batches, each one HTTP request.
  CHECK(node.params_of("sendTransaction").size() == 20);
  std::vector<std::size_t> batches = node.batch_sizes();
  std::sort(batches.begin(), batches.end());
  CHECK(batches == std::vector<std::size_t>{6, 7, 7});
  for (const json& params : node.params_of("getBlockByNumber")) CHECK(params[1] == false);
}

TEST_CASE("load prints a text report and exits 1 when transactions do not commit", "[cli][rpc][load]") {
  const crypto::CryptoSuite& suite = crypto::CryptoSuite::sm();
  FakeNode node(suite);
  TempDir dir;
  std::vector<Address> accounts = write_accounts(dir, suite, 2);

  SECTION("all committed, rate-limited") {
    auto started = std::chrono::steady_clock::now();
    RunResult load =
        trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "10", "--rate", "20"});
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    INFO("stderr: " << load.err);
    REQUIRE(load.exit_code == 0);
    std::regex report(
        "submitted 10\ncommitted 10\nrejected 0\ntx/s [0-9]+\\.[0-9]\nlatency p50 [0-9]+\\.[0-9] ms\n"
        "latency p99 [0-9]+\\.[0-9] ms\n");
    CHECK(std::regex_match(load.out, report));
    CHECK(seconds >= 0.4);  // 10 transfers at 20 tx/s in batches of 2: the last batch leaves at 0.4 s
  }
  SECTION("nothing commits") {
    node.set_commit(false);
    RunResult load = trestle(
        {"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "5", "--timeout", "0.5", "--json"});
    CHECK(load.exit_code == 1);
    json report = json::parse(load.out);
    CHECK(report["submitted"] == 5);
    CHECK(report["committed"] == 0);
    CHECK(report["tps"] == 0);
    CHECK(load.err.find("5 of 5 transactions not committed within 0.5 s") != std::string::npos);
  }
  SECTION("refused transactions are counted") {
    // Every other batch of one goes to a URL where nothing listens: those transfers are refused.
    std::string unreachable = "http://127.0.0.1:" + std::to_string(closed_port());
    RunResult load = trestle({"load", "--url", node.url() + "," + unreachable, "--accounts", dir.path("accounts"),
                              "--txs", "4", "--batch", "1", "--timeout", "3", "--json"});
    CHECK(load.exit_code == 1);
    json report = json::parse(load.out);
    CHECK(report["submitted"] == 4);
    CHECK(report["committed"] == 2);
    CHECK(report["rejected"] == 2);
    CHECK(load.err.find("cannot reach " + unreachable) != std::string::npos);
  }
  SECTION("bad accounts directories") {
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("nowhere"), "--txs", "1"}),
                      "nowhere");
    dir.write("accounts/accounts.json", "[{\"address\": \"00\", \"key\": \"account0.pem\"}]");
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "accounts.json[0].address");
    dir.write("accounts/accounts.json",
              json::array({{{"address", std::string(40, '0')}, {"key", "account0.pem"}}}).dump());
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "has the address");
    dir.write("accounts/accounts.json",
              json::array({{{"address", to_hex(accounts[0])}, {"key", "account0.pem"}, {"balance", 0}}}).dump());
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "none can send");
    dir.write("accounts/accounts.json", "{}");
    check_usage_error(trestle({"load", "--url", node.url(), "--accounts", dir.path("accounts"), "--txs", "1"}),
                      "non-empty array");
    CHECK(node.params_of("sendTransaction").empty());
  }
}

}  // namespace trestle::cli_test::rpc
