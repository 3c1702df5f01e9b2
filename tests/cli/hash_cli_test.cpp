// `trestle hash`: standard vectors, every input path, OpenSSL on a large streamed input, errors.

#include <catch2/catch.hpp>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {
namespace {

constexpr const char* kSm3Abc = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0";
constexpr const char* kSha256Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr const char* kKeccakAbc = "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45";

void check_hash(const RunResult& result, const std::string& expected) {
  INFO("stderr: " << result.err);
  CHECK(result.exit_code == 0);
  CHECK(result.out == expected + "\n");
  CHECK(result.err.empty());
}

}  // namespace

TEST_CASE("cli: hash prints the standard digests of 'abc' from --hex, --in, --in - and stdin", "[cli]") {
  TempDir dir;
  std::string file = dir.write("abc", "abc");
  for (auto [alg, expected] : {std::pair{"sm3", kSm3Abc}, {"sha256", kSha256Abc}, {"keccak256", kKeccakAbc}}) {
    INFO(alg);
    check_hash(trestle({"hash", "--alg", alg, "--hex", "616263"}), expected);
    check_hash(trestle({"hash", "--alg", alg, "--hex", "0x616263"}), expected);
    check_hash(trestle({"hash", "--alg", alg, "--in", file}), expected);
    check_hash(trestle({"hash", "--alg", alg, "--in", "-"}, "abc"), expected);
    check_hash(trestle({"hash", "--alg", alg}, "abc"), expected);
  }
}

TEST_CASE("cli: hash of the empty message and of GB/T 32905's 64-byte example", "[cli]") {
  check_hash(trestle({"hash", "--alg", "keccak256", "--hex", ""}),
             "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  check_hash(trestle({"hash", "--alg", "sha256"}, ""),
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  std::string abcd;
  for (int i = 0; i < 16; ++i) abcd += "abcd";
  check_hash(trestle({"hash", "--alg", "sm3"}, abcd),
             "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST_CASE("cli: hash of a multi-chunk file matches openssl dgst", "[cli]") {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 300'000; ++i) data.push_back(static_cast<char>((i * 131 + 7) % 251));
  std::string file = dir.write("big", data);
  for (const char* alg : {"sm3", "sha256"}) {
    INFO(alg);
    RunResult reference = openssl({"dgst", std::string("-") + alg, "-r", file});
    check_hash(trestle({"hash", "--alg", alg, "--in", file}), reference.out.substr(0, 64));
  }
}

TEST_CASE("cli: hash usage and input errors exit 2 with one line on stderr", "[cli]") {
  TempDir dir;
  std::string file = dir.write("abc", "abc");
  const std::vector<std::vector<std::string>> cases = {
      {"hash", "--alg", "md5", "--hex", "00"},
      {"hash", "--hex", "00"},
      {"hash", "--alg", "sm3", "--hex", "0g"},
      {"hash", "--alg", "sm3", "--hex", "123"},
      {"hash", "--alg", "sm3", "--hex", "00", "--in", file},
      {"hash", "--alg", "sm3", "--in", dir.path("missing")},
      {"hash", "--alg", "sm3", "--in", dir.path("")},
      {"hash", "--alg", "sm3", "--bogus"},
      {"hash", "--alg", "sm3", "extra"},
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
