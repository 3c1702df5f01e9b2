// trestle sign | verify | recover

#include <memory>
#include <string>

#include "commands.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/crypto/secp256k1.hpp"
#include "trestle/crypto/sm2.hpp"

namespace trestle::cli {
namespace {

// What is signed or verified: a message (from --in or --hex) that the suite hashes, or a ready
// 32-byte digest (--digest). Exactly one of the three options is given.
struct MessageOptions {
  std::string in;
  std::string hex;
  std::string digest;
  CLI::Option* in_option = nullptr;
  CLI::Option* hex_option = nullptr;
  CLI::Option* digest_option = nullptr;
};

struct Message {
  bool is_digest = false;
  Bytes bytes;
  Hash256 digest;
};

void add_message_options(CLI::App& command, MessageOptions& options, const std::string& digest_help) {
  options.in_option =
      command.add_option("--in", options.in, "The message is the content of FILE ('-': standard input)")
          ->type_name("FILE");
  options.hex_option = command.add_option("--hex", options.hex, "The message as hex")->type_name("HEX");
  options.digest_option = command.add_option("--digest", options.digest, digest_help)->type_name("HEX");
  options.in_option->excludes(options.hex_option)->excludes(options.digest_option);
  options.hex_option->excludes(options.digest_option);
}

// Called from a subcommand's callback, where CLI11 reports a thrown ParseError as a usage error.
void require_message(const MessageOptions& options) {
  if (options.in_option->count() + options.hex_option->count() + options.digest_option->count() != 1) {
    throw CLI::ValidationError("give exactly one of --in FILE, --hex HEX, --digest HEX");
  }
}

Result<Message> read_message(const MessageOptions& options) {
  Message message;
  if (options.digest_option->count() > 0) {
    TRESTLE_TRY(Bytes digest, parse_hex_option("--digest", options.digest, Hash256::kSize));
    message.is_digest = true;
    message.digest = Hash256::copy_of(digest);
  } else if (options.hex_option->count() > 0) {
    TRESTLE_TRY(message.bytes, parse_hex_option("--hex", options.hex));
  } else {
    TRESTLE_TRY(message.bytes, read_input(options.in));
  }
  return message;
}

struct SignOptions {
  std::string key;
  MessageOptions message;
  bool der = false;
};

Outcome run_sign(const SignOptions& options) {
  TRESTLE_TRY(crypto::PrivateKey key, read_private_key(options.key));
  TRESTLE_TRY(Message message, read_message(options.message));
  const crypto::CryptoSuite& suite = suite_of(key.type());
  TRESTLE_TRY(Bytes signature,
              message.is_digest ? suite.sign_digest(key, message.digest) : suite.sign(key, message.bytes));
  if (options.der) {
    if (suite.id() == crypto::SuiteId::kSm) {
      TRESTLE_TRY(crypto::sm2::Signature parsed, crypto::sm2::Signature::from_bytes(signature));
      signature = parsed.to_der();
    } else {
      TRESTLE_TRY(auto parsed, crypto::secp256k1::RecoverableSignature::from_bytes(signature));
      signature = parsed.to_der();
    }
  }
  TRESTLE_TRY_STATUS(write_stdout_line(to_hex(signature)));
  return kExitOk;
}

struct VerifyOptions {
  std::string suite;
  std::string public_key;
  MessageOptions message;
  std::string signature;
  bool der = false;
};

bool verify_der(const crypto::CryptoSuite& suite, const crypto::PublicKey& key, const Message& message, ByteView der) {
  if (suite.id() == crypto::SuiteId::kSm) {
    auto signature = crypto::sm2::Signature::from_der(der);
    if (!signature.ok()) return false;
    return message.is_digest ? crypto::sm2::verify_digest(key, message.digest, signature.value())
                             : crypto::sm2::verify(key, message.bytes, signature.value());
  }
  Hash256 digest = message.is_digest ? message.digest : suite.hash(message.bytes);
  return crypto::secp256k1::verify_digest_der(key, digest, der);
}

Outcome run_verify(const VerifyOptions& options) {
  TRESTLE_TRY(const crypto::CryptoSuite* suite, crypto::CryptoSuite::by_name(options.suite));
  TRESTLE_TRY(Bytes encoded_key, parse_hex_option("--pubkey", options.public_key));
  auto key = crypto::PublicKey::parse(suite->key_type(), encoded_key);
  if (!key.ok()) return key.error().with_context("--pubkey");
  TRESTLE_TRY(Message message, read_message(options.message));
  // A signature that is not even hex is still just a signature that does not verify.
  auto signature = from_hex(options.signature);
  bool valid = false;
  if (signature.ok()) {
    if (options.der) {
      valid = verify_der(*suite, key.value(), message, signature.value());
    } else {
      valid = message.is_digest ? suite->verify_digest(key.value(), message.digest, signature.value())
                                : suite->verify(key.value(), message.bytes, signature.value());
    }
  }
  TRESTLE_TRY_STATUS(write_stdout_line(valid ? "valid" : "invalid"));
  return valid ? kExitOk : kExitInvalid;
}

struct RecoverOptions {
  std::string digest;
  std::string signature;
};

Outcome run_recover(const RecoverOptions& options) {
  TRESTLE_TRY(Bytes digest, parse_hex_option("--digest", options.digest, Hash256::kSize));
  TRESTLE_TRY(Bytes signature, parse_hex_option("--sig", options.signature, 65));
  auto key = crypto::secp256k1::recover(Hash256::copy_of(digest), signature);
  if (!key.ok()) {
    print_error("signature invalid: " + key.error().message());
    return kExitInvalid;
  }
  TRESTLE_TRY_STATUS(write_stdout_line(to_hex(key.value().uncompressed())));
  return kExitOk;
}

}  // namespace

void add_sign_commands(CLI::App& app, Action& action) {
  auto sign = std::make_shared<SignOptions>();
  CLI::App* sign_command = app.add_subcommand("sign", "Sign a message or digest with a PEM private key; prints hex");
  add_details(*sign_command,
              "sm keys sign e = SM3(Z_A||M) with the default user ID 1234567812345678 and print r||s (64 bytes); "
              "ecdsa keys sign Keccak-256(M) (RFC 6979, low-S) and print r||s||v (65 bytes, v in {0,1}). With "
              "--digest the given 32 bytes are signed as they are. With --der, the DER SEQUENCE { r, s } is printed.");
  sign_command->add_option("--key", sign->key, "The PEM private key (PKCS#8 or SEC1); its curve picks the suite")
      ->required()
      ->type_name("FILE");
  add_message_options(*sign_command, sign->message,
                      "Sign this 32-byte digest as is (sm: e = SM3(Z_A||M); ecdsa: the hash of the message)");
  sign_command->add_flag("--der", sign->der, "Print the DER signature SEQUENCE { r, s } instead (no v)");
  sign_command->callback([sign, &action] {
    require_message(sign->message);
    require_one_stdin({&sign->key, &sign->message.in});
    action = [sign] { return run_sign(*sign); };
  });

  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* verify_command =
      app.add_subcommand("verify", "Verify a signature; prints 'valid' (exit 0) or 'invalid' (exit 1)");
  add_details(*verify_command,
              "A malformed signature (not hex, wrong length, bad DER, r or s out of range, high-S for ecdsa) is "
              "'invalid', exit 1: it is simply not a valid signature. A malformed public key (not hex, not a point on "
              "the suite's curve), digest or message input is a usage error, exit 2. The message is hashed as "
              "`trestle sign` does: SM3(Z_A||M) with the default user ID for sm, Keccak-256(M) for ecdsa.");
  verify_command->add_option("--suite", verify->suite, "sm or ecdsa")
      ->required()
      ->check(CLI::IsMember({"sm", "ecdsa"}));
  verify_command->add_option("--pubkey", verify->public_key, "The public key: 04||x||y, x||y or compressed, in hex")
      ->required()
      ->type_name("HEX");
  add_message_options(*verify_command, verify->message,
                      "Verify against this 32-byte digest (sm: e = SM3(Z_A||M); ecdsa: the hash of the message)");
  verify_command
      ->add_option("--sig", verify->signature, "The signature: r||s (ecdsa: r||s or r||s||v), or DER with --der")
      ->required()
      ->type_name("HEX");
  verify_command->add_flag("--der", verify->der, "The signature is DER SEQUENCE { r, s }");
  verify_command->callback([verify, &action] {
    require_message(verify->message);
    action = [verify] { return run_verify(*verify); };
  });

  auto recover = std::make_shared<RecoverOptions>();
  CLI::App* recover_command =
      app.add_subcommand("recover", "Print the secp256k1 public key (04||x||y hex) that made an ecdsa signature");
  add_details(*recover_command,
              "Exit 1, with the reason on stderr, when the signature recovers no key (r or s out of range, high-S, "
              "no point); exit 2 when --digest is not 32 bytes or --sig not 65 bytes of hex.");
  recover_command->add_option("--digest", recover->digest, "The signed 32-byte digest")->required()->type_name("HEX");
  recover_command->add_option("--sig", recover->signature, "The 65-byte signature r||s||v, v in {0,1}")
      ->required()
      ->type_name("HEX");
  recover_command->callback([recover, &action] { action = [recover] { return run_recover(*recover); }; });
}

}  // namespace trestle::cli
