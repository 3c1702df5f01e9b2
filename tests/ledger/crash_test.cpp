// The crash test: `trestle ledger bench` commits blocks into a store and is killed with SIGKILL at
// random moments, 50 times. After each kill the store must reopen, pass verify_chain, hold every
// block the child reported committed ("committed H" is printed only after commit() returned), and
// the next run must continue the chain from the stored tip.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/verify.hpp"

extern char** environ;

using namespace trestle;
using namespace trestle::ledger;

namespace {

using Clock = std::chrono::steady_clock;

// `trestle ledger bench` running with its standard output on a pipe we read line by line.
class BenchChild {
 public:
  BenchChild(const std::vector<std::string>& args, const std::filesystem::path& stderr_path) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    std::vector<std::string> storage{TRESTLE_EXE};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int spawned = posix_spawn(&pid_, TRESTLE_EXE, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    read_fd_ = fds[0];
    REQUIRE(spawned == 0);
  }
  ~BenchChild() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (read_fd_ >= 0) close(read_fd_);
  }
  BenchChild(const BenchChild&) = delete;
  BenchChild& operator=(const BenchChild&) = delete;

  // Reads output until `deadline` or end of file; returns false at end of file.
  bool read_until(Clock::time_point deadline) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return true;
      pollfd fd{read_fd_, POLLIN, 0};
      const int ready = poll(&fd, 1, static_cast<int>(left));
      if (ready == 0) return true;
      if (ready < 0) {
        REQUIRE(errno == EINTR);
        continue;
      }
      if (!read_some()) return false;
    }
  }

  // Kills the child with SIGKILL, reaps it, and reads what it wrote before dying. Returns the
  // wait status.
  int kill_and_drain() {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) REQUIRE(errno == EINTR);
    pid_ = -1;
    while (read_some()) {
    }
    return status;
  }

  // Waits for a child that should exit on its own; returns the wait status.
  int wait_exit() {
    while (read_some()) {
    }
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0) REQUIRE(errno == EINTR);
    pid_ = -1;
    return status;
  }

  // Heights of the "committed H" lines read so far, in order; the other (summary) lines apart.
  const std::vector<Height>& committed() const { return committed_; }
  const std::vector<std::string>& other_lines() const { return other_lines_; }

 private:
  // One read(); false at end of file.
  bool read_some() {
    char buffer[4096];
    ssize_t n = read(read_fd_, buffer, sizeof buffer);
    while (n < 0 && errno == EINTR) n = read(read_fd_, buffer, sizeof buffer);
    REQUIRE(n >= 0);
    if (n == 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    for (std::size_t end; (end = pending_.find('\n')) != std::string::npos;) {
      const std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      if (line.rfind("committed ", 0) == 0) {
        committed_.push_back(std::stoull(line.substr(10)));
      } else {
        other_lines_.push_back(line);
      }
    }
    return true;
  }

  pid_t pid_ = -1;
  int read_fd_ = -1;
  std::string pending_;  // a partial line: a kill can land in the middle of a write
  std::vector<Height> committed_;
  std::vector<std::string> other_lines_;
};

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Opens the store read-only and checks the whole chain; returns the tip height (nullopt: empty).
std::optional<Height> verified_tip(const std::filesystem::path& dir) {
  LmdbOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  auto store = LmdbStore::open(dir, options);
  if (!store.ok()) {
    // A kill before the first commit may leave no store, or an empty one.
    INFO("open: " << store.error().message());
    REQUIRE(store.error().code() == ErrorCode::kNotFound);
    return std::nullopt;
  }
  auto report = verify_chain(*store.value());
  INFO((report.ok() ? std::string("verified") : report.error().message()));
  REQUIRE(report.ok());
  CHECK(report->tip_height ==
        (store.value()->tip() ? std::optional<Height>(store.value()->tip()->height) : std::nullopt));
  return report->tip_height;
}

}  // namespace

TEST_CASE("ledger crash: SIGKILL at random moments never loses a reported commit or breaks the chain",
          "[ledger][crash]") {
  test::TempDir dir;
  const auto data = dir.path() / "store";
  const auto stderr_path = dir.path() / "stderr";
  const std::uint32_t seed = std::random_device()();
  INFO("seed " << seed);
  std::mt19937 random(seed);
  constexpr int kKills = 50;
  const std::vector<std::string> tx_counts = {"1", "5", "20", "40"};

  std::optional<Height> tip;
  std::size_t reported_total = 0;
  int killed_mid_run = 0;
  for (int run = 0; run < kKills; ++run) {
    INFO("run " << run);
    std::vector<std::string> args = {"ledger",   "bench",   "--data", data.string(),
                                     "--blocks", "1000000", "--txs",  tx_counts[random() % tx_counts.size()]};
    if (run == 0) args.insert(args.end(), {"--suite", "ecdsa"});
    const bool no_sync = run % 4 == 3;  // a killed process loses nothing even without fsync
    if (no_sync) args.push_back("--no-sync");
    std::string joined;
    for (const auto& arg : args) joined += " " + arg;
    INFO("trestle" << joined);

    BenchChild child(args, stderr_path);
    // Let it commit 0..4 blocks, then kill it somewhere inside the next one: anywhere from
    // process start-up, through signing, to the middle of LMDB's fsyncs.
    const std::size_t lines_first = random() % 5;
    const auto start = Clock::now();
    while (child.committed().size() < lines_first && Clock::now() - start < std::chrono::seconds(10)) {
      if (!child.read_until(Clock::now() + std::chrono::milliseconds(5))) break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 30'000));
    const int status = child.kill_and_drain();
    INFO("stderr: " << read_text(stderr_path));
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);
    killed_mid_run += child.committed().empty() ? 0 : 1;

    const std::vector<Height>& committed = child.committed();
    if (!committed.empty()) {
      // The run continued the stored chain, one height at a time.
      CHECK(committed.front() == (tip ? *tip + 1 : 0));
      for (std::size_t i = 1; i < committed.size(); ++i) CHECK(committed[i] == committed[i - 1] + 1);
    }
    reported_total += committed.size();
    const std::optional<Height> reopened = verified_tip(data);
    if (!committed.empty()) {
      REQUIRE(reopened.has_value());
      CHECK(*reopened >= committed.back());
      // At most the block in flight committed without being reported.
      CHECK(*reopened <= committed.back() + 1);
    } else if (tip) {
      REQUIRE(reopened.has_value());
      CHECK(*reopened >= *tip);
    }
    tip = reopened;
  }
  CHECK(killed_mid_run >= kKills / 2);
  CHECK(reported_total > 0);

  // After all that, a run to completion continues the chain and exits cleanly.
  BenchChild last({"ledger", "bench", "--data", data.string(), "--blocks", "3", "--txs", "10"}, stderr_path);
  const int status = last.wait_exit();
  INFO("stderr: " << read_text(stderr_path));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const Height next = tip ? *tip + 1 : 0;
  CHECK(last.committed() == std::vector<Height>{next, next + 1, next + 2});
  CHECK(verified_tip(data) == next + 2);
}
