// `trestle sm2 encrypt | decrypt` and `trestle sm4`, byte for byte against the openssl command.

#include <catch2/catch.hpp>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {
namespace {

constexpr const char* kKey = "0123456789abcdeffedcba9876543210";
constexpr const char* kIv16 = "000102030405060708090a0b0c0d0e0f";

std::string pattern(std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size; ++i) out.push_back(static_cast<char>((i * 37 + 11) & 0xff));
  return out;
}

RunResult sm4(const std::vector<std::string>& args, std::string_view input = {}) {
  std::vector<std::string> full = {"sm4"};
  full.insert(full.end(), args.begin(), args.end());
  return trestle(full, input);
}

void check_failure(const RunResult& result) {
  CHECK(result.exit_code == 2);
  CHECK(result.out.empty());
  CHECK(is_one_line_error(result.err));
}

}  // namespace

TEST_CASE("cli: sm2 encrypt and decrypt round-trip in both ciphertext formats", "[cli]") {
  TempDir dir;
  std::string key = generate_key(dir, "sm", "sm.pem");
  std::string pub = show_key(key).public_hex;
  // GB/T 32918.4 defines no encryption of an empty message.
  check_failure(trestle({"sm2", "encrypt", "--pubkey", pub, "--in", "-"}));
  for (std::size_t size : {1u, 32u, 1000u}) {
    INFO(size);
    std::string plaintext_file = dir.write("plain", pattern(size));
    RunResult raw = trestle({"sm2", "encrypt", "--pubkey", pub, "--in", plaintext_file});
    REQUIRE(raw.exit_code == 0);
    CHECK(raw.out.size() == 65 + 32 + size);
    CHECK(raw.out[0] == '\x04');
    std::string raw_file = dir.write("raw.bin", raw.out);
    RunResult opened = trestle({"sm2", "decrypt", "--key", key, "--in", raw_file});
    CHECK(opened.exit_code == 0);
    CHECK(opened.out == pattern(size));
    CHECK(trestle({"sm2", "decrypt", "--key", key, "--in", "-"}, raw.out).out == pattern(size));

    RunResult der = trestle({"sm2", "encrypt", "--pubkey", pub, "--in", "-", "--der"}, pattern(size));
    REQUIRE(der.exit_code == 0);
    CHECK(der.out[0] == '\x30');
    std::string der_file = dir.write("der.bin", der.out);
    CHECK(trestle({"sm2", "decrypt", "--key", key, "--in", der_file, "--der"}).out == pattern(size));
    check_failure(trestle({"sm2", "decrypt", "--key", key, "--in", der_file}));
  }
}

TEST_CASE("cli: sm2 --der ciphertexts interoperate with openssl pkeyutl both ways", "[cli]") {
  TempDir dir;
  std::string key = dir.path("sm2.pem");
  openssl({"genpkey", "-algorithm", "SM2", "-out", key});
  std::string pub = show_key(key).public_hex;
  std::string public_pem = dir.write("pub.pem", openssl({"pkey", "-in", key, "-pubout"}).out);
  std::string plaintext = "an SM2 message of a few dozen bytes, ok";
  std::string plaintext_file = dir.write("plain", plaintext);

  RunResult ours = trestle({"sm2", "encrypt", "--pubkey", pub, "--in", plaintext_file, "--der"});
  REQUIRE(ours.exit_code == 0);
  std::string ours_file = dir.write("ours.der", ours.out);
  CHECK(openssl({"pkeyutl", "-decrypt", "-inkey", key, "-in", ours_file}).out == plaintext);

  std::string theirs_file = dir.path("theirs.der");
  openssl({"pkeyutl", "-encrypt", "-pubin", "-inkey", public_pem, "-in", plaintext_file, "-out", theirs_file});
  RunResult opened = trestle({"sm2", "decrypt", "--key", key, "--in", theirs_file, "--der"});
  CHECK(opened.exit_code == 0);
  CHECK(opened.out == plaintext);
}

TEST_CASE("cli: sm2 decrypt fails with exit 2 and no output on a wrong key or tampered ciphertext", "[cli]") {
  TempDir dir;
  std::string key = generate_key(dir, "sm", "sm.pem");
  std::string other = generate_key(dir, "sm", "other.pem");
  std::string ecdsa = generate_key(dir, "ecdsa", "k1.pem");
  std::string pub = show_key(key).public_hex;
  RunResult sealed = trestle({"sm2", "encrypt", "--pubkey", pub, "--in", "-"}, "secret message");
  REQUIRE(sealed.exit_code == 0);
  std::string good = dir.write("good.bin", sealed.out);
  std::string tampered_bytes = sealed.out;
  tampered_bytes.back() = static_cast<char>(tampered_bytes.back() ^ 1);
  std::string tampered = dir.write("tampered.bin", tampered_bytes);

  check_failure(trestle({"sm2", "decrypt", "--key", other, "--in", good}));
  check_failure(trestle({"sm2", "decrypt", "--key", key, "--in", tampered}));
  check_failure(trestle({"sm2", "decrypt", "--key", key, "--in", dir.write("short.bin", sealed.out.substr(0, 50))}));
  check_failure(trestle({"sm2", "decrypt", "--key", key, "--in", dir.write("empty.bin", "")}));
  check_failure(trestle({"sm2", "decrypt", "--key", ecdsa, "--in", good}));
  check_failure(trestle({"sm2", "decrypt", "--key", dir.path("missing.pem"), "--in", good}));
  check_failure(trestle({"sm2", "decrypt", "--key", key}));
  check_failure(trestle({"sm2", "decrypt", "--key", "-", "--in", "-"}, dir.read("sm.pem")));
  check_failure(trestle({"sm2", "encrypt", "--pubkey", "04" + std::string(128, '1'), "--in", good}));
  check_failure(trestle({"sm2", "encrypt", "--pubkey", "nothex", "--in", good}));
  check_failure(trestle({"sm2", "encrypt", "--pubkey", pub, "--in", dir.path("missing")}));
  check_failure(trestle({"sm2", "encrypt", "--pubkey", pub}));
  check_failure(trestle({"sm2"}));
}

TEST_CASE("cli: sm4 cbc and ctr match openssl enc byte for byte and decrypt back", "[cli]") {
  TempDir dir;
  for (std::size_t size : {0u, 1u, 15u, 16u, 17u, 64u, 1000u, 70000u}) {
    std::string plain_file = dir.write("plain", pattern(size));
    for (auto [mode, iv] : {std::pair{"cbc", kIv16}, {"ctr", kIv16}, {"ctr", "fffffffffffffffffffffffffffffffe"}}) {
      INFO(mode << " " << iv << " " << size);
      std::string expected_file = dir.path("expected");
      openssl({"enc", std::string("-sm4-") + mode, "-K", kKey, "-iv", iv, "-in", plain_file, "-out", expected_file});
      RunResult encrypted = sm4({"--mode", mode, "--key", kKey, "--iv", iv, "--in", plain_file});
      CHECK(encrypted.exit_code == 0);
      CHECK(encrypted.err.empty());
      CHECK(encrypted.out == dir.read("expected"));
      RunResult decrypted = sm4({"--mode", mode, "--key", kKey, "--iv", iv, "--decrypt", "--in", "-"}, encrypted.out);
      CHECK(decrypted.exit_code == 0);
      CHECK(decrypted.out == pattern(size));
    }
  }
}

TEST_CASE("cli: sm4 gcm matches RFC 8998, round-trips, and a wrong tag is exit 2 with no output", "[cli]") {
  const std::string key = "0123456789ABCDEFFEDCBA9876543210";
  const std::string iv = "00001234567800000000ABCD";
  const std::string aad = "FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2";
  const std::string plaintext = unhex(
      "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
      "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA");
  const std::string expected =
      "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735"
      "d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
      "83de3541e4c2b58177e065a9bf7b62ec";
  RunResult sealed = sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--aad", aad, "--in", "-"}, plaintext);
  CHECK(sealed.exit_code == 0);
  CHECK(hex(sealed.out) == expected);

  RunResult opened =
      sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--aad", aad, "--decrypt", "--in", "-"}, sealed.out);
  CHECK(opened.exit_code == 0);
  CHECK(opened.out == plaintext);

  std::string bad_tag = sealed.out;
  bad_tag.back() = static_cast<char>(bad_tag.back() ^ 0x80);
  check_failure(sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--aad", aad, "--decrypt", "--in", "-"}, bad_tag));
  check_failure(sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--decrypt", "--in", "-"}, sealed.out));
  check_failure(sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--decrypt", "--in", "-"}, "short"));

  // No associated data and an empty message: just the tag.
  RunResult empty = sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--in", "-"});
  CHECK(empty.exit_code == 0);
  CHECK(empty.out.size() == 16);
  CHECK(sm4({"--mode", "gcm", "--key", key, "--iv", iv, "--decrypt", "--in", "-"}, empty.out).exit_code == 0);
}

TEST_CASE("cli: sm4 rejects bad keys, IVs, options and padding with exit 2", "[cli]") {
  TempDir dir;
  std::string file = dir.write("plain", "data");
  check_failure(sm4({"--mode", "cbc", "--key", "0011", "--iv", kIv16, "--in", file}));
  check_failure(sm4({"--mode", "cbc", "--key", kKey, "--iv", "00112233445566778899aabb", "--in", file}));
  check_failure(sm4({"--mode", "gcm", "--key", kKey, "--iv", kIv16, "--in", file}));
  check_failure(sm4({"--mode", "cbc", "--key", kKey, "--iv", kIv16, "--aad", "00", "--in", file}));
  check_failure(sm4({"--mode", "ecb", "--key", kKey, "--iv", kIv16, "--in", file}));
  check_failure(sm4({"--mode", "cbc", "--key", "zz", "--iv", kIv16, "--in", file}));
  check_failure(sm4({"--mode", "cbc", "--key", kKey, "--iv", kIv16}));
  check_failure(sm4({"--mode", "cbc", "--key", kKey, "--iv", kIv16, "--in", dir.path("missing")}));
  // Not a whole number of blocks; a last block whose plaintext ends in 0x00, which is no padding.
  check_failure(sm4({"--mode", "cbc", "--key", kKey, "--iv", kIv16, "--decrypt", "--in", "-"}, "short"));
  std::string zero_block = dir.write("zero", std::string(16, '\0'));
  std::string unpadded = dir.path("unpadded");
  openssl({"enc", "-sm4-cbc", "-nopad", "-K", kKey, "-iv", kIv16, "-in", zero_block, "-out", unpadded});
  check_failure(sm4({"--mode", "cbc", "--key", kKey, "--iv", kIv16, "--decrypt", "--in", unpadded}));
}

}  // namespace trestle::cli_test
