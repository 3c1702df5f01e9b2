// `trestle key gen | show | encrypt | decrypt`, checked against OpenSSL's reading of the same keys.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {
namespace {

std::filesystem::perms permissions(const std::string& path) {
  return std::filesystem::status(path).permissions() & std::filesystem::perms::all;
}

constexpr auto kOwnerOnly = std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

// The address of an sm key: the last 20 bytes of SM3(x || y), computed by OpenSSL.
std::string openssl_sm_address(const TempDir& dir, const std::string& public_hex) {
  std::string xy = dir.write("xy.bin", unhex(public_hex.substr(2)));
  std::string digest = openssl({"dgst", "-sm3", "-r", xy}).out.substr(0, 64);
  return digest.substr(24);
}

}  // namespace

TEST_CASE("cli: key gen writes PKCS#8 PEM that OpenSSL parses, on stdout or a 0600 file", "[cli]") {
  TempDir dir;
  for (auto [suite, oid] : {std::pair{"sm", "ASN1 OID: SM2"}, {"ecdsa", "ASN1 OID: secp256k1"}}) {
    INFO(suite);
    RunResult printed = trestle({"key", "gen", "--suite", suite});
    REQUIRE(printed.exit_code == 0);
    CHECK(printed.out.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
    CHECK(printed.err.empty());
    std::string from_stdout = dir.write(std::string(suite) + "-stdout.pem", printed.out);
    CHECK(openssl({"pkey", "-in", from_stdout, "-noout", "-text"}).out.find(oid) != std::string::npos);

    std::string path = generate_key(dir, suite, std::string(suite) + ".pem");
    CHECK(permissions(path) == kOwnerOnly);
    CHECK(dir.read(std::string(suite) + ".pem").rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
    CHECK(openssl({"pkey", "-in", path, "-noout", "-text"}).out.find(oid) != std::string::npos);
    ShownKey shown = show_key(path);
    CHECK(shown.suite == suite);
    CHECK(shown.public_hex == openssl_public_point(path));
    CHECK(show_key(from_stdout).public_hex != shown.public_hex);
  }
}

TEST_CASE("cli: key gen refuses to overwrite without --force, and --force keeps mode 0600", "[cli]") {
  TempDir dir;
  std::string path = dir.write("existing.pem", "keep me");
  ::chmod(path.c_str(), 0644);
  RunResult refused = trestle({"key", "gen", "--suite", "sm", "--out", path});
  CHECK(refused.exit_code == 2);
  CHECK(is_one_line_error(refused.err));
  CHECK(refused.err.find("--force") != std::string::npos);
  CHECK(dir.read("existing.pem") == "keep me");

  RunResult forced = trestle({"key", "gen", "--suite", "ecdsa", "--out", path, "--force"});
  CHECK(forced.exit_code == 0);
  CHECK(permissions(path) == kOwnerOnly);
  CHECK(show_key(path).suite == "ecdsa");
  CHECK(std::distance(std::filesystem::directory_iterator(path.substr(0, path.rfind('/'))),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("cli: key show reads keys made by openssl genpkey (PKCS#8) and ecparam (SEC1)", "[cli]") {
  TempDir dir;
  std::string sm2 = dir.path("sm2.pem");
  openssl({"genpkey", "-algorithm", "SM2", "-out", sm2});
  ShownKey sm = show_key(sm2);
  CHECK(sm.suite == "sm");
  CHECK(sm.public_hex == openssl_public_point(sm2));
  CHECK(sm.address == openssl_sm_address(dir, sm.public_hex));

  std::string k1 = dir.path("k1.pem");
  openssl({"ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", k1});
  REQUIRE(dir.read("k1.pem").rfind("-----BEGIN EC PRIVATE KEY-----", 0) == 0);
  ShownKey ecdsa = show_key(k1);
  CHECK(ecdsa.suite == "ecdsa");
  CHECK(ecdsa.public_hex == openssl_public_point(k1));

  // Keys from standard input work too.
  RunResult piped = trestle({"key", "show", "-"}, dir.read("sm2.pem"));
  CHECK(piped.exit_code == 0);
  CHECK(piped.out == "suite: sm\npublic: " + sm.public_hex + "\naddress: " + sm.address + "\n");
}

TEST_CASE("cli: key show gives the Ethereum address of a known key", "[cli]") {
  // The example account of the web3.js documentation.
  TempDir dir;
  std::string der = dir.write("key.der", unhex("302e0201010420"
                                               "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
                                               "a00706052b8104000a"));
  std::string pem = dir.path("key.pem");
  openssl({"ec", "-inform", "DER", "-in", der, "-out", pem});
  ShownKey shown = show_key(pem);
  CHECK(shown.suite == "ecdsa");
  CHECK(shown.address == "2c7536e3605d9c16a7a3d7b1898e529396a65c23");
}

TEST_CASE("cli: key show rejects missing, malformed and oversized files with exit 2", "[cli]") {
  TempDir dir;
  std::string good = generate_key(dir, "sm", "good.pem");
  std::string pem = dir.read("good.pem");
  std::string truncated = pem.substr(0, pem.size() / 2);
  const std::vector<std::string> files = {
      dir.path("missing.pem"),
      dir.path(""),
      dir.write("empty.pem", ""),
      dir.write("garbage.pem", "not a key\n"),
      dir.write("truncated.pem", truncated),
      dir.write("public.pem", openssl({"pkey", "-in", good, "-pubout"}).out),
      dir.write("huge.pem", std::string(100 << 10, 'A')),
  };
  for (const std::string& file : files) {
    INFO(file);
    RunResult result = trestle({"key", "show", file});
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(is_one_line_error(result.err));
  }
  CHECK(trestle({"key", "show", dir.path("huge.pem")}).err.find("64 KiB") != std::string::npos);
  CHECK(trestle({"key", "show"}).exit_code == 2);
  CHECK(trestle({"key", "gen", "--suite", "rsa"}).exit_code == 2);
  CHECK(trestle({"key", "gen"}).exit_code == 2);
  CHECK(trestle({"key"}).exit_code == 2);
}

TEST_CASE("cli: key encrypt and decrypt round-trip through a keystore with a password", "[cli]") {
  TempDir dir;
  for (const char* suite : {"sm", "ecdsa"}) {
    INFO(suite);
    std::string key = generate_key(dir, suite, std::string(suite) + ".pem");
    ShownKey original = show_key(key);
    std::string keystore = dir.path(std::string(suite) + ".json");
    const std::vector<std::string> env = {"TRESTLE_PASSWORD=correct horse"};

    RunResult sealed = trestle({"key", "encrypt", "--key", key, "--out", keystore}, {}, env);
    INFO("stderr: " << sealed.err);
    REQUIRE(sealed.exit_code == 0);
    CHECK(permissions(keystore) == kOwnerOnly);
    CHECK(dir.read(std::string(suite) + ".json").find("BEGIN") == std::string::npos);

    // key show opens a keystore when given the password, from the environment or a file.
    CHECK(show_key(keystore, env).public_hex == original.public_hex);
    std::string password_file = dir.write("password.txt", "correct horse\n");
    RunResult shown = trestle({"key", "show", keystore, "--password-file", password_file});
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find(original.address) != std::string::npos);

    std::string reopened = dir.path(std::string(suite) + "-reopened.pem");
    RunResult opened =
        trestle({"key", "decrypt", "--keystore", keystore, "--out", reopened, "--password-file", password_file});
    REQUIRE(opened.exit_code == 0);
    CHECK(permissions(reopened) == kOwnerOnly);
    CHECK(show_key(reopened).public_hex == original.public_hex);
    CHECK(openssl_public_point(reopened) == original.public_hex);

    // The password file can be standard input.
    RunResult piped = trestle({"key", "decrypt", "--keystore", keystore, "--password-file", "-"}, "correct horse\n");
    CHECK(piped.exit_code == 0);
    CHECK(piped.out.rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0);
    CHECK(trestle({"key", "show", "-", "--password-file", "-"}).exit_code == 2);

    RunResult wrong = trestle({"key", "decrypt", "--keystore", keystore}, {}, {"TRESTLE_PASSWORD=wrong"});
    CHECK(wrong.exit_code == 2);
    CHECK(wrong.out.empty());
    CHECK(is_one_line_error(wrong.err));
    RunResult no_password = trestle({"key", "show", keystore});
    CHECK(no_password.exit_code == 2);
    CHECK(no_password.err.find("TRESTLE_PASSWORD") != std::string::npos);
    CHECK(trestle({"key", "encrypt", "--key", key, "--out", keystore}, {}, env).exit_code == 2);
    CHECK(trestle({"key", "encrypt", "--key", key}, {}, {"TRESTLE_PASSWORD="}).exit_code == 2);
  }
  // No password option takes the password itself.
  CHECK(trestle({"key", "encrypt", "--key", "k.pem", "--password", "x"}).exit_code == 2);
}

}  // namespace trestle::cli_test
