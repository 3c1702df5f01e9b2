#pragma once
// Timing for trestle-bench: an operation is a callable run back to back on one thread until a
// time budget is spent; the result is a rate.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace trestle::bench {

// One operation to time. It returns a byte of its output, which the timer folds into a sink so
// that the compiler cannot drop the work.
using Op = std::function<std::uint8_t()>;

// Runs `op` for about `seconds` (at least once, after one untimed warm-up call) and returns
// operations per second.
double ops_per_second(const Op& op, double seconds);

// One line of the report: Trestle's figure for an operation and one peer's figure for the same
// operation. `peer` is "-" and `peer_value` empty when no peer offers the operation.
struct Row {
  std::string op;
  std::string unit;  // "ops/s", or "MB/s" (10^6 bytes per second) for hashes and ciphers
  double trestle = 0;
  std::string peer;
  std::optional<double> peer_value;

  std::optional<double> ratio() const {
    if (!peer_value || *peer_value <= 0) return std::nullopt;
    return trestle / *peer_value;
  }
};

}  // namespace trestle::bench
