#pragma once
// Raft wire messages. Raft trusts its peers (crash faults only), so messages carry no
// signatures; the sender must still be the transport-authenticated peer, and decoding is strict.

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "trestle/consensus/types.hpp"

namespace trestle::consensus::raft {

// Terms at or above this are malformed, so term + 1 never overflows.
inline constexpr std::uint64_t kTermMax = std::uint64_t{1} << 62;
inline constexpr std::size_t kEntriesPerMessageMax = 256;

enum class MessageType : std::uint8_t {
  kRequestVote = 1,
  kVoteReply = 2,
  kAppendEntries = 3,
  kAppendReply = 4,
};

struct Entry {
  std::uint64_t term = 0;
  Proposal proposal;  // proposal.height is the log index
};

struct RequestVote {
  NodeIndex sender = 0;
  std::uint64_t term = 0;
  Height last_index = 0;
  std::uint64_t last_term = 0;
};

struct VoteReply {
  NodeIndex sender = 0;
  std::uint64_t term = 0;
  bool granted = false;
};

struct AppendEntries {
  NodeIndex sender = 0;
  std::uint64_t term = 0;
  Height prev_index = 0;
  std::uint64_t prev_term = 0;
  std::vector<Entry> entries;  // heights prev_index + 1, prev_index + 2, ...
  Height leader_commit = 0;
  std::vector<CommitCertificate> certificates;  // for committed heights the follower may lack
};

struct AppendReply {
  NodeIndex sender = 0;
  std::uint64_t term = 0;
  bool success = false;
  Height match_index = 0;  // on failure: a hint, the highest index that may match
  Height committed = 0;    // the follower's committed height
};

using Message = std::variant<RequestVote, VoteReply, AppendEntries, AppendReply>;

Bytes encode(const Message& message);
// Strict: sender < sealer_count, terms < kTermMax, entry heights consecutive after prev_index,
// at most kEntriesPerMessageMax entries and certificates, no trailing bytes.
Result<Message> decode(ByteView bytes, std::uint32_t sealer_count);

}  // namespace trestle::consensus::raft
