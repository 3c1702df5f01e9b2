// trestle key gen | show | encrypt | decrypt

#include <memory>
#include <string>

#include "commands.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/keystore.hpp"

namespace trestle::cli {
namespace {

constexpr const char* kPasswordHelp =
    "Read the password from the first line of FILE; without it, from the environment variable "
    "TRESTLE_PASSWORD (never from the command line)";

// Writes a secret text to `out` (a new 0600 file) or, when `out` is empty, to standard output.
Status emit_secret(std::string& text, const std::string& out, bool force) {
  Status written = out.empty() ? write_stdout(as_bytes(text)) : write_private_file(out, as_bytes(text), force);
  wipe(text);
  return written;
}

struct GenOptions {
  std::string suite;
  std::string out;
  bool force = false;
};

Outcome run_gen(const GenOptions& options) {
  TRESTLE_TRY(const crypto::CryptoSuite* suite, crypto::CryptoSuite::by_name(options.suite));
  TRESTLE_TRY(crypto::PrivateKey key, suite->generate_key());
  std::string pem = crypto::private_key_to_pem(key);
  TRESTLE_TRY_STATUS(emit_secret(pem, options.out, options.force));
  return kExitOk;
}

// A keystore is JSON; a PEM file starts with "-----BEGIN".
bool looks_like_keystore(std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

struct ShowOptions {
  std::string file;
  std::string password_file;
};

Result<crypto::PrivateKey> read_key_or_keystore(const ShowOptions& options) {
  TRESTLE_TRY(std::string text, read_secret_file(options.file));
  if (!looks_like_keystore(text)) {
    auto key = crypto::private_key_from_pem(text);
    wipe(text);
    if (!key.ok()) return key.error().with_context(input_name(options.file));
    return key;
  }
  auto password = read_password(options.password_file);
  if (!password.ok()) {
    wipe(text);
    return password.error().with_context(input_name(options.file) + " is a keystore");
  }
  auto key = crypto::keystore_decrypt(text, password.value());
  wipe(text);
  wipe(password.value());
  if (!key.ok()) return key.error().with_context(input_name(options.file));
  return key;
}

Outcome run_show(const ShowOptions& options) {
  TRESTLE_TRY(crypto::PrivateKey key, read_key_or_keystore(options));
  const crypto::CryptoSuite& suite = suite_of(key.type());
  std::string text = "suite: " + std::string(suite.name()) + "\npublic: " + to_hex(key.public_key().uncompressed()) +
                     "\naddress: " + to_hex(suite.address(key.public_key())) + "\n";
  TRESTLE_TRY_STATUS(write_stdout(as_bytes(text)));
  return kExitOk;
}

struct EncryptOptions {
  std::string key;
  std::string out;
  std::string password_file;
  bool force = false;
};

Outcome run_encrypt(const EncryptOptions& options) {
  TRESTLE_TRY(crypto::PrivateKey key, read_private_key(options.key));
  TRESTLE_TRY(std::string password, read_password(options.password_file));
  if (password.empty()) return Error(ErrorCode::kInvalidArgument, "the password is empty; refusing to encrypt with it");
  auto keystore = crypto::keystore_encrypt(key, password);
  wipe(password);
  if (!keystore.ok()) return keystore.error();
  // A keystore is only as strong as its password, so it gets mode 0600 like the PEM.
  TRESTLE_TRY_STATUS(emit_secret(keystore.value(), options.out, options.force));
  return kExitOk;
}

struct DecryptOptions {
  std::string keystore;
  std::string out;
  std::string password_file;
  bool force = false;
};

Outcome run_decrypt(const DecryptOptions& options) {
  TRESTLE_TRY(std::string text, read_secret_file(options.keystore));
  auto password = read_password(options.password_file);
  if (!password.ok()) {
    wipe(text);
    return password.error();
  }
  auto key = crypto::keystore_decrypt(text, password.value());
  wipe(text);
  wipe(password.value());
  if (!key.ok()) return key.error().with_context(input_name(options.keystore));
  std::string pem = crypto::private_key_to_pem(key.value());
  TRESTLE_TRY_STATUS(emit_secret(pem, options.out, options.force));
  return kExitOk;
}

void add_output_options(CLI::App& command, std::string& out, bool& force, const std::string& what) {
  command.add_option("--out", out, "Write " + what + " to a new FILE with mode 0600 (default: standard output)")
      ->type_name("FILE");
  command.add_flag("--force", force, "Replace the --out file if it exists");
}

}  // namespace

void add_key_commands(CLI::App& app, Action& action) {
  CLI::App* key = app.add_subcommand("key", "Generate, inspect and password-protect private keys");
  key->require_subcommand(1);

  auto gen = std::make_shared<GenOptions>();
  CLI::App* gen_command = key->add_subcommand("gen", "Generate a private key, written as PKCS#8 PEM");
  add_details(*gen_command,
              "With --out the file is created with mode 0600; an existing file is kept (exit 2) unless --force, which "
              "replaces it atomically.");
  gen_command->add_option("--suite", gen->suite, "sm: an SM2 key; ecdsa: a secp256k1 key")
      ->required()
      ->check(CLI::IsMember({"sm", "ecdsa"}));
  add_output_options(*gen_command, gen->out, gen->force, "the key");
  gen_command->callback([gen, &action] { action = [gen] { return run_gen(*gen); }; });

  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_command = key->add_subcommand("show", "Print a key's suite, public key and address");
  add_details(*show_command,
              "Prints three lines: 'suite: sm|ecdsa', 'public: <04||x||y hex>', 'address: <20-byte hex>' (the last "
              "20 bytes of the suite's hash of x||y). A keystore file is opened with the password.");
  show_command->add_option("file", show->file, "A PEM private key (PKCS#8 or SEC1) or a keystore ('-': standard input)")
      ->required()
      ->type_name("FILE");
  show_command->add_option("--password-file", show->password_file, std::string(kPasswordHelp) + "; keystores only")
      ->type_name("FILE");
  show_command->callback([show, &action] {
    require_one_stdin({&show->file, &show->password_file});
    action = [show] { return run_show(*show); };
  });

  auto encrypt = std::make_shared<EncryptOptions>();
  CLI::App* encrypt_command =
      key->add_subcommand("encrypt", "Seal a PEM private key into a password-protected JSON keystore");
  add_details(
      *encrypt_command,
      "The password comes from --password-file or TRESTLE_PASSWORD, never from the command line; an empty "
      "password is refused. The keystore derives its key with scrypt and seals with SM4-GCM (sm) or AES-256-GCM "
      "(ecdsa).");
  encrypt_command->add_option("--key", encrypt->key, "The PEM private key")->required()->type_name("FILE");
  add_output_options(*encrypt_command, encrypt->out, encrypt->force, "the keystore");
  encrypt_command->add_option("--password-file", encrypt->password_file, kPasswordHelp)->type_name("FILE");
  encrypt_command->callback([encrypt, &action] {
    require_one_stdin({&encrypt->key, &encrypt->password_file});
    action = [encrypt] { return run_encrypt(*encrypt); };
  });

  auto decrypt = std::make_shared<DecryptOptions>();
  CLI::App* decrypt_command = key->add_subcommand("decrypt", "Open a keystore and write the key as PKCS#8 PEM");
  decrypt_command->add_option("--keystore", decrypt->keystore, "The keystore")->required()->type_name("FILE");
  add_output_options(*decrypt_command, decrypt->out, decrypt->force, "the key");
  decrypt_command->add_option("--password-file", decrypt->password_file, kPasswordHelp)->type_name("FILE");
  decrypt_command->callback([decrypt, &action] {
    require_one_stdin({&decrypt->keystore, &decrypt->password_file});
    action = [decrypt] { return run_decrypt(*decrypt); };
  });
}

}  // namespace trestle::cli
