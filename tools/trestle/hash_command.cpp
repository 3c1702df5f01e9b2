// trestle hash --alg sm3|sha256|keccak256 [--hex HEX | --in FILE]

#include <memory>
#include <string>

#include "commands.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/hash.hpp"

namespace trestle::cli {
namespace {

struct HashOptions {
  std::string algorithm;
  std::string hex;
  std::string in = "-";
  bool from_hex = false;
};

Outcome run_hash(const HashOptions& options) {
  TRESTLE_TRY(crypto::HashAlgorithm algorithm, crypto::parse_hash_algorithm(options.algorithm));
  crypto::Hasher hasher(algorithm);
  if (options.from_hex) {
    TRESTLE_TRY(Bytes message, parse_hex_option("--hex", options.hex));
    hasher.update(message);
  } else {
    // Streamed, so files of any size can be hashed without the input size limit.
    TRESTLE_TRY_STATUS(stream_input(options.in, [&hasher](ByteView chunk) { hasher.update(chunk); }));
  }
  TRESTLE_TRY_STATUS(write_stdout_line(to_hex(hasher.finish())));
  return kExitOk;
}

}  // namespace

void add_hash_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<HashOptions>();
  CLI::App* hash = app.add_subcommand("hash", "Print the digest of a message in hex");
  hash->add_option("--alg", options->algorithm, "Hash algorithm (keccak256 is Ethereum's, not SHA3-256)")
      ->required()
      ->check(CLI::IsMember({"sm3", "sha256", "keccak256"}));
  CLI::Option* hex = hash->add_option("--hex", options->hex, "The message as hex");
  hash->add_option("--in", options->in, "Read the message from FILE ('-': standard input, the default)")->excludes(hex);
  hash->callback([options, hex, &action] {
    options->from_hex = hex->count() > 0;
    action = [options] { return run_hash(*options); };
  });
}

}  // namespace trestle::cli
