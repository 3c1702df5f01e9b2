#include "measure.hpp"

namespace trestle::bench {

double ops_per_second(const Op& op, double seconds) {
  using Clock = std::chrono::steady_clock;
  volatile std::uint8_t sink = op();
  std::uint64_t count = 0;
  std::uint64_t batch = 1;
  const Clock::time_point start = Clock::now();
  double elapsed = 0;
  for (;;) {
    for (std::uint64_t i = 0; i < batch; ++i) sink = static_cast<std::uint8_t>(sink ^ op());
    count += batch;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (elapsed >= seconds) break;
    // Grow batches while they are short, so reading the clock costs nothing measurable.
    if (elapsed < seconds / 16) batch *= 2;
  }
  return static_cast<double>(count) / elapsed;
}

}  // namespace trestle::bench
