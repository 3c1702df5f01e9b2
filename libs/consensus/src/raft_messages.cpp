#include "raft_messages.hpp"

#include <string>

namespace trestle::consensus::raft {
namespace {

Error malformed(const std::string& what) { return Error(ErrorCode::kInvalidArgument, "raft message: " + what); }

Result<std::uint64_t> read_term(Reader& reader) {
  TRESTLE_TRY(std::uint64_t term, reader.u64());
  if (term >= kTermMax) return malformed("term out of range");
  return term;
}

Result<NodeIndex> read_sender(Reader& reader, std::uint32_t sealer_count) {
  TRESTLE_TRY(std::uint32_t sender, reader.u32());
  if (sender >= sealer_count) return malformed("sender out of range");
  return sender;
}

}  // namespace

Bytes encode(const Message& message) {
  Writer writer(64);
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, RequestVote>) {
          writer.u8(static_cast<std::uint8_t>(MessageType::kRequestVote))
              .u32(body.sender)
              .u64(body.term)
              .u64(body.last_index)
              .u64(body.last_term);
        } else if constexpr (std::is_same_v<T, VoteReply>) {
          writer.u8(static_cast<std::uint8_t>(MessageType::kVoteReply))
              .u32(body.sender)
              .u64(body.term)
              .boolean(body.granted);
        } else if constexpr (std::is_same_v<T, AppendEntries>) {
          writer.u8(static_cast<std::uint8_t>(MessageType::kAppendEntries))
              .u32(body.sender)
              .u64(body.term)
              .u64(body.prev_index)
              .u64(body.prev_term)
              .varint(body.entries.size());
          for (const Entry& entry : body.entries) {
            writer.u64(entry.term);
            encode_proposal(writer, entry.proposal);
          }
          writer.u64(body.leader_commit).varint(body.certificates.size());
          for (const CommitCertificate& certificate : body.certificates) encode_certificate(writer, certificate);
        } else {
          writer.u8(static_cast<std::uint8_t>(MessageType::kAppendReply))
              .u32(body.sender)
              .u64(body.term)
              .boolean(body.success)
              .u64(body.match_index)
              .u64(body.committed);
        }
      },
      message);
  return writer.take();
}

Result<Message> decode(ByteView bytes, std::uint32_t sealer_count) {
  Reader reader(bytes);
  TRESTLE_TRY(std::uint8_t type, reader.u8());
  Message message;
  switch (static_cast<MessageType>(type)) {
    case MessageType::kRequestVote: {
      RequestVote body;
      TRESTLE_TRY(body.sender, read_sender(reader, sealer_count));
      TRESTLE_TRY(body.term, read_term(reader));
      TRESTLE_TRY(body.last_index, reader.u64());
      TRESTLE_TRY(body.last_term, read_term(reader));
      message = body;
      break;
    }
    case MessageType::kVoteReply: {
      VoteReply body;
      TRESTLE_TRY(body.sender, read_sender(reader, sealer_count));
      TRESTLE_TRY(body.term, read_term(reader));
      TRESTLE_TRY(body.granted, reader.boolean());
      message = body;
      break;
    }
    case MessageType::kAppendEntries: {
      AppendEntries body;
      TRESTLE_TRY(body.sender, read_sender(reader, sealer_count));
      TRESTLE_TRY(body.term, read_term(reader));
      TRESTLE_TRY(body.prev_index, reader.u64());
      TRESTLE_TRY(body.prev_term, read_term(reader));
      TRESTLE_TRY(std::uint64_t count, reader.count(kEntriesPerMessageMax));
      for (std::uint64_t i = 0; i < count; ++i) {
        Entry entry;
        TRESTLE_TRY(entry.term, read_term(reader));
        TRESTLE_TRY(entry.proposal, decode_proposal(reader));
        if (entry.proposal.height != body.prev_index + 1 + i) return malformed("entry heights not consecutive");
        body.entries.push_back(std::move(entry));
      }
      TRESTLE_TRY(body.leader_commit, reader.u64());
      TRESTLE_TRY(std::uint64_t certificates, reader.count(kEntriesPerMessageMax));
      for (std::uint64_t i = 0; i < certificates; ++i) {
        TRESTLE_TRY(CommitCertificate certificate, decode_certificate(reader));
        body.certificates.push_back(std::move(certificate));
      }
      message = std::move(body);
      break;
    }
    case MessageType::kAppendReply: {
      AppendReply body;
      TRESTLE_TRY(body.sender, read_sender(reader, sealer_count));
      TRESTLE_TRY(body.term, read_term(reader));
      TRESTLE_TRY(body.success, reader.boolean());
      TRESTLE_TRY(body.match_index, reader.u64());
      TRESTLE_TRY(body.committed, reader.u64());
      message = body;
      break;
    }
    default:
      return malformed("unknown type " + std::to_string(type));
  }
  TRESTLE_TRY_STATUS(reader.finish());
  return message;
}

}  // namespace trestle::consensus::raft
