#include "process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

extern char** environ;

namespace trestle::cli_test {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string out(std::filesystem::exists(path) ? std::filesystem::file_size(path) : 0, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  return out;
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  REQUIRE(out.good());
}

}  // namespace

RunResult run(const std::string& program, const std::vector<std::string>& args, std::string_view input,
              const std::vector<std::string>& environment) {
  // Standard streams go through files rather than pipes: no deadlock however much is written.
  TempDir io;
  std::string in_path = io.write("stdin", input);
  std::string out_path = io.path("stdout");
  std::string err_path = io.path("stderr");

  std::vector<std::string> argv_storage{program};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_storage;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "TRESTLE_PASSWORD=", 17) != 0) env_storage.emplace_back(*entry);
  }
  env_storage.insert(env_storage.end(), environment.begin(), environment.end());
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  INFO("starting " << program);
  REQUIRE(spawned == 0);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    REQUIRE(errno == EINTR);
  }
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

RunResult trestle(const std::vector<std::string>& args, std::string_view input,
                  const std::vector<std::string>& environment) {
  return run(TRESTLE_EXE, args, input, environment);
}

RunResult openssl(const std::vector<std::string>& args, std::string_view input) {
  RunResult result = run(OPENSSL_EXE, args, input);
  INFO("openssl stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  return result;
}

bool is_one_line_error(const std::string& err) {
  return err.rfind("trestle: ", 0) == 0 && err.size() > 10 && err.find('\n') == err.size() - 1;
}

TempDir::TempDir() {
  std::random_device seed;
  std::filesystem::path base = std::filesystem::temp_directory_path();
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::filesystem::path candidate = base / ("trestle-cli-test-" + std::to_string(seed()));
    if (std::filesystem::create_directory(candidate)) {
      dir_ = candidate;
      return;
    }
  }
  FAIL("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TempDir::path(std::string_view name) const { return (dir_ / name).string(); }

std::string TempDir::write(std::string_view name, std::string_view content) const {
  write_file(dir_ / name, content);
  return path(name);
}

std::string TempDir::read(std::string_view name) const { return read_file(dir_ / name); }

ShownKey show_key(const std::string& key_path, const std::vector<std::string>& environment) {
  RunResult result = trestle({"key", "show", key_path}, {}, environment);
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.err.empty());
  std::istringstream lines(result.out);
  ShownKey shown;
  std::string suite_line, public_line, address_line, extra;
  REQUIRE(std::getline(lines, suite_line));
  REQUIRE(std::getline(lines, public_line));
  REQUIRE(std::getline(lines, address_line));
  REQUIRE_FALSE(std::getline(lines, extra));
  REQUIRE(result.out.back() == '\n');
  REQUIRE(suite_line.rfind("suite: ", 0) == 0);
  REQUIRE(public_line.rfind("public: ", 0) == 0);
  REQUIRE(address_line.rfind("address: ", 0) == 0);
  shown.suite = suite_line.substr(7);
  shown.public_hex = public_line.substr(8);
  shown.address = address_line.substr(9);
  REQUIRE((shown.suite == "sm" || shown.suite == "ecdsa"));
  REQUIRE(shown.public_hex.size() == 130);
  REQUIRE(shown.public_hex.rfind("04", 0) == 0);
  REQUIRE(shown.public_hex.find_first_not_of("0123456789abcdef") == std::string::npos);
  REQUIRE(shown.address.size() == 40);
  REQUIRE(shown.address.find_first_not_of("0123456789abcdef") == std::string::npos);
  return shown;
}

std::string generate_key(const TempDir& dir, const std::string& suite, const std::string& name) {
  std::string path = dir.path(name);
  RunResult result = trestle({"key", "gen", "--suite", suite, "--out", path});
  INFO("stderr: " << result.err);
  REQUIRE(result.exit_code == 0);
  REQUIRE(result.out.empty());
  return path;
}

std::string openssl_public_point(const std::string& key_path) {
  // A SubjectPublicKeyInfo for a 256-bit curve ends with the 65-byte uncompressed point.
  std::string der = openssl({"pkey", "-in", key_path, "-pubout", "-outform", "DER"}).out;
  REQUIRE(der.size() > 65);
  return hex(der.substr(der.size() - 65));
}

std::string unhex(std::string_view hex_text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex_text.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex_text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0f]);
  }
  return out;
}

std::string join(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& arg : args) out += (out.empty() ? "" : " ") + arg;
  return out;
}

std::string trim(std::string text) {
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace trestle::cli_test
