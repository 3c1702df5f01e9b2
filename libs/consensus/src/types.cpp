#include "trestle/consensus/types.hpp"

#include <string>

namespace trestle::consensus {

namespace {
constexpr std::string_view kCommitDomain = "trestle/commit/v1";
}  // namespace

Bytes commit_vote_message(Height height, std::uint64_t round, const Hash256& block_hash) {
  Writer writer(kCommitDomain.size() + 8 + 8 + 32);
  writer.raw(as_bytes(kCommitDomain)).u64(height).u64(round).fixed(block_hash);
  return writer.take();
}

std::uint32_t byzantine_faults_max(std::uint32_t sealer_count) {
  return sealer_count == 0 ? 0 : (sealer_count - 1) / 3;
}

std::uint32_t byzantine_quorum(std::uint32_t sealer_count) {
  // Smallest q with 2q > n + f: two quorums overlap in more than f sealers, so in a correct one.
  std::uint32_t f = byzantine_faults_max(sealer_count);
  return (sealer_count + f) / 2 + 1;
}

std::uint32_t majority_quorum(std::uint32_t sealer_count) { return sealer_count / 2 + 1; }

void encode_proposal(Writer& writer, const Proposal& proposal) {
  writer.u64(proposal.height).fixed(proposal.hash).bytes(proposal.payload);
}

Result<Proposal> decode_proposal(Reader& reader) {
  Proposal proposal;
  TRESTLE_TRY(proposal.height, reader.u64());
  TRESTLE_TRY(proposal.hash, reader.fixed<32>());
  TRESTLE_TRY(proposal.payload, reader.bytes(kPayloadMaxBytes));
  return proposal;
}

void encode_certificate(Writer& writer, const CommitCertificate& certificate) {
  writer.u64(certificate.height).u64(certificate.round).fixed(certificate.block_hash);
  writer.varint(certificate.votes.size());
  for (const CommitVote& vote : certificate.votes) writer.u32(vote.sealer_index).bytes(vote.signature);
}

Result<CommitCertificate> decode_certificate(Reader& reader) {
  CommitCertificate certificate;
  TRESTLE_TRY(certificate.height, reader.u64());
  TRESTLE_TRY(certificate.round, reader.u64());
  TRESTLE_TRY(certificate.block_hash, reader.fixed<32>());
  TRESTLE_TRY(std::uint64_t count, reader.count(kSealerCountMax));
  certificate.votes.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    CommitVote vote;
    TRESTLE_TRY(vote.sealer_index, reader.u32());
    TRESTLE_TRY(vote.signature, reader.bytes(kSignatureMaxBytes));
    if (!certificate.votes.empty() && vote.sealer_index <= certificate.votes.back().sealer_index) {
      return Error(ErrorCode::kInvalidArgument, "certificate: sealer indexes not strictly increasing");
    }
    certificate.votes.push_back(std::move(vote));
  }
  return certificate;
}

}  // namespace trestle::consensus
