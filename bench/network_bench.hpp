#pragma once
// `trestle-bench network`: messages between two TcpTransports on loopback (authenticated TLS 1.3
// links with framing, queues and stats) against a plain TLS 1.3 stream over asio::ssl that
// carries the same length-prefixed messages, in one run.

#include <string>
#include <vector>

#include "measure.hpp"

namespace trestle::bench {

struct NetworkBenchOptions {
  double seconds_per_cell = 1.0;  // sending time per (message size, implementation) pair
  bool progress = true;           // one line per measurement on stderr
};

// For 256 B and 64 KiB messages: rows "network <size> messages" in msgs/s and in MB/s (payload
// bytes, 10^6 per second), each next to the plain TLS stream written one message per write
// (peer "plain TLS 1.3") and, for 256 B, also with whole messages gathered into 64 KiB writes
// (peer "plain TLS 1.3, 64KiB writes"), which is what the transport does. A rate counts from
// the first send to the receipt of the last message; every message is checked to arrive once,
// in order and whole. Throws std::runtime_error when a setup step or a check fails.
std::vector<Row> run_network_bench(const NetworkBenchOptions& options);

// The peer's description for the report's header (OpenSSL version, TLS version).
std::string network_peers_description();

}  // namespace trestle::bench
