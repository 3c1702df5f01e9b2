#include "node_messages.hpp"

#include <string>

#include "trestle/core/codec.hpp"

namespace trestle::node::detail {
namespace {
constexpr std::uint8_t kVersion = 1;

Status expect_version(Reader& reader, const char* what) {
  TRESTLE_TRY(std::uint8_t version, reader.u8());
  if (version != kVersion) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + ": unknown version " + std::to_string(version));
  }
  return {};
}
}  // namespace

Bytes encode_tx_batch(const std::vector<Bytes>& txs) {
  std::size_t size = 16;
  for (const Bytes& tx : txs) size += tx.size() + 5;
  Writer writer(size);
  writer.u8(kVersion).varint(txs.size());
  for (const Bytes& tx : txs) writer.bytes(tx);
  return writer.take();
}

Result<std::vector<Bytes>> decode_tx_batch(ByteView payload, std::size_t tx_size_max) {
  Reader reader(payload);
  TRESTLE_TRY_STATUS(expect_version(reader, "tx batch"));
  TRESTLE_TRY(std::uint64_t count, reader.varint());
  if (count == 0) return Error(ErrorCode::kInvalidArgument, "tx batch: empty");
  if (count > kTxBatchCountMax) {
    return Error(ErrorCode::kLimitExceeded, "tx batch: " + std::to_string(count) + " transactions, over the limit");
  }
  std::vector<Bytes> txs;
  txs.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    TRESTLE_TRY(Bytes tx, reader.bytes(tx_size_max));
    txs.push_back(std::move(tx));
  }
  TRESTLE_TRY_STATUS(reader.finish());
  return txs;
}

Bytes encode_status(std::uint64_t height) {
  Writer writer(9);
  writer.u8(kVersion).u64(height);
  return writer.take();
}

Result<std::uint64_t> decode_status(ByteView payload) {
  Reader reader(payload);
  TRESTLE_TRY_STATUS(expect_version(reader, "status"));
  TRESTLE_TRY(std::uint64_t height, reader.u64());
  TRESTLE_TRY_STATUS(reader.finish());
  return height;
}

}  // namespace trestle::node::detail
