#include "pbft_messages.hpp"

#include <string>
#include <string_view>

namespace trestle::consensus::pbft {
namespace {

constexpr std::string_view kPrePrepareDomain = "trestle/pbft/pre-prepare/v1";
constexpr std::string_view kPrepareDomain = "trestle/pbft/prepare/v1";
constexpr std::string_view kViewChangeDomain = "trestle/pbft/view-change/v1";
constexpr std::string_view kNewViewDomain = "trestle/pbft/new-view/v1";

Error malformed(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, "pbft message: " + std::string(what));
}

Bytes vote_signed(std::string_view domain, Height height, std::uint64_t view, const Hash256& hash) {
  Writer writer(domain.size() + 48);
  writer.raw(as_bytes(domain)).u64(height).u64(view).fixed(hash);
  return writer.take();
}

void write_prepared(Writer& writer, const std::optional<PreparedCertificate>& prepared) {
  writer.boolean(prepared.has_value());
  if (!prepared) return;
  writer.u64(prepared->view).fixed(prepared->hash).varint(prepared->prepares.size());
  for (const Vote& vote : prepared->prepares) writer.u32(vote.sender).bytes(vote.signature);
}

// The view-change fields without the type byte and signature.
void write_view_change_body(Writer& writer, const ViewChange& message) {
  writer.u32(message.sender).u64(message.height).u64(message.new_view);
  write_prepared(writer, message.prepared);
}

void write_new_view_body(Writer& writer, const NewView& message) {
  writer.u32(message.sender).u64(message.height).u64(message.view).varint(message.view_changes.size());
  for (const ViewChange& change : message.view_changes) {
    write_view_change_body(writer, change);
    writer.bytes(change.signature);
  }
  writer.fixed(message.hash);
}

Result<NodeIndex> read_index(Reader& reader, std::uint32_t sealer_count) {
  TRESTLE_TRY(std::uint32_t index, reader.u32());
  if (index >= sealer_count) return malformed("sealer index out of range");
  return index;
}

Result<std::uint64_t> read_view(Reader& reader) {
  TRESTLE_TRY(std::uint64_t view, reader.u64());
  if (view >= kViewMax) return malformed("view out of range");
  return view;
}

Result<std::optional<PreparedCertificate>> read_prepared(Reader& reader, std::uint32_t sealer_count) {
  TRESTLE_TRY(bool present, reader.boolean());
  if (!present) return std::optional<PreparedCertificate>();
  PreparedCertificate prepared;
  TRESTLE_TRY(prepared.view, read_view(reader));
  TRESTLE_TRY(prepared.hash, reader.fixed<32>());
  TRESTLE_TRY(std::uint64_t count, reader.count(sealer_count));
  for (std::uint64_t i = 0; i < count; ++i) {
    Vote vote;
    TRESTLE_TRY(vote.sender, read_index(reader, sealer_count));
    TRESTLE_TRY(vote.signature, reader.bytes(kSignatureMaxBytes));
    if (!prepared.prepares.empty() && vote.sender <= prepared.prepares.back().sender) {
      return malformed("prepare senders not strictly increasing");
    }
    prepared.prepares.push_back(std::move(vote));
  }
  return std::optional<PreparedCertificate>(std::move(prepared));
}

Result<ViewChange> read_view_change_body(Reader& reader, std::uint32_t sealer_count) {
  ViewChange message;
  TRESTLE_TRY(message.sender, read_index(reader, sealer_count));
  TRESTLE_TRY(message.height, reader.u64());
  TRESTLE_TRY(message.new_view, read_view(reader));
  TRESTLE_TRY(message.prepared, read_prepared(reader, sealer_count));
  if (message.prepared && message.prepared->view >= message.new_view) {
    return malformed("prepared certificate not from an earlier view");
  }
  return message;
}

Result<Message> decode_body(Reader& reader, MessageType type, std::uint32_t sealer_count) {
  switch (type) {
    case MessageType::kPrePrepare: {
      PrePrepare message;
      TRESTLE_TRY(message.sender, read_index(reader, sealer_count));
      TRESTLE_TRY(message.height, reader.u64());
      TRESTLE_TRY(message.view, read_view(reader));
      TRESTLE_TRY(message.hash, reader.fixed<32>());
      TRESTLE_TRY(message.payload, reader.bytes(kPayloadMaxBytes));
      TRESTLE_TRY(message.signature, reader.bytes(kSignatureMaxBytes));
      return Message{type, std::move(message)};
    }
    case MessageType::kPrepare:
    case MessageType::kCommit: {
      VoteMessage message;
      TRESTLE_TRY(message.sender, read_index(reader, sealer_count));
      TRESTLE_TRY(message.height, reader.u64());
      TRESTLE_TRY(message.view, read_view(reader));
      TRESTLE_TRY(message.hash, reader.fixed<32>());
      TRESTLE_TRY(message.signature, reader.bytes(kSignatureMaxBytes));
      return Message{type, std::move(message)};
    }
    case MessageType::kViewChange: {
      TRESTLE_TRY(ViewChange message, read_view_change_body(reader, sealer_count));
      TRESTLE_TRY(message.signature, reader.bytes(kSignatureMaxBytes));
      TRESTLE_TRY(message.prepared_payload, reader.bytes(kPayloadMaxBytes));
      return Message{type, std::move(message)};
    }
    case MessageType::kNewView: {
      NewView message;
      TRESTLE_TRY(message.sender, read_index(reader, sealer_count));
      TRESTLE_TRY(message.height, reader.u64());
      TRESTLE_TRY(message.view, read_view(reader));
      TRESTLE_TRY(std::uint64_t count, reader.count(sealer_count));
      for (std::uint64_t i = 0; i < count; ++i) {
        TRESTLE_TRY(ViewChange change, read_view_change_body(reader, sealer_count));
        TRESTLE_TRY(change.signature, reader.bytes(kSignatureMaxBytes));
        if (!message.view_changes.empty() && change.sender <= message.view_changes.back().sender) {
          return malformed("view-change senders not strictly increasing");
        }
        message.view_changes.push_back(std::move(change));
      }
      TRESTLE_TRY(message.hash, reader.fixed<32>());
      TRESTLE_TRY(message.payload, reader.bytes(kPayloadMaxBytes));
      TRESTLE_TRY(message.signature, reader.bytes(kSignatureMaxBytes));
      return Message{type, std::move(message)};
    }
    case MessageType::kSyncRequest: {
      SyncRequest message;
      TRESTLE_TRY(message.sender, read_index(reader, sealer_count));
      TRESTLE_TRY(message.from_height, reader.u64());
      return Message{type, message};
    }
    case MessageType::kDecided: {
      Decided message;
      TRESTLE_TRY(message.sender, read_index(reader, sealer_count));
      TRESTLE_TRY(message.proposal, decode_proposal(reader));
      TRESTLE_TRY(message.certificate, decode_certificate(reader));
      for (const CommitVote& vote : message.certificate.votes) {
        if (vote.sealer_index >= sealer_count) return malformed("certificate sealer index out of range");
      }
      return Message{type, std::move(message)};
    }
  }
  return malformed("unknown type");
}

}  // namespace

Bytes pre_prepare_signed(Height height, std::uint64_t view, const Hash256& hash) {
  return vote_signed(kPrePrepareDomain, height, view, hash);
}

Bytes prepare_signed(Height height, std::uint64_t view, const Hash256& hash) {
  return vote_signed(kPrepareDomain, height, view, hash);
}

Bytes view_change_signed(const ViewChange& message) {
  Writer writer;
  writer.raw(as_bytes(kViewChangeDomain));
  write_view_change_body(writer, message);
  return writer.take();
}

Bytes new_view_signed(const NewView& message) {
  Writer writer;
  writer.raw(as_bytes(kNewViewDomain));
  write_new_view_body(writer, message);
  return writer.take();
}

Bytes encode_pre_prepare(const PrePrepare& message) {
  Writer writer(message.payload.size() + 128);
  writer.u8(static_cast<std::uint8_t>(MessageType::kPrePrepare))
      .u32(message.sender)
      .u64(message.height)
      .u64(message.view)
      .fixed(message.hash)
      .bytes(message.payload)
      .bytes(message.signature);
  return writer.take();
}

Bytes encode_vote(MessageType type, const VoteMessage& message) {
  Writer writer(128);
  writer.u8(static_cast<std::uint8_t>(type))
      .u32(message.sender)
      .u64(message.height)
      .u64(message.view)
      .fixed(message.hash)
      .bytes(message.signature);
  return writer.take();
}

Bytes encode_view_change(const ViewChange& message) {
  Writer writer;
  writer.u8(static_cast<std::uint8_t>(MessageType::kViewChange));
  write_view_change_body(writer, message);
  writer.bytes(message.signature).bytes(message.prepared_payload);
  return writer.take();
}

Bytes encode_new_view(const NewView& message) {
  Writer writer(message.payload.size() + 256);
  writer.u8(static_cast<std::uint8_t>(MessageType::kNewView));
  write_new_view_body(writer, message);
  writer.bytes(message.payload).bytes(message.signature);
  return writer.take();
}

Bytes encode_sync_request(const SyncRequest& message) {
  Writer writer(16);
  writer.u8(static_cast<std::uint8_t>(MessageType::kSyncRequest)).u32(message.sender).u64(message.from_height);
  return writer.take();
}

Bytes encode_decided(const Decided& message) {
  Writer writer(message.proposal.payload.size() + 256);
  writer.u8(static_cast<std::uint8_t>(MessageType::kDecided)).u32(message.sender);
  encode_proposal(writer, message.proposal);
  encode_certificate(writer, message.certificate);
  return writer.take();
}

Result<Message> decode_message(ByteView bytes, std::uint32_t sealer_count) {
  Reader reader(bytes);
  TRESTLE_TRY(std::uint8_t type, reader.u8());
  if (type < static_cast<std::uint8_t>(MessageType::kPrePrepare) ||
      type > static_cast<std::uint8_t>(MessageType::kDecided)) {
    return malformed("unknown type " + std::to_string(type));
  }
  TRESTLE_TRY(Message message, decode_body(reader, static_cast<MessageType>(type), sealer_count));
  TRESTLE_TRY_STATUS(reader.finish());
  return message;
}

}  // namespace trestle::consensus::pbft
