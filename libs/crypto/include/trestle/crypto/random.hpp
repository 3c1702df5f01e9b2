#pragma once
// Randomness from the operating system (getrandom(2)); no user-space generator to seed or leak.

#include <cstddef>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"

namespace trestle::crypto {

// Fills `out` with random bytes. Error (kInternal) only if the kernel refuses.
Status fill_random(std::span<std::uint8_t> out);
Result<Bytes> random_bytes(std::size_t count);

}  // namespace trestle::crypto
