#include "sim_app.hpp"

#include "trestle/crypto/hash.hpp"

namespace trestle::consensus::sim {

Bytes SimBlock::encode() const {
  Writer writer(80);
  writer.u64(height).fixed(parent).u32(proposer).u64(tx_first).u32(tx_count).u64(salt);
  return writer.take();
}

Result<SimBlock> SimBlock::decode(ByteView payload) {
  Reader reader(payload);
  SimBlock block;
  TRESTLE_TRY(block.height, reader.u64());
  TRESTLE_TRY(block.parent, reader.fixed<32>());
  TRESTLE_TRY(block.proposer, reader.u32());
  TRESTLE_TRY(block.tx_first, reader.u64());
  TRESTLE_TRY(block.tx_count, reader.u32());
  TRESTLE_TRY(block.salt, reader.u64());
  TRESTLE_TRY_STATUS(reader.finish());
  return block;
}

Hash256 block_hash(ByteView payload) { return crypto::hash(crypto::HashAlgorithm::kSha256, payload); }

Proposal make_proposal(const SimBlock& block) {
  Proposal proposal{block.height, {}, block.encode()};
  proposal.hash = block_hash(proposal.payload);
  return proposal;
}

std::optional<SimBlock> validate_block(const Proposal& proposal, const Tip& tip, const TxClock& clock,
                                       std::uint64_t now_ms, std::uint32_t block_tx_count_max) {
  if (proposal.height != tip.height + 1) return std::nullopt;
  if (block_hash(proposal.payload) != proposal.hash) return std::nullopt;  // header/body mismatch
  auto block = SimBlock::decode(proposal.payload);
  if (!block.ok()) return std::nullopt;
  if (block->height != proposal.height || block->parent != tip.hash || block->tx_first != tip.tx_end ||
      block->tx_count > block_tx_count_max || block->tx_first + block->tx_count > clock.available(now_ms)) {
    return std::nullopt;
  }
  return std::move(block).value();
}

}  // namespace trestle::consensus::sim
