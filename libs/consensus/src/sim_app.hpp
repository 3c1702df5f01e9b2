#pragma once
// The simulated application: blocks that batch a contiguous range of client transactions.
//
// Clients submit transaction i (from 0) at tx_submit_ms(i); a block holds the range
// [tx_first, tx_first + tx_count) and extends its parent's range without gaps or overlaps, so a
// valid chain commits every transaction exactly once and in order. The block hash is SHA-256 of
// the payload.

#include <cstdint>
#include <optional>

#include "trestle/consensus/types.hpp"

namespace trestle::consensus::sim {

struct SimBlock {
  Height height = 0;
  Hash256 parent;
  NodeIndex proposer = 0;
  std::uint64_t tx_first = 0;
  std::uint32_t tx_count = 0;
  std::uint64_t salt = 0;  // 0 for honest blocks; Byzantine variants of a block differ here

  Bytes encode() const;
  static Result<SimBlock> decode(ByteView payload);
};

Hash256 block_hash(ByteView payload);
Proposal make_proposal(const SimBlock& block);

// The chain tip a block must extend.
struct Tip {
  Height height = 0;
  Hash256 hash;
  std::uint64_t tx_end = 0;
};

class TxClock {
 public:
  explicit TxClock(std::uint32_t rate_per_s) : rate_per_s_(rate_per_s == 0 ? 1 : rate_per_s) {}
  // Transactions submitted by virtual time t: those with tx_submit_ms(i) <= t.
  std::uint64_t available(std::uint64_t time_ms) const { return time_ms * rate_per_s_ / 1000; }
  // The first time at which transaction i is available.
  std::uint64_t submit_ms(std::uint64_t index) const { return ((index + 1) * 1000 + rate_per_s_ - 1) / rate_per_s_; }

 private:
  std::uint64_t rate_per_s_;
};

// Whether `proposal` is a valid next block on `tip` at virtual time `now_ms`; the decoded block if
// so.
std::optional<SimBlock> validate_block(const Proposal& proposal, const Tip& tip, const TxClock& clock,
                                       std::uint64_t now_ms, std::uint32_t block_tx_count_max);

}  // namespace trestle::consensus::sim
