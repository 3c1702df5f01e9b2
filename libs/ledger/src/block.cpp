#include "trestle/ledger/block.hpp"

#include "codec_util.hpp"
#include "trestle/core/codec.hpp"

namespace trestle::ledger {

using detail::check_count;
using detail::check_size;
using detail::in_context;
using detail::invalid;

namespace {

constexpr std::size_t kSigningSize = 1 + 32 + 8 + 8 + 4 + 4 + 4 * 32;

void write_signing(Writer& writer, const BlockHeader& header) {
  writer.u8(BlockHeader::kVersion)
      .fixed(header.parent_hash)
      .u64(header.height)
      .u64(header.timestamp_ms)
      .u32(header.proposer_index)
      .u32(header.tx_count)
      .fixed(header.tx_root)
      .fixed(header.receipt_root)
      .fixed(header.state_root)
      .fixed(header.sealer_set_hash);
}

Status check_certificate_order(const std::vector<SealerSignature>& certificate) {
  for (std::size_t i = 1; i < certificate.size(); ++i) {
    if (certificate[i].sealer_index <= certificate[i - 1].sealer_index) {
      return invalid("commit certificate: sealer indexes must be strictly increasing, entry " + std::to_string(i) +
                     " has " + std::to_string(certificate[i].sealer_index) + " after " +
                     std::to_string(certificate[i - 1].sealer_index));
    }
  }
  return ok_status();
}

Result<BlockHeader> read_header(Reader& reader, const Limits& limits) {
  TRESTLE_TRY_STATUS(detail::read_version(reader, BlockHeader::kVersion, "block header"));
  BlockHeader header;
  TRESTLE_TRY(header.parent_hash, in_context(reader.fixed<32>(), "block header parent hash"));
  TRESTLE_TRY(header.height, in_context(reader.u64(), "block header height"));
  TRESTLE_TRY(header.timestamp_ms, in_context(reader.u64(), "block header timestamp"));
  TRESTLE_TRY(header.proposer_index, in_context(reader.u32(), "block header proposer index"));
  TRESTLE_TRY(header.tx_count, in_context(reader.u32(), "block header tx count"));
  TRESTLE_TRY(header.tx_root, in_context(reader.fixed<32>(), "block header tx root"));
  TRESTLE_TRY(header.receipt_root, in_context(reader.fixed<32>(), "block header receipt root"));
  TRESTLE_TRY(header.state_root, in_context(reader.fixed<32>(), "block header state root"));
  TRESTLE_TRY(header.sealer_set_hash, in_context(reader.fixed<32>(), "block header sealer set hash"));
  TRESTLE_TRY(std::uint64_t count,
              in_context(reader.count(limits.certificate_signature_count_max), "commit certificate"));
  header.certificate.resize(static_cast<std::size_t>(count));
  for (auto& entry : header.certificate) {
    TRESTLE_TRY(entry.sealer_index, in_context(reader.u32(), "commit certificate sealer index"));
    TRESTLE_TRY(entry.signature, in_context(reader.bytes(limits.signature_max_bytes), "commit certificate signature"));
  }
  TRESTLE_TRY_STATUS(check_certificate_order(header.certificate));
  if (header.tx_count > limits.block_tx_count_max) {
    return check_count("block header transaction", header.tx_count, limits.block_tx_count_max).error();
  }
  return header;
}

}  // namespace

Bytes BlockHeader::signing_bytes() const {
  Writer writer(kSigningSize);
  write_signing(writer, *this);
  return writer.take();
}

Bytes BlockHeader::encode() const {
  std::size_t reserve = kSigningSize + 8;
  for (const auto& entry : certificate) reserve += 8 + entry.signature.size();
  Writer writer(reserve);
  write_signing(writer, *this);
  writer.varint(certificate.size());
  for (const auto& entry : certificate) writer.u32(entry.sealer_index).bytes(entry.signature);
  return writer.take();
}

Status BlockHeader::validate(const Limits& limits) const {
  TRESTLE_TRY_STATUS(check_count("block header transaction", tx_count, limits.block_tx_count_max));
  TRESTLE_TRY_STATUS(
      check_count("commit certificate signature", certificate.size(), limits.certificate_signature_count_max));
  for (const auto& entry : certificate) {
    TRESTLE_TRY_STATUS(check_size("commit certificate signature", entry.signature.size(), limits.signature_max_bytes));
  }
  return check_certificate_order(certificate);
}

Result<BlockHeader> BlockHeader::decode(ByteView encoded, const Limits& limits) {
  Reader reader(encoded);
  TRESTLE_TRY(BlockHeader header, read_header(reader, limits));
  TRESTLE_TRY_STATUS(in_context(reader.finish(), "block header"));
  return header;
}

Hash256 BlockHeader::hash(const crypto::CryptoSuite& suite) const { return suite.hash(signing_bytes()); }

Bytes Block::encode() const {
  Bytes out = header.encode();
  Writer writer;
  writer.varint(transactions.size());
  for (const auto& tx : transactions) writer.bytes(tx.encode());
  append(out, writer.data());
  return out;
}

Status Block::validate(const Limits& limits) const {
  TRESTLE_TRY_STATUS(header.validate(limits));
  TRESTLE_TRY_STATUS(check_count("block transaction", transactions.size(), limits.block_tx_count_max));
  if (header.tx_count != transactions.size()) {
    return invalid("block header says " + std::to_string(header.tx_count) + " transactions, the block has " +
                   std::to_string(transactions.size()));
  }
  std::size_t size = header.encode().size() + varint_size(transactions.size());
  for (std::size_t i = 0; i < transactions.size(); ++i) {
    TRESTLE_TRY_STATUS(in_context(transactions[i].validate(limits), "transaction " + std::to_string(i)));
    const std::size_t tx_size = transactions[i].encode().size();
    size += varint_size(tx_size) + tx_size;
  }
  return check_size("block", size, limits.block_size_max_bytes);
}

Result<Block> Block::decode(ByteView encoded, const Limits& limits) {
  TRESTLE_TRY_STATUS(check_size("block", encoded.size(), limits.block_size_max_bytes));
  Reader reader(encoded);
  Block block;
  TRESTLE_TRY(block.header, read_header(reader, limits));
  TRESTLE_TRY(std::uint64_t count, in_context(reader.count(limits.block_tx_count_max), "block transactions"));
  if (count != block.header.tx_count) {
    return invalid("block header says " + std::to_string(block.header.tx_count) + " transactions, the body has " +
                   std::to_string(count));
  }
  block.transactions.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string what = "transaction " + std::to_string(i);
    TRESTLE_TRY(ByteView tx_bytes, in_context(detail::read_sized(reader, limits.tx_size_max_bytes), what));
    TRESTLE_TRY(Transaction tx, in_context(Transaction::decode(tx_bytes, limits), what));
    block.transactions.push_back(std::move(tx));
  }
  TRESTLE_TRY_STATUS(in_context(reader.finish(), "block"));
  return block;
}

}  // namespace trestle::ledger
