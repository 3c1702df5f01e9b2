// trestle sim --engine pbft|raft --nodes N [--byzantine K] [--crash K] [--faults LIST]
//             [--seeds A..B | --seed S] [--blocks N] [--json]
//
// Runs the deterministic consensus simulator over a range of seeds and reports invariant
// violations (agreement, validity, liveness). Exit 0 when every run is clean, 1 when any run has
// a violation (the failing seeds are listed; `--seed S` replays one), 2 for usage errors.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "trestle/consensus/simulator.hpp"

namespace trestle::cli {
namespace {

struct SimCommandOptions {
  std::string engine = "pbft";
  std::uint32_t nodes = 4;
  std::uint32_t byzantine = 0;
  std::uint32_t crash = 0;
  std::string faults;
  std::string seeds = "1..100";
  std::uint64_t seed = 0;
  bool replay = false;
  std::uint64_t blocks = 30;
  std::uint64_t liveness_ms = 0;  // 0: the default for the run's size, see liveness_bound_ms()
  bool json = false;
};

// 60 s of virtual time after the faults stop, or more when many consecutive primaries may be
// Byzantine: each costs a view timeout (doubling up to 8 s) at every height it leads.
std::uint64_t liveness_bound_ms(const SimCommandOptions& options) {
  if (options.liveness_ms != 0) return options.liveness_ms;
  return std::max<std::uint64_t>(60'000, options.blocks * 1'000 * (options.byzantine + 1));
}

constexpr std::uint64_t kSeedRangeMax = 10'000'000;

Result<std::pair<std::uint64_t, std::uint64_t>> parse_seed_range(const std::string& text) {
  auto invalid = [&] {
    return Error(ErrorCode::kInvalidArgument, "--seeds: '" + text + "' is not a range A..B with A <= B");
  };
  const auto dots = text.find("..");
  if (dots == std::string::npos || dots == 0 || dots + 2 >= text.size()) return invalid();
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  try {
    std::size_t used = 0;
    first = std::stoull(text.substr(0, dots), &used);
    if (used != dots) return invalid();
    last = std::stoull(text.substr(dots + 2), &used);
    if (used != text.size() - dots - 2) return invalid();
  } catch (const std::exception&) {
    return invalid();
  }
  if (first > last) return invalid();
  if (last - first >= kSeedRangeMax) {
    return Error(ErrorCode::kLimitExceeded, "--seeds: at most " + std::to_string(kSeedRangeMax) + " seeds per run");
  }
  return std::pair{first, last};
}

Result<consensus::FaultOptions> parse_faults(const SimCommandOptions& options, std::vector<std::string>& names) {
  consensus::FaultOptions faults;
  std::stringstream list(options.faults);
  std::string name;
  while (std::getline(list, name, ',')) {
    if (name.empty()) continue;
    if (name == "drop") {
      faults.drop = true;
    } else if (name == "delay") {
      faults.delay = true;
    } else if (name == "partition") {
      faults.partition = true;
    } else if (name == "duplicate") {
      faults.duplicate = true;
    } else if (name == "crash") {
      faults.crash = true;
    } else if (name == "skew") {
      faults.clock_skew = true;
    } else if (name == "all") {
      faults = consensus::FaultOptions::all();
    } else {
      return Error(
          ErrorCode::kInvalidArgument,
          "--faults: unknown fault '" + name + "' (accepted: drop, delay, partition, duplicate, crash, skew, all)");
    }
  }
  if (options.crash > 0) faults.crash = true;
  faults.crash_count = options.crash > 0 ? options.crash : 1;
  if (!faults.crash) faults.crash_count = 0;
  for (const auto& [on, label] : {std::pair{faults.drop, "drop"}, std::pair{faults.delay, "delay"},
                                  std::pair{faults.partition, "partition"}, std::pair{faults.duplicate, "duplicate"},
                                  std::pair{faults.crash, "crash"}, std::pair{faults.clock_skew, "skew"}}) {
    if (on) names.emplace_back(label);
  }
  return faults;
}

nlohmann::json violation_json(std::uint64_t seed, const consensus::Violation& violation) {
  return {{"seed", seed},
          {"kind", std::string(consensus::violation_kind_name(violation.kind))},
          {"node", violation.node},
          {"height", violation.height},
          {"time_ms", violation.time_ms},
          {"message", violation.message}};
}

std::string fixed1(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

Outcome run_sim(const SimCommandOptions& options) {
  const consensus::EngineFactory factory =
      options.engine == "raft" ? consensus::raft_factory() : consensus::pbft_factory();
  std::vector<std::string> fault_names;
  TRESTLE_TRY(consensus::FaultOptions faults, parse_faults(options, fault_names));
  std::uint64_t first = options.seed;
  std::uint64_t last = options.seed;
  if (!options.replay) {
    TRESTLE_TRY(auto range, parse_seed_range(options.seeds));
    first = range.first;
    last = range.second;
  }
  consensus::SimOptions sim;
  sim.node_count = options.nodes;
  sim.byzantine_count = options.byzantine;
  sim.target_blocks = options.blocks;
  sim.liveness_bound_ms = liveness_bound_ms(options);
  sim.faults = faults;

  const std::uint64_t total = last - first + 1;
  const bool show_progress = total >= 50;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  std::uint64_t next_report = total / 10;
  auto progress = [&](std::uint64_t done, std::uint64_t all) {
    if (!show_progress || (done < next_report && done != all)) return;
    next_report = done + all / 10;
    std::fprintf(stderr, terminal ? "\rtrestle sim: %llu/%llu seeds" : "trestle sim: %llu/%llu seeds\n",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(all));
    if (terminal && done == all) std::fputc('\n', stderr);
    std::fflush(stderr);
  };

  const auto started = std::chrono::steady_clock::now();
  std::vector<consensus::Violation> replay_violations;
  consensus::SweepReport sweep;
  if (options.replay) {
    sim.seed = options.seed;
    TRESTLE_TRY(consensus::SimReport report, consensus::run_simulation(factory, sim));
    sweep.runs = 1;
    sweep.violations = report.ok() ? 0 : 1;
    if (!report.ok()) {
      sweep.failing_seeds.push_back(report.seed);
      sweep.first_violations.push_back(report.violations.front());
    }
    sweep.blocks_committed = report.blocks_committed;
    sweep.transactions_committed = report.transactions_committed;
    sweep.messages_sent = report.messages_sent;
    sweep.bytes_sent = report.bytes_sent;
    sweep.rounds_started = report.rounds_started;
    sweep.virtual_time_ms = report.end_time_ms;
    sweep.latency_ms_p50 = report.latency_ms_p50;
    sweep.latency_ms_p99 = report.latency_ms_p99;
    replay_violations = report.violations;
  } else {
    TRESTLE_TRY(sweep, consensus::run_sweep(factory, sim, first, last, progress));
  }
  const double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double blocks = sweep.blocks_committed == 0 ? 1.0 : static_cast<double>(sweep.blocks_committed);
  const double messages_per_block = static_cast<double>(sweep.messages_sent) / blocks;
  const double bytes_per_block = static_cast<double>(sweep.bytes_sent) / blocks;
  const char* rounds_name = options.engine == "raft" ? "elections" : "view_changes";
  // Throughput in virtual time, over all runs together.
  const double virtual_seconds = static_cast<double>(std::max<std::uint64_t>(sweep.virtual_time_ms, 1)) / 1000.0;
  const double transactions_per_s = static_cast<double>(sweep.transactions_committed) / virtual_seconds;
  const double blocks_per_s = static_cast<double>(sweep.blocks_committed) / virtual_seconds;

  if (options.json) {
    nlohmann::json failures = nlohmann::json::array();
    if (options.replay) {
      for (const auto& violation : replay_violations) failures.push_back(violation_json(options.seed, violation));
    } else {
      for (std::size_t i = 0; i < sweep.failing_seeds.size(); ++i) {
        failures.push_back(violation_json(sweep.failing_seeds[i], sweep.first_violations[i]));
      }
    }
    nlohmann::json statistics = {{"runs", sweep.runs},
                                 {"blocks_committed", sweep.blocks_committed},
                                 {"transactions_committed", sweep.transactions_committed},
                                 {"blocks_per_s", blocks_per_s},
                                 {"transactions_per_s", transactions_per_s},
                                 {"messages_per_block", messages_per_block},
                                 {"bytes_per_block", bytes_per_block},
                                 {"latency_ms_p50", sweep.latency_ms_p50},
                                 {"latency_ms_p99", sweep.latency_ms_p99},
                                 {rounds_name, sweep.rounds_started},
                                 {"virtual_time_ms", sweep.virtual_time_ms}};
    nlohmann::json out = {
        {"engine", options.engine},
        {"nodes", options.nodes},
        {"byzantine", options.byzantine},
        {"crash", faults.crash ? faults.crash_count : 0},
        {"faults", fault_names},
        {"seed_first", first},
        {"seed_last", last},
        {"blocks_per_run", options.blocks},
        {"liveness_bound_ms", sim.liveness_bound_ms},
        {"runs", sweep.runs},
        {"violations", sweep.violations},
        {"failing_seeds", sweep.failing_seeds},
        {"failures", failures},
        {"engines", {{options.engine, statistics}}},
        {"wall_seconds", wall_seconds},
        {"seeds_per_second", wall_seconds > 0 ? static_cast<double>(sweep.runs) / wall_seconds : 0.0}};
    TRESTLE_TRY_STATUS(write_stdout_line(out.dump()));
  } else {
    std::string faults_text;
    for (const auto& name : fault_names) faults_text += (faults_text.empty() ? "" : ",") + name;
    std::ostringstream text;
    text << options.engine << ": " << options.nodes << " nodes, " << options.byzantine << " Byzantine, faults "
         << (faults_text.empty() ? "none" : faults_text) << ", " << options.blocks << " blocks per run\n";
    text << "runs " << sweep.runs << " (seeds " << first << ".." << last << "), violations " << sweep.violations << ", "
         << fixed1(wall_seconds) << " s (" << fixed1(wall_seconds > 0 ? sweep.runs / wall_seconds : 0) << " seeds/s)\n";
    text << "blocks " << sweep.blocks_committed << ", transactions " << sweep.transactions_committed << " ("
         << fixed1(blocks_per_s) << " blocks/s, " << fixed1(transactions_per_s) << " tx/s virtual)"
         << ", messages/block " << fixed1(messages_per_block) << ", bytes/block " << fixed1(bytes_per_block)
         << ", latency p50 " << sweep.latency_ms_p50 << " ms p99 " << sweep.latency_ms_p99 << " ms (virtual), "
         << (options.engine == "raft" ? "elections " : "view changes ") << sweep.rounds_started;
    if (options.replay) {
      for (const auto& violation : replay_violations) {
        text << "\n"
             << consensus::violation_kind_name(violation.kind) << " at " << violation.time_ms
             << " ms: " << violation.message;
      }
    } else if (!sweep.failing_seeds.empty()) {
      text << "\nfailing seeds:";
      for (std::size_t i = 0; i < sweep.failing_seeds.size(); ++i) {
        text << "\n  " << sweep.failing_seeds[i] << ": "
             << consensus::violation_kind_name(sweep.first_violations[i].kind) << ": "
             << sweep.first_violations[i].message;
      }
      text << "\nreplay one with --seed S";
    }
    TRESTLE_TRY_STATUS(write_stdout_line(text.str()));
  }
  return sweep.violations == 0 ? kExitOk : kExitInvalid;
}

}  // namespace

void add_sim_command(CLI::App& app, Action& action) {
  auto options = std::make_shared<SimCommandOptions>();
  CLI::App* sim = app.add_subcommand("sim", "Run consensus engines in the deterministic simulator");
  sim->add_option("--engine", options->engine, "pbft (Byzantine fault tolerant) or raft (crash fault tolerant)")
      ->check(CLI::IsMember({"pbft", "raft"}))
      ->capture_default_str();
  sim->add_option("--nodes", options->nodes, "Number of sealers")->check(CLI::Range(1, 1024))->capture_default_str();
  sim->add_option("--byzantine", options->byzantine, "Byzantine sealers, at most f = (n - 1) / 3 (pbft only)");
  sim->add_option("--crash", options->crash, "Sealers that crash once and restart (implies the crash fault)");
  sim->add_option("--faults", options->faults, "Comma-separated: drop, delay, partition, duplicate, crash, skew, all");
  CLI::Option* seeds = sim->add_option("--seeds", options->seeds, "Seed range A..B")->capture_default_str();
  sim->add_option("--seed", options->seed, "Replay one seed and list all its violations")->excludes(seeds);
  sim->add_option("--blocks", options->blocks, "Blocks every correct node must commit per run")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  sim->add_option("--liveness-ms", options->liveness_ms,
                  "Virtual time after the faults stop within which every correct node must reach the target "
                  "(default: 60000, or blocks x 1000 x (byzantine + 1) when larger)");
  sim->add_flag("--json", options->json, "Print one JSON object on stdout");
  add_details(*sim,
              "Every run is deterministic: the same options and seed replay the same run event for event. Faults "
              "happen during the first 4 s of virtual time; afterwards every correct node must reach the block "
              "target within the liveness bound (--liveness-ms). Exit 1 when any run violates agreement, validity or "
              "liveness; the "
              "failing seeds are printed. Progress goes to stderr on runs of 50 seeds or more.");
  sim->callback([options, sim, &action] {
    options->replay = sim->get_option("--seed")->count() > 0;
    action = [options] { return run_sim(*options); };
  });
}

}  // namespace trestle::cli
