#pragma once
// The frame layout on a peer link (inside TLS), see docs/network.md:
//
//   u32 payload length (big-endian) | u8 message type | u8 protocol version | payload
//
// The length counts the payload only. Types below kFirstApplicationMessageType belong to the
// transport.

#include <cstddef>
#include <cstdint>
#include <memory>

#include "trestle/core/bytes.hpp"
#include "trestle/network/transport.hpp"

namespace trestle::network::detail {

inline constexpr std::size_t kFrameHeaderSize = 6;
inline constexpr std::uint8_t kProtocolVersion = 1;

// The handshake frame: each side's key and its signature over the channel binding.
inline constexpr MessageType kAuthMessageType = 1;
// An empty frame sent on an idle connection, so that the other side can tell it is alive.
inline constexpr MessageType kHeartbeatMessageType = 2;
// The last frame before a side half-closes the connection; one byte of payload, the reason.
inline constexpr MessageType kGoodbyeMessageType = 3;
// Another connection with the same peer carries the traffic: keep sending here until you have
// come to the same conclusion (the sender reads until you close).
inline constexpr std::uint8_t kGoodbyeRetired = 0;
// The sender is stopping: send nothing new here.
inline constexpr std::uint8_t kGoodbyeStopping = 1;

struct FrameHeader {
  std::uint32_t length = 0;
  MessageType type = 0;
  std::uint8_t version = 0;
};

inline void write_frame_header(std::uint8_t* out, std::uint32_t length, MessageType type) {
  out[0] = static_cast<std::uint8_t>(length >> 24);
  out[1] = static_cast<std::uint8_t>(length >> 16);
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length);
  out[4] = type;
  out[5] = kProtocolVersion;
}

// Reads kFrameHeaderSize bytes at `in`.
inline FrameHeader read_frame_header(const std::uint8_t* in) {
  FrameHeader header;
  header.length =
      (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) | std::uint32_t{in[3]};
  header.type = in[4];
  header.version = in[5];
  return header;
}

// A whole frame (header and payload) in one buffer, shared by the queues of a broadcast.
using FramePtr = std::shared_ptr<const Bytes>;

// Frames under kLargeFrameBytes are copied back to back into blocks of up to kBatchBytes, each
// written with one write (a TLS record per 16 KiB instead of one per message); a frame of
// kLargeFrameBytes or more is queued on its own, shared and not copied again.
inline constexpr std::size_t kLargeFrameBytes = 16u << 10;
inline constexpr std::size_t kBatchBytes = 64u << 10;

// One entry of a peer's send queue: a block of small frames, or one large frame.
struct QueuedChunk {
  Bytes block;     // small frames back to back (when `large` is empty)
  FramePtr large;  // one large frame
  std::size_t frames = 0;
  std::size_t size() const { return large ? large->size() : block.size(); }
};

// Precondition: payload.size() < 2^32.
inline Bytes make_frame(MessageType type, ByteView payload) {
  std::uint8_t header[kFrameHeaderSize];
  write_frame_header(header, static_cast<std::uint32_t>(payload.size()), type);
  Bytes frame;
  frame.reserve(kFrameHeaderSize + payload.size());  // one allocation, no zero-fill of the payload
  frame.assign(header, header + kFrameHeaderSize);
  frame.insert(frame.end(), payload.begin(), payload.end());
  return frame;
}

}  // namespace trestle::network::detail
