#pragma once
// PBFT wire messages and what each signature covers.
//
// Every message starts with u8 type and u32 sender. Votes (pre-prepare, prepare, commit) sign a
// short domain-separated (height, view, hash) so that they can be checked again when they travel
// inside a prepared certificate or a commit certificate; view-change and new-view sign their
// whole body. Sync messages are not signed: the transport authenticates the peer, and a decided
// block carries its own commit certificate.

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "trestle/consensus/types.hpp"

namespace trestle::consensus::pbft {

// Views at or above this are malformed: view + 1 and timeout arithmetic never overflow.
inline constexpr std::uint64_t kViewMax = std::uint64_t{1} << 62;

enum class MessageType : std::uint8_t {
  kPrePrepare = 1,
  kPrepare = 2,
  kCommit = 3,
  kViewChange = 4,
  kNewView = 5,
  kSyncRequest = 6,
  kDecided = 7,
};

struct Vote {
  NodeIndex sender = 0;
  Bytes signature;
};

// 2f + 1 prepare signatures over prepare_signed(height, view, hash).
struct PreparedCertificate {
  std::uint64_t view = 0;
  Hash256 hash;
  std::vector<Vote> prepares;  // strictly increasing sender
};

struct PrePrepare {
  NodeIndex sender = 0;
  Height height = 0;
  std::uint64_t view = 0;
  Hash256 hash;
  Bytes payload;  // not signed: the host checks that it hashes to `hash`
  Bytes signature;
};

// Prepare and commit have the same shape.
struct VoteMessage {
  NodeIndex sender = 0;
  Height height = 0;
  std::uint64_t view = 0;
  Hash256 hash;
  Bytes signature;
};

struct ViewChange {
  NodeIndex sender = 0;
  Height height = 0;
  std::uint64_t new_view = 0;
  std::optional<PreparedCertificate> prepared;
  Bytes signature;
  // The prepared block's payload, so that the next primary can re-propose it. Not signed (the
  // host checks it against the certificate's hash) and not carried inside a NewView.
  Bytes prepared_payload;
};

struct NewView {
  NodeIndex sender = 0;
  Height height = 0;
  std::uint64_t view = 0;
  std::vector<ViewChange> view_changes;  // 2f + 1, strictly increasing sender
  Hash256 hash;                          // the block this view proposes
  Bytes payload;                         // not signed, as in PrePrepare
  Bytes signature;
};

struct SyncRequest {
  NodeIndex sender = 0;
  Height from_height = 0;
};

struct Decided {
  NodeIndex sender = 0;
  Proposal proposal;
  CommitCertificate certificate;
};

struct Message {
  MessageType type = MessageType::kPrePrepare;
  std::variant<PrePrepare, VoteMessage, ViewChange, NewView, SyncRequest, Decided> body;
};

Bytes encode_pre_prepare(const PrePrepare& message);
Bytes encode_vote(MessageType type, const VoteMessage& message);
Bytes encode_view_change(const ViewChange& message);
Bytes encode_new_view(const NewView& message);
Bytes encode_sync_request(const SyncRequest& message);
Bytes encode_decided(const Decided& message);

// Strict decoding for a set of `sealer_count` sealers: every index < sealer_count, views <
// kViewMax, counts <= sealer_count, lengths within the limits of types.hpp, no trailing bytes.
// Signatures are not checked here.
Result<Message> decode_message(ByteView bytes, std::uint32_t sealer_count);

// What each signature covers.
Bytes pre_prepare_signed(Height height, std::uint64_t view, const Hash256& hash);
Bytes prepare_signed(Height height, std::uint64_t view, const Hash256& hash);
Bytes view_change_signed(const ViewChange& message);
Bytes new_view_signed(const NewView& message);

}  // namespace trestle::consensus::pbft
