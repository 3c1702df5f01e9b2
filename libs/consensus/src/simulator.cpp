// The simulator's public entry points: option checks, single runs and seed sweeps.

#include "trestle/consensus/simulator.hpp"

#include <algorithm>
#include <string>

#include "simulation.hpp"

namespace trestle::consensus {

FaultOptions FaultOptions::all() {
  FaultOptions faults;
  faults.drop = faults.duplicate = faults.delay = faults.partition = faults.crash = faults.clock_skew = true;
  return faults;
}

std::string_view violation_kind_name(Violation::Kind kind) {
  switch (kind) {
    case Violation::Kind::kAgreement:
      return "agreement";
    case Violation::Kind::kValidity:
      return "validity";
    case Violation::Kind::kLiveness:
      return "liveness";
  }
  return "unknown";
}

namespace {

Status check_options(const EngineFactory& factory, const SimOptions& options) {
  auto invalid = [](const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); };
  if (!factory.make || !factory.certificate_quorum || !factory.byzantine_max) {
    return invalid("engine factory: make, certificate_quorum and byzantine_max are required");
  }
  if (options.node_count == 0 || options.node_count > kSealerCountMax) {
    return invalid("nodes: " + std::to_string(options.node_count) + " is outside [1, " +
                   std::to_string(kSealerCountMax) + "]");
  }
  if (options.byzantine_count > 0 && !factory.make_byzantine) {
    return invalid("byzantine: the " + factory.name + " engine has no Byzantine model (it tolerates crashes only)");
  }
  const std::uint32_t byzantine_max = factory.byzantine_max(options.node_count);
  if (options.byzantine_count > byzantine_max) {
    return invalid("byzantine: " + std::to_string(options.byzantine_count) + " nodes, but " + factory.name + " with " +
                   std::to_string(options.node_count) + " nodes tolerates at most " + std::to_string(byzantine_max));
  }
  if (options.faults.crash && options.faults.crash_count + options.byzantine_count > options.node_count) {
    return invalid("crash: " + std::to_string(options.faults.crash_count) + " crashing plus " +
                   std::to_string(options.byzantine_count) + " Byzantine nodes exceed the " +
                   std::to_string(options.node_count) + " nodes");
  }
  if (options.latency_ms_min >= options.latency_ms_max) {
    return invalid("latency: latency_ms_min must be below latency_ms_max");
  }
  if (options.target_blocks == 0 || options.target_blocks > 1'000'000) {
    return invalid("blocks: " + std::to_string(options.target_blocks) + " is outside [1, 1000000]");
  }
  return ok_status();
}

}  // namespace

Result<SimReport> run_simulation(const EngineFactory& factory, const SimOptions& options) {
  TRESTLE_TRY_STATUS(check_options(factory, options));
  sim::Simulation simulation(factory, options);
  return simulation.run();
}

Result<SweepReport> run_sweep(const EngineFactory& factory, const SimOptions& options, std::uint64_t seed_first,
                              std::uint64_t seed_last,
                              const std::function<void(std::uint64_t done, std::uint64_t total)>& progress) {
  TRESTLE_TRY_STATUS(check_options(factory, options));
  if (seed_last < seed_first) {
    return Error(ErrorCode::kInvalidArgument,
                 "seeds: the range " + std::to_string(seed_first) + ".." + std::to_string(seed_last) + " is empty");
  }
  SweepReport sweep;
  std::vector<std::uint64_t> p50s;
  std::vector<std::uint64_t> p99s;
  const std::uint64_t total = seed_last - seed_first + 1;
  for (std::uint64_t seed = seed_first;; ++seed) {
    SimOptions run_options = options;
    run_options.seed = seed;
    sim::Simulation simulation(factory, run_options);
    const SimReport report = simulation.run();
    ++sweep.runs;
    if (!report.ok()) {
      ++sweep.violations;
      sweep.failing_seeds.push_back(seed);
      sweep.first_violations.push_back(report.violations.front());
    }
    sweep.blocks_committed += report.blocks_committed;
    sweep.transactions_committed += report.transactions_committed;
    sweep.messages_sent += report.messages_sent;
    sweep.bytes_sent += report.bytes_sent;
    sweep.rounds_started += report.rounds_started;
    sweep.virtual_time_ms += report.end_time_ms;
    p50s.push_back(report.latency_ms_p50);
    p99s.push_back(report.latency_ms_p99);
    if (progress) progress(sweep.runs, total);
    if (seed == seed_last) break;
  }
  std::sort(p50s.begin(), p50s.end());
  std::sort(p99s.begin(), p99s.end());
  sweep.latency_ms_p50 = p50s[(p50s.size() - 1) / 2];
  sweep.latency_ms_p99 = p99s[(p99s.size() - 1) * 99 / 100];
  return sweep;
}

}  // namespace trestle::consensus
