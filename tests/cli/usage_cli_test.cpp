// The command as a whole: help on every subcommand, version, and usage errors.

#include <catch2/catch.hpp>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {

TEST_CASE("cli: --help works on every subcommand and exits 0", "[cli]") {
  const std::vector<std::vector<std::string>> commands = {
      {},         {"hash"},   {"key"},     {"key", "gen"}, {"key", "show"},    {"key", "encrypt"}, {"key", "decrypt"},
      {"sign"},   {"verify"}, {"recover"}, {"sm2"},        {"sm2", "encrypt"}, {"sm2", "decrypt"}, {"sm4"},
      {"version"}};
  for (std::vector<std::string> args : commands) {
    args.push_back("--help");
    INFO(join(args));
    RunResult result = trestle(args);
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("Usage:") != std::string::npos);
    CHECK(result.err.empty());
  }
  CHECK(trestle({"--help"}).out.find("Exit codes: 0 success; 1 signature invalid") != std::string::npos);
  CHECK(trestle({"verify", "--help"}).out.find("A malformed signature") != std::string::npos);
}

TEST_CASE("cli: version and --version print the same line", "[cli]") {
  RunResult version = trestle({"version"});
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("trestle ", 0) == 0);
  CHECK(version.out.find('\n') == version.out.size() - 1);
  RunResult flag = trestle({"--version"});
  CHECK(flag.exit_code == 0);
  CHECK(flag.out == version.out);
}

TEST_CASE("cli: usage errors exit 2 with one line on stderr", "[cli]") {
  const std::vector<std::vector<std::string>> cases = {
      {}, {"frobnicate"}, {"--bogus"}, {"key", "frobnicate"}, {"version", "extra"}, {"sm4", "--mode"},
  };
  for (const auto& args : cases) {
    INFO(join(args));
    RunResult result = trestle(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(is_one_line_error(result.err));
  }
}

}  // namespace trestle::cli_test
