// trestle sm2 encrypt | decrypt, trestle sm4

#include <memory>
#include <string>

#include "commands.hpp"
#include "trestle/crypto/cipher.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::cli {
namespace {

crypto::sm2::CiphertextFormat format_of(bool der) {
  return der ? crypto::sm2::CiphertextFormat::kDer : crypto::sm2::CiphertextFormat::kC1C3C2;
}

struct Sm2EncryptOptions {
  std::string public_key;
  std::string in;
  bool der = false;
};

Outcome run_sm2_encrypt(const Sm2EncryptOptions& options) {
  TRESTLE_TRY(Bytes encoded_key, parse_hex_option("--pubkey", options.public_key));
  auto key = crypto::PublicKey::parse(crypto::KeyType::kSm2, encoded_key);
  if (!key.ok()) return key.error().with_context("--pubkey");
  TRESTLE_TRY(Bytes plaintext, read_input(options.in));
  TRESTLE_TRY(Bytes ciphertext, crypto::sm2::encrypt(key.value(), plaintext, format_of(options.der)));
  TRESTLE_TRY_STATUS(write_stdout(ciphertext));
  return kExitOk;
}

struct Sm2DecryptOptions {
  std::string key;
  std::string in;
  bool der = false;
};

Outcome run_sm2_decrypt(const Sm2DecryptOptions& options) {
  TRESTLE_TRY(crypto::PrivateKey key, read_private_key(options.key));
  if (key.type() != crypto::KeyType::kSm2) {
    return Error(ErrorCode::kInvalidArgument, input_name(options.key) + ": not an SM2 key");
  }
  TRESTLE_TRY(Bytes ciphertext, read_input(options.in));
  auto plaintext = crypto::sm2::decrypt(key, ciphertext, format_of(options.der));
  if (!plaintext.ok()) return plaintext.error().with_context(input_name(options.in));
  Status written = write_stdout(plaintext.value());
  wipe(plaintext.value());
  TRESTLE_TRY_STATUS(std::move(written));
  return kExitOk;
}

struct Sm4Options {
  std::string mode;
  std::string key;
  std::string iv;
  std::string aad;
  std::string in;
  bool decrypt = false;
};

Result<Bytes> run_sm4_mode(const Sm4Options& options, ByteView key, ByteView input) {
  if (options.mode == "gcm") {
    TRESTLE_TRY(Bytes iv, parse_hex_option("--iv", options.iv, crypto::kGcmIvSize));
    TRESTLE_TRY(Bytes aad, parse_hex_option("--aad", options.aad));
    return options.decrypt ? crypto::sm4_gcm_decrypt(key, iv, aad, input)
                           : crypto::sm4_gcm_encrypt(key, iv, aad, input);
  }
  TRESTLE_TRY(Bytes iv, parse_hex_option("--iv", options.iv, crypto::kSm4BlockSize));
  if (options.mode == "ctr") return crypto::sm4_ctr(key, iv, input);
  return options.decrypt ? crypto::sm4_cbc_decrypt(key, iv, input) : crypto::sm4_cbc_encrypt(key, iv, input);
}

Outcome run_sm4(const Sm4Options& options) {
  TRESTLE_TRY(Bytes key, parse_hex_option("--key", options.key, crypto::kSm4KeySize));
  auto input = read_input(options.in);
  if (!input.ok()) {
    wipe(key);
    return input.error();
  }
  auto output = run_sm4_mode(options, key, input.value());
  wipe(key);
  if (!output.ok()) return output.error().with_context("sm4-" + options.mode);
  Status written = write_stdout(output.value());
  if (options.decrypt) wipe(output.value());
  TRESTLE_TRY_STATUS(std::move(written));
  return kExitOk;
}

}  // namespace

void add_cipher_commands(CLI::App& app, Action& action) {
  CLI::App* sm2 = app.add_subcommand("sm2", "SM2 public-key encryption and decryption");
  add_details(*sm2,
              "The ciphertext is raw C1||C3||C2 with C1 = 04||x1||y1 (GB/T 32918.4-2016), or with --der the ASN.1 "
              "SEQUENCE { x1, y1, C3, C2 } that OpenSSL's pkeyutl reads and writes. Output is binary.");
  sm2->require_subcommand(1);

  auto encrypt = std::make_shared<Sm2EncryptOptions>();
  CLI::App* encrypt_command = sm2->add_subcommand("encrypt", "Encrypt FILE to a public key; binary on standard output");
  encrypt_command
      ->add_option("--pubkey", encrypt->public_key, "The SM2 public key: 04||x||y, x||y or compressed, in hex")
      ->required()
      ->type_name("HEX");
  encrypt_command->add_option("--in", encrypt->in, "The plaintext ('-': standard input)")
      ->required()
      ->type_name("FILE");
  encrypt_command->add_flag("--der", encrypt->der, "Write SEQUENCE { x1, y1, C3, C2 } instead of C1||C3||C2");
  encrypt_command->callback([encrypt, &action] { action = [encrypt] { return run_sm2_encrypt(*encrypt); }; });

  auto decrypt = std::make_shared<Sm2DecryptOptions>();
  CLI::App* decrypt_command = sm2->add_subcommand(
      "decrypt", "Decrypt FILE with a PEM private key; the plaintext on standard output, nothing when it fails");
  decrypt_command->add_option("--key", decrypt->key, "The SM2 PEM private key")->required()->type_name("FILE");
  decrypt_command->add_option("--in", decrypt->in, "The ciphertext ('-': standard input)")
      ->required()
      ->type_name("FILE");
  decrypt_command->add_flag("--der", decrypt->der, "Read SEQUENCE { x1, y1, C3, C2 } instead of C1||C3||C2");
  decrypt_command->callback([decrypt, &action] {
    require_one_stdin({&decrypt->key, &decrypt->in});
    action = [decrypt] { return run_sm2_decrypt(*decrypt); };
  });

  auto sm4 = std::make_shared<Sm4Options>();
  CLI::App* sm4_command = app.add_subcommand("sm4", "SM4 encryption and decryption (cbc, ctr, gcm)");
  add_details(
      *sm4_command,
      "Byte-compatible with `openssl enc -sm4-cbc` / `-sm4-ctr`: cbc takes a 16-byte IV and uses PKCS#7 "
      "padding; ctr's 16-byte IV is the first counter block (a 128-bit big-endian counter); gcm takes a 12-byte "
      "IV and appends the 16-byte tag. Output is binary on standard output; a wrong tag or padding is an error "
      "(exit 2) with no output.");
  sm4_command->add_option("--mode", sm4->mode, "cbc, ctr or gcm")
      ->required()
      ->check(CLI::IsMember({"cbc", "ctr", "gcm"}));
  sm4_command->add_option("--key", sm4->key, "The 16-byte key")->required()->type_name("HEX");
  sm4_command->add_option("--iv", sm4->iv, "The IV: 16 bytes (cbc, ctr) or 12 bytes (gcm)")
      ->required()
      ->type_name("HEX");
  sm4_command->add_flag("--decrypt", sm4->decrypt, "Decrypt instead of encrypt");
  CLI::Option* aad = sm4_command->add_option("--aad", sm4->aad, "Associated data (gcm only)")->type_name("HEX");
  sm4_command->add_option("--in", sm4->in, "The input ('-': standard input)")->required()->type_name("FILE");
  sm4_command->callback([sm4, aad, &action] {
    if (aad->count() > 0 && sm4->mode != "gcm") throw CLI::ValidationError("--aad is only for --mode gcm");
    action = [sm4] { return run_sm4(*sm4); };
  });
}

}  // namespace trestle::cli
