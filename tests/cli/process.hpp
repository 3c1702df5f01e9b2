#pragma once
// Runs the built `trestle` (and the `openssl` command, as an independent implementation) as a
// child process with a given standard input, and captures exit code, standard output and
// standard error. Each test works in its own temporary directory.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace trestle::cli_test {

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal number when the child was killed
  std::string out;
  std::string err;
};

// Runs `program` with `args`. The child inherits the environment without TRESTLE_PASSWORD, plus
// `environment` ("NAME=value" entries). Fails the current test if the process cannot be started.
RunResult run(const std::string& program, const std::vector<std::string>& args, std::string_view input = {},
              const std::vector<std::string>& environment = {});

RunResult trestle(const std::vector<std::string>& args, std::string_view input = {},
                  const std::vector<std::string>& environment = {});
RunResult openssl(const std::vector<std::string>& args, std::string_view input = {});

// True when `err` is exactly one line starting with "trestle: ".
bool is_one_line_error(const std::string& err);

// A fresh directory, removed with its content on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Path of `name` inside the directory.
  std::string path(std::string_view name) const;
  // Writes `content` to `name` and returns its path.
  std::string write(std::string_view name, std::string_view content) const;
  std::string read(std::string_view name) const;

 private:
  std::filesystem::path dir_;
};

// `trestle key show` output, checked to be exactly the three documented lines.
struct ShownKey {
  std::string suite;
  std::string public_hex;  // 04||x||y
  std::string address;
};
ShownKey show_key(const std::string& key_path, const std::vector<std::string>& environment = {});

// Generates a key with `trestle key gen --suite SUITE --out DIR/NAME` and returns its path.
std::string generate_key(const TempDir& dir, const std::string& suite, const std::string& name);

// The public point 04||x||y (hex) of a PEM private key, as OpenSSL reads it.
std::string openssl_public_point(const std::string& key_path);

std::string unhex(std::string_view hex);
std::string hex(std::string_view bytes);
// The arguments joined by spaces, to name a case in a test's INFO.
std::string join(const std::vector<std::string>& args);
// The output without one trailing newline.
std::string trim(std::string text);

}  // namespace trestle::cli_test
