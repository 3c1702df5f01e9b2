#pragma once
// A small seeded generator whose output is the same on every platform and library version
// (std:: distributions are not): xoshiro256** seeded through splitmix64.

#include <cstdint>

namespace trestle::consensus {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  std::uint64_t next();
  // Uniform in [0, bound). Precondition: bound > 0.
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [low, high). Precondition: low < high.
  std::uint64_t between(std::uint64_t low, std::uint64_t high) { return low + below(high - low); }
  // True with probability `per_million` / 1,000,000.
  bool chance(std::uint32_t per_million) { return below(1'000'000) < per_million; }

 private:
  std::uint64_t state_[4];
};

// One step of splitmix64: a good 64-bit mixer, also used to derive independent seeds.
std::uint64_t splitmix64(std::uint64_t& state);

}  // namespace trestle::consensus
