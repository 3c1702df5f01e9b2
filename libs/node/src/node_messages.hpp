#pragma once
// The node's peer messages besides consensus, and their encodings (core codec):
//
//   type 16  consensus   the engine's message bytes, unchanged
//   type 17  tx batch    u8 version (1) || varint count (1..kTxBatchCountMax) || count x bytes tx
//   type 18  status      u8 version (1) || u64 committed height
//
// Decoders are strict and bounded; a malformed message is dropped and counted.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/network/transport.hpp"

namespace trestle::node::detail {

inline constexpr network::MessageType kConsensusMessage = network::kFirstApplicationMessageType;
inline constexpr network::MessageType kTxBatchMessage = network::kFirstApplicationMessageType + 1;
inline constexpr network::MessageType kStatusMessage = network::kFirstApplicationMessageType + 2;

inline constexpr std::size_t kTxBatchCountMax = 20'000;
// A batch is flushed once it holds this many bytes of transactions.
inline constexpr std::size_t kTxBatchFlushBytes = 1u << 20;

Bytes encode_tx_batch(const std::vector<Bytes>& txs);
// Errors: kInvalidArgument (malformed, trailing bytes, empty), kLimitExceeded (a count or a
// transaction over the limits).
Result<std::vector<Bytes>> decode_tx_batch(ByteView payload, std::size_t tx_size_max);

Bytes encode_status(std::uint64_t height);
Result<std::uint64_t> decode_status(ByteView payload);

}  // namespace trestle::node::detail
