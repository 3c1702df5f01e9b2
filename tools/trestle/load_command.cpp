// trestle load: a transfer load generator against running nodes.
//
// It signs every transaction before the clock starts, so the measured rate is the chain's and not
// this machine's signing speed; then it submits in JSON-RPC batches across the nodes while one
// poller reads new blocks from the first node and notes when each transaction commits.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "rpc_client.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/node/apps.hpp"

namespace trestle::cli {
namespace {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kBlockLimitAhead = 500;
constexpr std::size_t kAccountsFileSizeMax = std::size_t{64} << 20;
constexpr std::size_t kConnectionsPerUrl = 2;
constexpr std::chrono::milliseconds kCommitPollInterval{50};
constexpr std::chrono::milliseconds kProgressInterval{100};
constexpr std::int64_t kNotYet = -1;

struct LoadOptions {
  std::string urls;
  std::string accounts_dir;
  std::uint64_t txs = 0;
  double rate = 0;  // tx/s; 0: as fast as the nodes take them
  std::uint64_t amount = 1;
  double timeout_s = 120;
  std::size_t batch = 100;
  bool json_output = false;
};

struct Account {
  Address address;
  crypto::PrivateKey key;
  bool funded = true;  // false for "balance": 0, which cannot send
};

Error invalid(std::string message) { return Error(ErrorCode::kInvalidArgument, std::move(message)); }

std::vector<std::string> split_urls(const std::string& text) {
  std::vector<std::string> urls;
  std::size_t begin = 0;
  for (;;) {
    std::size_t comma = text.find(',', begin);
    urls.push_back(text.substr(begin, comma - begin));
    if (comma == std::string::npos) return urls;
    begin = comma + 1;
  }
}

// DIR/accounts.json: [{"address": "<40 hex>", "key": "<file in DIR>", "balance": B}, ...].
Result<std::vector<Account>> read_accounts(const std::string& dir, const ChainInfo& chain) {
  std::filesystem::path path = std::filesystem::path(dir) / "accounts.json";
  TRESTLE_TRY(Bytes bytes, read_input(path.string(), kAccountsFileSizeMax));
  json list = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (list.is_discarded()) return invalid(path.string() + ": not valid JSON");
  if (!list.is_array() || list.empty()) return invalid(path.string() + ": expected a non-empty array of accounts");
  std::vector<Account> accounts;
  accounts.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string where = path.string() + "[" + std::to_string(i) + "]";
    const json& entry = list[i];
    if (!entry.is_object() || !entry.contains("address") || !entry["address"].is_string() || !entry.contains("key") ||
        !entry["key"].is_string()) {
      return invalid(where + ": expected an object with string fields 'address' and 'key'");
    }
    auto address = fixed_from_hex<Address::kSize>(entry["address"].get<std::string>());
    if (!address.ok()) return address.error().with_context(where + ".address");
    std::string key_path = (std::filesystem::path(dir) / entry["key"].get<std::string>()).string();
    TRESTLE_TRY(crypto::PrivateKey key, read_private_key(key_path));
    TRESTLE_TRY_STATUS(check_key_suite(chain, key, key_path));
    Address derived = chain.suite->address(key.public_key());
    if (derived != address.value()) {
      return invalid(where + ": the key " + key_path + " has the address " + to_hex(derived) + ", not " +
                     to_hex(address.value()));
    }
    bool funded = !entry.contains("balance") || !entry["balance"].is_number() || entry["balance"] != 0;
    accounts.push_back({address.value(), std::move(key), funded});
  }
  return accounts;
}

// Progress on standard error: on a terminal one line redrawn in place, otherwise a line a second
// (so logs stay short).
class ProgressLine {
 public:
  ProgressLine() : tty_(::isatty(STDERR_FILENO) == 1) {}

  void show(const std::string& text, bool final = false) {
    auto now = Clock::now();
    if (tty_) {
      std::string line = "\r" + text + "\x1b[K";
      if (final) line += "\n";
      std::fputs(line.c_str(), stderr);
    } else if (final || now - last_ >= std::chrono::seconds(1)) {
      last_ = now;
      std::fputs(("trestle load: " + text + "\n").c_str(), stderr);
    }
    std::fflush(stderr);
  }

  static std::string bar(std::size_t done, std::size_t total) {
    constexpr std::size_t kWidth = 30;
    std::size_t filled = total == 0 ? kWidth : done * kWidth / total;
    return "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }

 private:
  bool tty_;
  Clock::time_point last_{};
};

struct SignedTx {
  std::string encoded_hex;
  std::string hash_hex;
};

// Signs transfer i from the i-th funded account (round-robin) to the account after it in the list,
// on every hardware thread.
Result<std::vector<SignedTx>> sign_all(const LoadOptions& options, const ChainInfo& chain,
                                       const std::vector<Account>& accounts, std::uint64_t block_limit,
                                       ProgressLine& progress) {
  std::size_t count = options.txs;
  std::vector<SignedTx> txs(count);
  std::size_t thread_count = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  std::atomic<std::size_t> signed_count{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  Bytes payload = node::asset::encode_transfer(options.amount);
  std::vector<std::size_t> senders;
  for (std::size_t j = 0; j < accounts.size(); ++j) {
    if (accounts[j].funded) senders.push_back(j);
  }
  if (senders.empty()) return invalid("accounts.json: every account has a balance of 0; none can send");
  auto work = [&](std::size_t first) {
    for (std::size_t i = first; i < count && !failed.load(); i += thread_count) {
      std::size_t sender_index = senders[i % senders.size()];
      const Account& sender = accounts[sender_index];
      const Account& recipient = accounts[(sender_index + 1) % accounts.size()];
      auto tx = new_transaction(chain, recipient.address, payload, block_limit);
      Status signed_status = tx.ok() ? tx.value().sign(*chain.suite, sender.key) : Status(tx.error());
      if (!signed_status.ok()) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = signed_status.error();
        failed.store(true);
        return;
      }
      txs[i] = {to_hex(tx.value().encode()), to_hex(tx.value().hash(*chain.suite))};
      signed_count.fetch_add(1);
    }
  };
  auto started = Clock::now();
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < thread_count; ++t) threads.emplace_back(work, t);
  while (signed_count.load() < count && !failed.load()) {
    std::size_t done = signed_count.load();
    progress.show(ProgressLine::bar(done, count) + fmt::format("signed {}/{}", done, count));
    std::this_thread::sleep_for(kProgressInterval);
  }
  for (auto& thread : threads) thread.join();
  if (first_error) return *first_error;
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  progress.show(fmt::format("signed {} transactions on {} threads in {:.2f} s", count, thread_count, seconds), true);
  return txs;
}

// What the submitters and the commit poller share while the load runs.
struct LoadState {
  explicit LoadState(std::size_t count) : submit_ns(count), commit_ns(count) {
    for (auto& value : submit_ns) value.store(kNotYet);
    for (auto& value : commit_ns) value.store(kNotYet);
  }
  Clock::time_point start = Clock::now();
  std::vector<std::atomic<std::int64_t>> submit_ns;  // since `start`; kNotYet before sending
  std::vector<std::atomic<std::int64_t>> commit_ns;  // since `start`; kNotYet until seen in a block
  std::atomic<std::size_t> submitted{0};
  std::atomic<std::size_t> rejected{0};
  std::atomic<std::size_t> committed{0};
  std::atomic<std::size_t> submitters_running{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::string first_rejection;  // the first refusal or transport failure, for the summary
  std::string poll_error;       // the last failure of the commit poller

  std::int64_t now_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
  }
  void note_rejection(const std::string& message) {
    std::lock_guard lock(error_mutex);
    if (first_rejection.empty()) first_rejection = message;
  }
};

// Sends batches first, first + stride, ... of `txs` through `client`. With a rate, batch k waits
// until k * batch / rate seconds after the start.
void submit_batches(RpcClient& client, const std::vector<SignedTx>& txs, std::size_t batch, double rate,
                    std::size_t first, std::size_t stride, LoadState& state) {
  std::size_t batch_count = (txs.size() + batch - 1) / batch;
  for (std::size_t k = first; k < batch_count && !state.stop.load(); k += stride) {
    if (rate > 0) {
      auto due = state.start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(k * batch) / rate));
      while (Clock::now() < due && !state.stop.load()) {
        std::this_thread::sleep_for(std::min<Clock::duration>(due - Clock::now(), kProgressInterval));
      }
      if (state.stop.load()) break;
    }
    std::size_t begin = k * batch;
    std::size_t end = std::min(txs.size(), begin + batch);
    std::vector<RpcRequest> requests;
    requests.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      requests.push_back({"sendTransaction", json::array({txs[i].encoded_hex})});
    }
    std::int64_t sent_at = state.now_ns();
    for (std::size_t i = begin; i < end; ++i) state.submit_ns[i].store(sent_at);
    auto answers = client.call_batch(requests);
    state.submitted.fetch_add(end - begin);
    if (!answers.ok()) {
      state.rejected.fetch_add(end - begin);
      state.note_rejection(answers.error().message());
      continue;
    }
    for (const RpcAnswer& answer : answers.value()) {
      if (answer.ok()) continue;
      state.rejected.fetch_add(1);
      state.note_rejection(answer.error_message);
    }
  }
  state.submitters_running.fetch_sub(1);
}

// Reads every block above `height` from `client` until stopped, noting when each known
// transaction first appears.
void poll_commits(RpcClient& client, std::int64_t height, const std::unordered_map<std::string, std::size_t>& index,
                  LoadState& state) {
  auto next = static_cast<std::uint64_t>(height + 1);
  while (!state.stop.load()) {
    auto tip = fetch_block_number(client);
    if (!tip.ok()) {
      std::lock_guard lock(state.error_mutex);
      state.poll_error = tip.error().message();
    }
    while (tip.ok() && static_cast<std::int64_t>(next) <= tip.value() && !state.stop.load()) {
      auto block = client.call("getBlockByNumber", json::array({next, false}));
      if (!block.ok() || !block.value().is_object()) {
        std::lock_guard lock(state.error_mutex);
        state.poll_error = block.ok() ? "getBlockByNumber: no block " + std::to_string(next) : block.error().message();
        break;
      }
      std::int64_t seen_at = state.now_ns();
      auto hashes = block.value().find("transactions");
      if (hashes != block.value().end() && hashes->is_array()) {
        for (const json& hash : *hashes) {
          if (!hash.is_string()) continue;
          auto found = index.find(hash.get<std::string>());
          if (found == index.end()) continue;
          std::int64_t expected = kNotYet;
          if (state.commit_ns[found->second].compare_exchange_strong(expected, seen_at)) state.committed.fetch_add(1);
        }
      }
      ++next;
    }
    std::this_thread::sleep_for(kCommitPollInterval);
  }
}

// The nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Outcome run_load(const LoadOptions& options) {
  std::vector<std::unique_ptr<RpcClient>> clients;
  std::vector<std::string> urls = split_urls(options.urls);
  // Client t talks to urls[t % urls.size()], so batch k (sent by client k % clients.size()) goes to
  // urls[k % urls.size()].
  for (std::size_t c = 0; c < kConnectionsPerUrl; ++c) {
    for (const std::string& url : urls) {
      TRESTLE_TRY(std::unique_ptr<RpcClient> client, RpcClient::create(url));
      clients.push_back(std::move(client));
    }
  }
  TRESTLE_TRY(std::unique_ptr<RpcClient> poller, RpcClient::create(urls.front()));
  TRESTLE_TRY(ChainInfo chain, fetch_chain_info(*poller));
  TRESTLE_TRY(std::vector<Account> accounts, read_accounts(options.accounts_dir, chain));
  TRESTLE_TRY(std::int64_t start_height, fetch_block_number(*poller));

  ProgressLine progress;
  TRESTLE_TRY(std::vector<SignedTx> txs,
              sign_all(options, chain, accounts, static_cast<std::uint64_t>(start_height + 1) + kBlockLimitAhead - 1,
                       progress));
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) index.emplace(txs[i].hash_hex, i);

  // With a rate, batches shrink so that they leave about ten times a second, not in bursts.
  std::size_t batch = options.batch;
  if (options.rate > 0) batch = std::clamp<std::size_t>(static_cast<std::size_t>(options.rate / 10), 1, batch);

  LoadState state(txs.size());
  std::size_t submitter_count = clients.size();
  state.submitters_running.store(submitter_count);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < submitter_count; ++t) {
    threads.emplace_back(submit_batches, std::ref(*clients[t]), std::cref(txs), batch, options.rate, t, submitter_count,
                         std::ref(state));
  }
  threads.emplace_back(poll_commits, std::ref(*poller), start_height, std::cref(index), std::ref(state));

  auto deadline =
      state.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_s));
  bool timed_out = false;
  for (;;) {
    std::size_t submitted = state.submitted.load();
    std::size_t committed = state.committed.load();
    std::size_t rejected = state.rejected.load();
    bool done = state.submitters_running.load() == 0 && committed + rejected >= txs.size();
    timed_out = !done && Clock::now() >= deadline;
    double elapsed = std::chrono::duration<double>(Clock::now() - state.start).count();
    progress.show(
        ProgressLine::bar(committed, txs.size()) + fmt::format("submitted {}/{}, committed {}, rejected {}, {:.1f} s",
                                                               submitted, txs.size(), committed, rejected, elapsed),
        done || timed_out);
    if (done || timed_out) break;
    std::this_thread::sleep_for(kProgressInterval);
  }
  state.stop.store(true);
  for (auto& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(Clock::now() - state.start).count();

  std::int64_t first_submit = kNotYet;
  std::int64_t last_commit = kNotYet;
  std::vector<double> latencies_ms;
  for (std::size_t i = 0; i < txs.size(); ++i) {
    std::int64_t submitted_at = state.submit_ns[i].load();
    std::int64_t committed_at = state.commit_ns[i].load();
    if (submitted_at != kNotYet && (first_submit == kNotYet || submitted_at < first_submit))
      first_submit = submitted_at;
    if (committed_at == kNotYet) continue;
    last_commit = std::max(last_commit, committed_at);
    latencies_ms.push_back(static_cast<double>(committed_at - std::max<std::int64_t>(submitted_at, 0)) / 1e6);
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::size_t committed = latencies_ms.size();
  double span_s = committed == 0 ? 0 : static_cast<double>(last_commit - first_submit) / 1e9;
  double tps = span_s > 0 ? static_cast<double>(committed) / span_s : 0;
  double p50 = percentile(latencies_ms, 0.50);
  double p99 = percentile(latencies_ms, 0.99);
  std::size_t submitted = state.submitted.load();
  std::size_t rejected = state.rejected.load();

  if (options.json_output) {
    json report = {{"submitted", submitted},
                   {"committed", committed},
                   {"rejected", rejected},
                   {"tps", std::round(tps * 10) / 10},
                   {"latency_ms_p50", std::round(p50 * 10) / 10},
                   {"latency_ms_p99", std::round(p99 * 10) / 10},
                   {"seconds", std::round(seconds * 1000) / 1000}};
    TRESTLE_TRY_STATUS(write_stdout_line(report.dump()));
  } else {
    TRESTLE_TRY_STATUS(write_stdout_line(fmt::format(
        "submitted {}\ncommitted {}\nrejected {}\ntx/s {:.1f}\nlatency p50 {:.1f} ms\nlatency p99 {:.1f} ms", submitted,
        committed, rejected, tps, p50, p99)));
  }
  if (committed == txs.size()) return kExitOk;
  std::string why = fmt::format("{} of {} transactions not committed", txs.size() - committed, txs.size());
  if (timed_out) why += fmt::format(" within {:g} s", options.timeout_s);
  if (!state.first_rejection.empty()) why += "; first refusal: " + state.first_rejection;
  if (!state.poll_error.empty()) why += "; reading blocks: " + state.poll_error;
  print_error(why);
  return kExitInvalid;
}

}  // namespace

void add_load_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<LoadOptions>();
  CLI::App* load = app.add_subcommand("load", "Send signed transfers to nodes and measure throughput and latency");
  add_details(*load,
              "DIR is what `trestle chain init` writes: DIR/accounts.json lists accounts {address, key, balance} "
              "whose PEM keys are files in DIR. Transfers go round-robin from each account with a non-zero balance to "
              "the next account of the list. All "
              "transfers are signed first; then they are sent in JSON-RPC batches of sendTransaction, round-robin "
              "over the URLs, while the first URL's new blocks are read to see when each commits. Progress goes "
              "to stderr. Prints 'submitted N', 'committed N', 'rejected N', 'tx/s X', 'latency p50 X ms', "
              "'latency p99 X ms' (with --json one object: submitted, committed, rejected, tps, latency_ms_p50, "
              "latency_ms_p99, seconds). tx/s is committed / (last commit - first submit). Exit 0 when every "
              "transfer committed, 1 when some were refused or did not commit within --timeout.");
  load->add_option("--url", options->urls, "Node RPC addresses, comma-separated: http://HOST:PORT[,http://...]")
      ->required()
      ->type_name("URL[,URL...]");
  load->add_option("--accounts", options->accounts_dir, "Directory with accounts.json and the account keys")
      ->required()
      ->check(CLI::ExistingDirectory)
      ->type_name("DIR");
  load->add_option("--txs", options->txs, "Number of transfers")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000}))
      ->type_name("N");
  load->add_option("--rate", options->rate, "Send at most R transfers per second (default: as fast as accepted)")
      ->check(CLI::Range(0.0, 1e9))
      ->type_name("R");
  load->add_option("--amount", options->amount, "Amount of each transfer")
      ->default_val(1)
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->type_name("A");
  load->add_option("--timeout", options->timeout_s, "Seconds from the first submission until the run gives up")
      ->default_val(120)
      ->check(CLI::Range(0.0, 86'400.0))
      ->type_name("S");
  load->add_option("--batch", options->batch, "Requests per JSON-RPC batch")
      ->default_val(100)
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000}))
      ->type_name("B");
  load->add_flag("--json", options->json_output, "Print the report as one JSON object");
  load->callback([options, &action] { action = [options] { return run_load(*options); }; });
}

}  // namespace trestle::cli
