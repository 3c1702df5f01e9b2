#pragma once
// `trestle-bench crypto`: Trestle's hashes, ciphers and signatures against OpenSSL 3 and
// libsecp256k1 on the same operations, single-threaded, in one run.

#include <string>
#include <vector>

#include "measure.hpp"

namespace trestle::bench {

struct CryptoBenchOptions {
  double seconds_per_cell = 0.3;  // time spent measuring each (operation, implementation) pair
  bool progress = true;           // one line per operation on stderr
};

// Checks first that every peer computes the same thing as Trestle (equal digests and
// ciphertexts, signatures the other side accepts), then measures. Throws std::runtime_error
// when a check or a peer call fails: a benchmark of different operations would mislead.
std::vector<Row> run_crypto_bench(const CryptoBenchOptions& options);

// The peers' versions, for the report's header.
std::string crypto_peers_description();

}  // namespace trestle::bench
