#pragma once
// Receipt: the outcome of executing one transaction of a committed block.
//
// Canonical encoding:
//
//   u8       version                      1
//   [32]     tx_hash
//   u32      status                       0 = success; other values are the application's
//   bytes    output                       <= Limits::receipt_output_max_bytes
//   varint   log count                    <= Limits::receipt_log_count_max
//     per log:
//     [20]   address                      the emitting account or contract
//     varint topic count                  <= Limits::log_topic_count_max
//     [32]   topic, repeated
//     bytes  data                         <= Limits::log_data_max_bytes
//   u64      height                       of the block holding the transaction
//
// The receipt hash is the suite hash of the whole encoding; the receipt root's leaf for it is
// merkle_leaf(encoding) (inclusion.hpp).

#include <cstdint>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/suite.hpp"
#include "trestle/ledger/limits.hpp"

namespace trestle::ledger {

struct LogEntry {
  Address address;
  std::vector<Hash256> topics;
  Bytes data;

  friend bool operator==(const LogEntry&, const LogEntry&) = default;
};

struct Receipt {
  static constexpr std::uint8_t kVersion = 1;
  static constexpr std::uint32_t kStatusSuccess = 0;

  Hash256 tx_hash;
  std::uint32_t status = kStatusSuccess;
  Bytes output;
  std::vector<LogEntry> logs;
  Height height = 0;

  Bytes encode() const;
  // Strict. Errors: kInvalidArgument (malformed, trailing bytes), kLimitExceeded, kUnsupported
  // (another version).
  static Result<Receipt> decode(ByteView encoded, const Limits& limits);
  // The limits decode() enforces, for values built in memory. Error: kLimitExceeded.
  Status validate(const Limits& limits) const;

  Hash256 hash(const crypto::CryptoSuite& suite) const;

  friend bool operator==(const Receipt&, const Receipt&) = default;
};

}  // namespace trestle::ledger
