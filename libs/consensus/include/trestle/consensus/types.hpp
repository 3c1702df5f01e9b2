#pragma once
// The values every engine agrees on: proposals and commit certificates.
//
// An engine never looks inside a proposal's payload. The host builds the payload (a block of
// transactions), names it by its hash (the block hash) and validates it; the engine agrees on
// (height, hash) and hands the payload back to the host to commit. That keeps consensus
// independent of the transaction format and of execution.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/result.hpp"

namespace trestle::consensus {

using NodeIndex = std::uint32_t;  // index of a sealer in the sealer set, [0, n)
using Height = std::uint64_t;     // block height; the genesis block is height 0
using TimerId = std::uint32_t;    // chosen by the engine; one pending timer per id

// Limits every decoder applies to untrusted bytes.
inline constexpr std::uint32_t kSealerCountMax = 1'024;
inline constexpr std::size_t kPayloadMaxBytes = 32u << 20;
inline constexpr std::size_t kSignatureMaxBytes = 128;

// A block proposed for `height`: `hash` is the block hash the host computed over `payload`.
struct Proposal {
  Height height = 0;
  Hash256 hash;
  Bytes payload;

  friend bool operator==(const Proposal&, const Proposal&) = default;
};

struct CommitVote {
  NodeIndex sealer_index = 0;
  Bytes signature;  // over commit_vote_message(height, round, block_hash)

  friend bool operator==(const CommitVote&, const CommitVote&) = default;
};

// Proof that a block was committed: signatures of `quorum` distinct sealers over
// commit_vote_message(height, round, block_hash). The round (PBFT view, Raft term) is signed so
// that votes from different rounds can never be pooled into one certificate. A node stores the
// votes in BlockHeader::certificate as SealerSignature{sealer_index, signature} and the round
// beside them (see docs/consensus.md).
struct CommitCertificate {
  Height height = 0;
  std::uint64_t round = 0;
  Hash256 block_hash;
  std::vector<CommitVote> votes;  // strictly increasing sealer_index

  friend bool operator==(const CommitCertificate&, const CommitCertificate&) = default;
};

// A committed block as the host's store returns it, for catching up peers.
struct CommittedBlock {
  Proposal proposal;
  CommitCertificate certificate;
};

// "trestle/commit/v1" || u64 height || u64 round || block_hash: what a commit vote signs.
Bytes commit_vote_message(Height height, std::uint64_t round, const Hash256& block_hash);

// The largest f with n >= 3f + 1, and the Byzantine quorum 2f + 1 (for n = 3f + 1; in general the
// smallest q with 2q > n + f, so any two quorums share a correct node).
std::uint32_t byzantine_faults_max(std::uint32_t sealer_count);
std::uint32_t byzantine_quorum(std::uint32_t sealer_count);
// floor(n / 2) + 1.
std::uint32_t majority_quorum(std::uint32_t sealer_count);

// Canonical encodings (core codec), for messages and for the host's store.
void encode_proposal(Writer& writer, const Proposal& proposal);
Result<Proposal> decode_proposal(Reader& reader);
void encode_certificate(Writer& writer, const CommitCertificate& certificate);
// Strict: at most kSealerCountMax votes, sealer indexes strictly increasing.
Result<CommitCertificate> decode_certificate(Reader& reader);

}  // namespace trestle::consensus
