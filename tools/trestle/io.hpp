#pragma once
// Plumbing shared by the subcommands of `trestle`: exit codes, bounded input reading, output
// writing, private files, keys and passwords.
//
// Every function reports a problem as an Error whose message is one line a user can act on
// and names the file or option concerned; main() prints it and exits with kExitUsage.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::cli {

// The exit codes scripts rely on.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // a signature is not valid
inline constexpr int kExitUsage = 2;    // bad usage or bad input; one line on stderr

// Inputs read whole into memory are capped, so a wrong path (a device, a huge log) fails with a
// clear message instead of exhausting memory.
inline constexpr std::size_t kInputSizeMax = std::size_t{1} << 30;
// Key, keystore and password files are small; anything larger is not one.
inline constexpr std::size_t kSecretFileSizeMax = std::size_t{64} << 10;

// What a subcommand returns: an exit code (kExitOk or kExitInvalid), or an error for main() to
// print.
using Outcome = Result<int>;

// Prints "trestle: MESSAGE" on standard error as exactly one line (newlines become spaces), so
// scripts can rely on one line per error.
void print_error(std::string message);

// How messages name an input: the path, or "standard input" for "-".
std::string input_name(const std::string& path);

// Reads a whole file, or standard input when `path` is "-". Errors: kIo when the file cannot
// be opened or read, kLimitExceeded when it holds more than `size_max` bytes.
Result<Bytes> read_input(const std::string& path, std::size_t size_max = kInputSizeMax);

// Passes a file (or standard input for "-") to `sink` in chunks, for inputs of any size.
// Errors: kIo.
Status stream_input(const std::string& path, const std::function<void(ByteView)>& sink);

// Reads a file that holds a secret (a key, a keystore, a password) without leaving copies of it
// in freed memory: the caller must secure_wipe the result. Errors: as read_input, with the
// limit kSecretFileSizeMax.
Result<std::string> read_secret_file(const std::string& path);

// Parses the hex value of `option` ("--key"); the message names the option. With `size` > 0 the
// value must decode to exactly that many bytes.
Result<Bytes> parse_hex_option(std::string_view option, std::string_view text, std::size_t size = 0);

// Writes bytes, or a line of text and a newline, to standard output and flushes. Errors: kIo.
Status write_stdout(ByteView data);
Status write_stdout_line(std::string_view line);

// Creates `path` with mode 0600 holding `data`. Without `overwrite` an existing file is an error
// (kInvalidArgument, naming --force); with it, the file is replaced atomically by a rename, so a
// reader never sees a partial file and the new file never inherits a looser mode. Errors: kIo.
Status write_private_file(const std::string& path, ByteView data, bool overwrite);

// Reads a PKCS#8 or SEC1 PEM private key from a file ("-": standard input). Errors: kIo for the
// file, kInvalidArgument with the library's message (prefixed with the path) for its content.
Result<crypto::PrivateKey> read_private_key(const std::string& path);

// The suite a key belongs to: sm for SM2 keys, ecdsa for secp256k1 keys.
const crypto::CryptoSuite& suite_of(crypto::KeyType type);

// The password for a keystore: the first line of `password_file` when it is not empty, else the
// environment variable TRESTLE_PASSWORD. Passwords are never taken from the command line, where
// other users can read them in the process list. The caller must secure_wipe the result.
// Errors: kInvalidArgument when neither is given, kIo for the file.
Result<std::string> read_password(const std::string& password_file);

// Wipes a string holding a secret (its whole buffer, not only its size).
void wipe(std::string& secret);
void wipe(Bytes& secret);

}  // namespace trestle::cli
