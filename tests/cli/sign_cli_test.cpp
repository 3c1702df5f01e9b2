// `trestle sign | verify | recover` for both suites, with OpenSSL as the independent verifier
// and signer, and SM2's e = SM3(Z_A || M) recomputed here from GB/T 32918's definition.

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "process.hpp"

namespace trestle::cli_test {
namespace {

// GB/T 32918.5 curve parameters a, b, x_G, y_G, for Z_A.
constexpr const char* kSm2Abxy =
    "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc"
    "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0";
constexpr const char* kSecp256k1Order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

std::string openssl_sm3(const TempDir& dir, const std::string& data) {
  return openssl({"dgst", "-sm3", "-r", dir.write("sm3-input.bin", data)}).out.substr(0, 64);
}

// e = SM3(Z_A || M) with the default user ID, computed with OpenSSL's SM3.
std::string sm2_e(const TempDir& dir, const std::string& public_hex, const std::string& message) {
  std::string za = openssl_sm3(dir, unhex("0080") + "1234567812345678" + unhex(kSm2Abxy) + unhex(public_hex.substr(2)));
  return openssl_sm3(dir, unhex(za) + message);
}

// n - s for 32-byte big-endian values.
std::string order_minus(const std::string& s_bytes) {
  std::string n = unhex(kSecp256k1Order);
  std::string out(32, '\0');
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = static_cast<unsigned char>(n[i]) - static_cast<unsigned char>(s_bytes[i]) - borrow;
    borrow = d < 0 ? 1 : 0;
    out[i] = static_cast<char>(d + 256 * borrow);
  }
  return out;
}

// s of a DER SEQUENCE { INTEGER r, INTEGER s } with short lengths, as 32 bytes.
std::string der_s(const std::string& der) {
  std::size_t r_length = static_cast<unsigned char>(der[3]);
  std::size_t s_at = 4 + r_length;
  std::size_t s_length = static_cast<unsigned char>(der[s_at + 1]);
  std::string s = der.substr(s_at + 2, s_length);
  if (s.size() > 32) s = s.substr(s.size() - 32);
  return std::string(32 - s.size(), '\0') + s;
}

RunResult verify(const std::string& suite, const std::string& public_hex, const std::vector<std::string>& message,
                 const std::string& signature, bool der = false) {
  std::vector<std::string> args = {"verify", "--suite", suite, "--pubkey", public_hex};
  args.insert(args.end(), message.begin(), message.end());
  args.insert(args.end(), {"--sig", signature});
  if (der) args.push_back("--der");
  return trestle(args);
}

void check_valid(const RunResult& result, bool expected) {
  INFO("stderr: " << result.err);
  CHECK(result.out == (expected ? "valid\n" : "invalid\n"));
  CHECK(result.exit_code == (expected ? 0 : 1));
  CHECK(result.err.empty());
}

std::string sign(const std::vector<std::string>& args, std::string_view input = {}) {
  std::vector<std::string> full = {"sign"};
  full.insert(full.end(), args.begin(), args.end());
  RunResult result = trestle(full, input);
  INFO(join(full) << "\nstderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  REQUIRE(result.out.back() == '\n');
  return trim(result.out);
}

}  // namespace

TEST_CASE("cli: sign then verify for both suites, from --hex, --in and standard input", "[cli]") {
  TempDir dir;
  std::string message_file = dir.write("message", "pay 10 to bob");
  const std::string message_hex = hex("pay 10 to bob");
  for (auto [suite, size] : {std::pair{"sm", 64u}, {"ecdsa", 65u}}) {
    INFO(suite);
    std::string key = generate_key(dir, suite, std::string(suite) + ".pem");
    std::string pub = show_key(key).public_hex;

    std::string signature = sign({"--key", key, "--hex", message_hex});
    CHECK(signature.size() == 2 * size);
    CHECK(signature.find_first_not_of("0123456789abcdef") == std::string::npos);
    check_valid(verify(suite, pub, {"--hex", message_hex}, signature), true);
    check_valid(verify(suite, pub, {"--in", message_file}, signature), true);
    check_valid(verify(suite, pub, {"--in", "-"}, signature), false);  // empty standard input
    check_valid(verify(suite, pub, {"--hex", message_hex + "00"}, signature), false);

    std::string from_file = sign({"--key", key, "--in", message_file});
    check_valid(verify(suite, pub, {"--hex", message_hex}, from_file), true);
    std::string from_stdin = sign({"--key", key, "--in", "-"}, "pay 10 to bob");
    check_valid(verify(suite, pub, {"--hex", message_hex}, from_stdin), true);

    // Another key's signature, and a flipped bit, are invalid.
    std::string other = show_key(generate_key(dir, suite, std::string(suite) + "-other.pem")).public_hex;
    check_valid(verify(suite, other, {"--hex", message_hex}, signature), false);
    std::string flipped = signature;
    flipped[10] = flipped[10] == '0' ? '1' : '0';
    check_valid(verify(suite, pub, {"--hex", message_hex}, flipped), false);
  }
}

TEST_CASE("cli: sm DER signatures interoperate with openssl dgst -sm3 both ways", "[cli]") {
  TempDir dir;
  std::string key = generate_key(dir, "sm", "sm.pem");
  std::string pub = show_key(key).public_hex;
  std::string public_pem = dir.write("pub.pem", openssl({"pkey", "-in", key, "-pubout"}).out);
  std::string message_file = dir.write("message", "national algorithms");

  std::string der = sign({"--key", key, "--in", message_file, "--der"});
  CHECK(der.rfind("30", 0) == 0);
  check_valid(verify("sm", pub, {"--in", message_file}, der, true), true);
  std::string signature_file = dir.write("ours.der", unhex(der));
  openssl({"dgst", "-sm3", "-verify", public_pem, "-sigopt", "distid:1234567812345678", "-signature", signature_file,
           message_file});

  std::string theirs = dir.path("theirs.der");
  openssl({"dgst", "-sm3", "-sign", key, "-sigopt", "distid:1234567812345678", "-out", theirs, message_file});
  check_valid(verify("sm", pub, {"--in", message_file}, hex(dir.read("theirs.der")), true), true);
  check_valid(verify("sm", pub, {"--hex", "00"}, hex(dir.read("theirs.der")), true), false);
  // A raw r||s given as DER, and DER given as raw, are malformed signatures: invalid.
  check_valid(verify("sm", pub, {"--in", message_file}, der), false);
  check_valid(verify("sm", pub, {"--in", message_file}, sign({"--key", key, "--in", message_file}), true), false);
}

TEST_CASE("cli: ecdsa DER signatures interoperate with openssl pkeyutl, high-S is invalid", "[cli]") {
  TempDir dir;
  std::string key = dir.path("k1.pem");
  openssl({"ecparam", "-name", "secp256k1", "-genkey", "-noout", "-out", key});
  std::string pub = show_key(key).public_hex;
  std::string public_pem = dir.write("pub.pem", openssl({"pkey", "-in", key, "-pubout"}).out);
  for (int i = 0; i < 6; ++i) {
    std::string digest = std::string(31, static_cast<char>(i)) + "\x42";
    std::string digest_file = dir.write("digest.bin", digest);

    std::string der = sign({"--key", key, "--digest", hex(digest), "--der"});
    check_valid(verify("ecdsa", pub, {"--digest", hex(digest)}, der, true), true);
    std::string ours = dir.write("ours.der", unhex(der));
    openssl({"pkeyutl", "-verify", "-pubin", "-inkey", public_pem, "-in", digest_file, "-sigfile", ours});

    // OpenSSL does not normalise s; Trestle accepts only the low-S half, as Ethereum does.
    std::string theirs = dir.path("theirs.der");
    openssl({"pkeyutl", "-sign", "-inkey", key, "-in", digest_file, "-out", theirs});
    std::string s = der_s(dir.read("theirs.der"));
    bool low_s = s <= order_minus(s);
    check_valid(verify("ecdsa", pub, {"--digest", hex(digest)}, hex(dir.read("theirs.der")), true), low_s);
  }
}

TEST_CASE("cli: --digest signs the given digest: Keccak-256(M) for ecdsa, SM3(Z_A||M) for sm", "[cli]") {
  TempDir dir;
  const std::string message = "transfer";
  std::string ecdsa_key = generate_key(dir, "ecdsa", "k1.pem");
  std::string ecdsa_pub = show_key(ecdsa_key).public_hex;
  std::string keccak = trim(trestle({"hash", "--alg", "keccak256", "--hex", hex(message)}).out);
  // RFC 6979 signatures are deterministic, so both paths give the same bytes.
  std::string by_message = sign({"--key", ecdsa_key, "--hex", hex(message)});
  CHECK(sign({"--key", ecdsa_key, "--digest", keccak}) == by_message);
  check_valid(verify("ecdsa", ecdsa_pub, {"--digest", keccak}, by_message), true);
  check_valid(verify("ecdsa", ecdsa_pub, {"--digest", keccak}, by_message.substr(0, 128)), true);

  std::string sm_key = generate_key(dir, "sm", "sm.pem");
  std::string sm_pub = show_key(sm_key).public_hex;
  std::string e = sm2_e(dir, sm_pub, message);
  check_valid(verify("sm", sm_pub, {"--digest", e}, sign({"--key", sm_key, "--hex", hex(message)})), true);
  std::string by_digest = sign({"--key", sm_key, "--digest", e, "--der"});
  check_valid(verify("sm", sm_pub, {"--hex", hex(message)}, by_digest, true), true);
  // The sm suite does not hash a --digest again: a digest of the message itself is not e.
  std::string plain_sm3 = openssl_sm3(dir, message);
  check_valid(verify("sm", sm_pub, {"--digest", plain_sm3}, sign({"--key", sm_key, "--hex", hex(message)})), false);
}

TEST_CASE("cli: recover returns the signer's public key", "[cli]") {
  TempDir dir;
  std::string key = generate_key(dir, "ecdsa", "k1.pem");
  std::string pub = show_key(key).public_hex;
  const std::string digest = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  std::string signature = sign({"--key", key, "--digest", digest});
  RunResult recovered = trestle({"recover", "--digest", digest, "--sig", signature});
  CHECK(recovered.exit_code == 0);
  CHECK(recovered.out == pub + "\n");
  CHECK(recovered.err.empty());

  RunResult other = trestle({"recover", "--digest", std::string(64, '1'), "--sig", signature});
  CHECK(other.exit_code == 0);
  CHECK(other.out != pub + "\n");

  // r = 0 recovers no key: the signature is invalid (exit 1), with the reason on stderr.
  RunResult none =
      trestle({"recover", "--digest", digest, "--sig", std::string(64, '0') + std::string(63, '0') + "100"});
  CHECK(none.exit_code == 1);
  CHECK(none.out.empty());
  CHECK(is_one_line_error(none.err));

  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"recover", "--digest", digest, "--sig", signature.substr(0, 128)},
                                             {"recover", "--digest", digest, "--sig", signature + "00"},
                                             {"recover", "--digest", digest, "--sig", "zz"},
                                             {"recover", "--digest", digest.substr(2), "--sig", signature},
                                             {"recover", "--sig", signature},
                                             {"recover", "--digest", digest}}) {
    INFO(join(args));
    RunResult result = trestle(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(is_one_line_error(result.err));
  }
}

TEST_CASE("cli: verify says invalid (exit 1) for malformed and high-S signatures", "[cli]") {
  TempDir dir;
  std::string key = generate_key(dir, "ecdsa", "k1.pem");
  std::string pub = show_key(key).public_hex;
  const std::string digest(64, 'a');
  std::string signature = sign({"--key", key, "--digest", digest});
  std::string rs = unhex(signature);
  std::string high_s = rs.substr(0, 32) + order_minus(rs.substr(32, 32)) + static_cast<char>(rs[64] ^ 1);
  check_valid(verify("ecdsa", pub, {"--digest", digest}, hex(high_s)), false);
  std::string sm_pub = show_key(generate_key(dir, "sm", "sm.pem")).public_hex;
  for (const std::string& malformed : {std::string("zz"), std::string("123"), std::string(""), signature + "00",
                                       signature.substr(0, 126), std::string(128, '0'), std::string(128, 'f')}) {
    INFO(malformed);
    check_valid(verify("ecdsa", pub, {"--digest", digest}, malformed), false);
    check_valid(verify("ecdsa", pub, {"--digest", digest}, malformed, true), false);
    check_valid(verify("sm", sm_pub, {"--digest", digest}, malformed), false);
    check_valid(verify("sm", sm_pub, {"--digest", digest}, malformed, true), false);
  }
}

TEST_CASE("cli: sign and verify usage and input errors exit 2 with one line on stderr", "[cli]") {
  TempDir dir;
  std::string key = generate_key(dir, "sm", "sm.pem");
  std::string pub = show_key(key).public_hex;
  std::string signature = sign({"--key", key, "--hex", "00"});
  std::string garbage = dir.write("garbage.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  std::string off_curve = "04" + std::string(128, '1');
  // A sparse file just over the 1 GiB input limit: refused from its size, before any read.
  std::string huge = dir.write("huge", "");
  std::filesystem::resize_file(huge, (std::uintmax_t{1} << 30) + 1);
  const std::vector<std::vector<std::string>> cases = {
      {"sign", "--key", dir.path("missing.pem"), "--hex", "00"},
      {"sign", "--key", garbage, "--hex", "00"},
      {"sign", "--key", key},
      {"sign", "--key", key, "--hex", "00", "--digest", std::string(64, '0')},
      {"sign", "--key", key, "--hex", "00", "--in", "-"},
      {"sign", "--key", key, "--digest", "00"},
      {"sign", "--key", key, "--hex", "xyz0"},
      {"sign", "--key", key, "--in", dir.path("missing")},
      {"sign", "--key", key, "--in", huge},
      {"sign", "--hex", "00"},
      {"sign", "--key", "-", "--in", "-"},
      {"verify", "--suite", "sm", "--pubkey", "04zz", "--hex", "00", "--sig", signature},
      {"verify", "--suite", "sm", "--pubkey", pub.substr(0, 100), "--hex", "00", "--sig", signature},
      {"verify", "--suite", "sm", "--pubkey", off_curve, "--hex", "00", "--sig", signature},
      {"verify", "--suite", "rsa", "--pubkey", pub, "--hex", "00", "--sig", signature},
      {"verify", "--suite", "sm", "--pubkey", pub, "--sig", signature},
      {"verify", "--suite", "sm", "--pubkey", pub, "--hex", "00"},
      {"verify", "--suite", "sm", "--pubkey", pub, "--digest", "0000", "--sig", signature},
      {"verify", "--suite", "sm", "--pubkey", pub, "--hex", "0", "--sig", signature},
      {"verify", "--suite", "sm", "--pubkey", pub, "--in", dir.path("missing"), "--sig", signature},
  };
  for (const auto& args : cases) {
    INFO(join(args));
    RunResult result = trestle(args);
    CHECK(result.exit_code == 2);
    CHECK(result.out.empty());
    CHECK(is_one_line_error(result.err));
  }
  CHECK(trestle({"sign", "--key", key, "--in", huge}).err.find("limit of 1 GiB") != std::string::npos);
}

}  // namespace trestle::cli_test
