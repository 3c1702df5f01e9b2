// PBFT: normal case (pre-prepare, prepare, commit), durable state and message dispatch. View
// changes and catch-up are in pbft_view_change.cpp.

#include "pbft_engine.hpp"

#include <algorithm>

namespace trestle::consensus::pbft {
namespace {

// Messages for the next height wait (bounded) until this node commits the current one.
constexpr std::size_t kNextHeightMessagesPerSealer = 8;
constexpr std::size_t kPayloadsMax = 8;

}  // namespace

bool VoteBook::add(std::uint64_t view, const Hash256& hash, NodeIndex sender, Bytes signature) {
  const std::pair<std::uint64_t, Hash256> key{view, hash};
  auto& kept = per_sender_[sender];
  if (kept.count(key) != 0) return false;
  if (kept.size() >= kEntriesPerSenderMax) {
    const auto lowest = *kept.begin();
    if (lowest.first >= view) return false;
    auto voters = votes_.find(lowest);
    voters->second.erase(sender);
    if (voters->second.empty()) votes_.erase(voters);
    kept.erase(kept.begin());
  }
  kept.insert(key);
  votes_[key].emplace(sender, std::move(signature));
  return true;
}

const std::map<NodeIndex, Bytes>* VoteBook::find(std::uint64_t view, const Hash256& hash) const {
  auto it = votes_.find({view, hash});
  return it == votes_.end() ? nullptr : &it->second;
}

std::uint64_t view_timeout_ms(const PbftOptions& options, std::uint64_t view) {
  const std::uint64_t cap = std::max(options.view_timeout_ms, options.view_timeout_ms_max);
  const std::uint64_t shift = std::min<std::uint64_t>(view, 32);
  return std::min<std::uint64_t>(std::uint64_t{options.view_timeout_ms} << shift, cap);
}

NodeIndex primary_of(Height height, std::uint64_t view, std::uint32_t sealer_count) {
  return static_cast<NodeIndex>((height % sealer_count + view % sealer_count) % sealer_count);
}

bool prepared_certificate_valid(const Host& host, Height height, const PreparedCertificate& prepared,
                                std::uint32_t quorum) {
  if (prepared.prepares.size() < quorum) return false;
  const Bytes message = prepare_signed(height, prepared.view, prepared.hash);
  // Senders are strictly increasing (checked by the decoder), so they are distinct.
  return std::all_of(prepared.prepares.begin(), prepared.prepares.end(),
                     [&](const Vote& vote) { return host.verify(vote.sender, message, vote.signature); });
}

bool commit_certificate_valid(const Host& host, const Proposal& proposal, const CommitCertificate& certificate,
                              std::uint32_t quorum) {
  if (certificate.height != proposal.height || certificate.block_hash != proposal.hash) return false;
  if (certificate.votes.size() < quorum) return false;
  const Bytes message = commit_vote_message(certificate.height, certificate.round, certificate.block_hash);
  for (std::size_t i = 0; i < certificate.votes.size(); ++i) {
    const CommitVote& vote = certificate.votes[i];
    if (i > 0 && vote.sealer_index <= certificate.votes[i - 1].sealer_index) return false;
    if (!host.verify(vote.sealer_index, message, vote.signature)) return false;
  }
  return true;
}

PbftEngine::PbftEngine(const PbftOptions& options, Host& host)
    : options_(options),
      host_(host),
      n_(host.sealer_count()),
      f_(byzantine_faults_max(n_)),
      quorum_(options.unsafe_quorum_for_testing != 0 ? options.unsafe_quorum_for_testing : byzantine_quorum(n_)) {}

void PbftEngine::start() {
  enter_height(host_.committed_height() + 1);
  load();
  // Restarted in the middle of a view change: announce it again, as the messages are lost.
  if (view_ > 0) announce_view_change();
  // Peers may have moved on while this node was down.
  request_sync(kSealerCountMax);
}

void PbftEngine::persist() {
  Writer writer(64 + prepared_payload_.size());
  writer.u64(height_).u64(view_).boolean(accepted_.has_value());
  if (accepted_) writer.u64(accepted_->first).fixed(accepted_->second);
  writer.boolean(prepared_.has_value());
  if (prepared_) {
    writer.u64(prepared_->view).fixed(prepared_->hash).varint(prepared_->prepares.size());
    for (const Vote& vote : prepared_->prepares) writer.u32(vote.sender).bytes(vote.signature);
    writer.bytes(prepared_payload_);
  }
  host_.store_state(writer.data());
  host_.sync_state();
}

void PbftEngine::load() {
  std::optional<Bytes> state = host_.load_state();
  if (!state) return;
  // The state is this node's own writing; one that does not parse (a torn or foreign file) is
  // ignored, which is safe only because the host's store is atomic. It is counted.
  auto parse = [&]() -> Status {
    Reader reader(*state);
    TRESTLE_TRY(Height height, reader.u64());
    TRESTLE_TRY(std::uint64_t view, reader.u64());
    TRESTLE_TRY(bool has_accepted, reader.boolean());
    std::optional<std::pair<std::uint64_t, Hash256>> accepted;
    if (has_accepted) {
      TRESTLE_TRY(std::uint64_t accepted_view, reader.u64());
      TRESTLE_TRY(Hash256 accepted_hash, reader.fixed<32>());
      accepted.emplace(accepted_view, accepted_hash);
    }
    TRESTLE_TRY(bool has_prepared, reader.boolean());
    std::optional<PreparedCertificate> prepared;
    Bytes payload;
    if (has_prepared) {
      prepared.emplace();
      TRESTLE_TRY(prepared->view, reader.u64());
      TRESTLE_TRY(prepared->hash, reader.fixed<32>());
      TRESTLE_TRY(std::uint64_t count, reader.count(n_));
      for (std::uint64_t i = 0; i < count; ++i) {
        Vote vote;
        TRESTLE_TRY(vote.sender, reader.u32());
        TRESTLE_TRY(vote.signature, reader.bytes(kSignatureMaxBytes));
        prepared->prepares.push_back(std::move(vote));
      }
      TRESTLE_TRY(payload, reader.bytes(kPayloadMaxBytes));
    }
    TRESTLE_TRY_STATUS(reader.finish());
    if (view >= kViewMax) return Error(ErrorCode::kCorrupt, "view out of range");
    // A state from a height already committed says nothing about the current one.
    if (height != height_) return ok_status();
    view_ = view;
    view_active_ = view == 0;
    accepted_ = accepted;
    prepared_ = std::move(prepared);
    prepared_payload_ = std::move(payload);
    if (prepared_) payloads_[prepared_->hash] = prepared_payload_;  // validated before it prepared
    return ok_status();
  };
  if (!parse().ok()) ++stats_.dropped_malformed;
}

void PbftEngine::enter_height(Height height) {
  height_ = height;
  view_ = 0;
  view_active_ = true;
  proposal_.reset();
  proposal_requested_ = false;
  prepared_in_view_ = false;
  accepted_.reset();
  prepared_.reset();
  prepared_payload_.clear();
  prepares_.clear();
  commits_.clear();
  view_changes_.clear();
  payloads_.clear();
  valid_.clear();
  validating_.clear();
  new_view_message_.clear();
  arm_view_timer();
  if (primary_of(height_, 0, n_) == host_.self()) {
    proposal_requested_ = true;
    host_.request_proposal(height_);
  }
  std::vector<std::pair<NodeIndex, Bytes>> waiting = std::move(next_height_messages_);
  next_height_messages_.clear();
  for (auto& [from, bytes] : waiting) {
    auto message = decode_message(bytes, n_);
    if (message.ok()) handle(from, std::move(message).value(), true);
    if (height_ != height) return;  // a replayed message completed this height too
  }
  try_decided();
}

void PbftEngine::arm_view_timer() { host_.set_timer(kViewTimer, view_timeout_ms(options_, view_)); }

void PbftEngine::on_timer(TimerId id) {
  if (id != kViewTimer) return;
  start_view_change(view_ + 1 < kViewMax ? view_ + 1 : view_);
}

void PbftEngine::on_message(NodeIndex from, ByteView bytes) {
  ++stats_.messages_received;
  auto message = decode_message(bytes, n_);
  if (!message.ok()) {
    ++stats_.dropped_malformed;
    return;
  }
  Height height = 0;
  NodeIndex sender = 0;
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        sender = body.sender;
        if constexpr (std::is_same_v<T, SyncRequest>) {
          height = body.from_height;
        } else if constexpr (std::is_same_v<T, Decided>) {
          height = body.proposal.height;
        } else {
          height = body.height;
        }
      },
      message->body);
  // The transport authenticated `from`; a message claiming another sender is forged or relayed.
  if (sender != from) {
    ++stats_.dropped_bad_signature;
    return;
  }
  const MessageType type = message->type;
  if (type != MessageType::kSyncRequest && type != MessageType::kDecided) {
    if (height < height_) {
      ++stats_.dropped_stale;
      handle_sync_request(from, height);  // the peer is behind: send it what it missed
      return;
    }
    if (height > height_) {
      request_sync(from);  // the peer is ahead: this node missed a commit
      // Kept for when this node reaches that height, within a bound per sender, so that a
      // Byzantine sealer cannot crowd out the others.
      const auto from_sender = std::count_if(next_height_messages_.begin(), next_height_messages_.end(),
                                             [from](const auto& waiting) { return waiting.first == from; });
      if (height == height_ + 1 && static_cast<std::size_t>(from_sender) < kNextHeightMessagesPerSealer) {
        next_height_messages_.emplace_back(from, to_bytes(bytes));
      } else {
        ++stats_.dropped_stale;
      }
      return;
    }
  }
  if (type == MessageType::kNewView) {
    handle_new_view(std::get<NewView>(std::move(message->body)), bytes);
    return;
  }
  handle(from, std::move(message).value(), false);
}

void PbftEngine::handle(NodeIndex from, Message message, bool replayed) {
  switch (message.type) {
    case MessageType::kPrePrepare:
      handle_pre_prepare(std::get<PrePrepare>(message.body));
      return;
    case MessageType::kPrepare:
    case MessageType::kCommit:
      handle_vote(message.type, std::get<VoteMessage>(std::move(message.body)));
      return;
    case MessageType::kViewChange:
      handle_view_change(std::get<ViewChange>(std::move(message.body)));
      return;
    case MessageType::kNewView: {
      // Only replayed messages come here; re-encode to keep the bytes for re-sending.
      NewView body = std::get<NewView>(std::move(message.body));
      Bytes raw = encode_new_view(body);
      handle_new_view(std::move(body), raw);
      return;
    }
    case MessageType::kSyncRequest:
      if (!replayed) handle_sync_request(from, std::get<SyncRequest>(message.body).from_height);
      return;
    case MessageType::kDecided:
      handle_decided(std::get<Decided>(std::move(message.body)));
      return;
  }
}

void PbftEngine::handle_pre_prepare(const PrePrepare& message) {
  // Views after 0 start with a new-view, which carries its own proposal.
  if (message.view != 0 || message.sender != primary_of(height_, 0, n_)) {
    ++stats_.dropped_malformed;
    return;
  }
  if (!host_.verify(message.sender, pre_prepare_signed(message.height, 0, message.hash), message.signature)) {
    ++stats_.dropped_bad_signature;
    return;
  }
  if (view_ != 0 || proposal_) {
    ++stats_.dropped_stale;  // a duplicate, an equivocation, or too late
    return;
  }
  adopt_proposal(Proposal{height_, message.hash, message.payload});
}

// Takes the block of the current view and asks the host to validate it.
void PbftEngine::adopt_proposal(const Proposal& proposal) {
  proposal_ = proposal.hash;
  offer_payload(proposal.hash, proposal.payload, true);
  if (valid_.count(proposal.hash) != 0) {
    send_prepare();
  } else {
    validate_payload(proposal.hash);
  }
}

void PbftEngine::offer_payload(const Hash256& hash, const Bytes& payload, bool needed) {
  auto it = payloads_.find(hash);
  if (it != payloads_.end()) {
    if (valid_.count(hash) == 0 && validating_.count(hash) == 0) it->second = payload;
    return;
  }
  if (payloads_.size() >= kPayloadsMax) {
    if (!needed) return;
    // Make room by dropping a body of an abandoned view: not being validated, neither the current
    // proposal nor the prepared block. If a quorum commits it after all, check_committed fetches it
    // again with its certificate.
    auto spare = std::find_if(payloads_.begin(), payloads_.end(), [&](const auto& entry) {
      return validating_.count(entry.first) == 0 && !(prepared_ && prepared_->hash == entry.first) &&
             !(proposal_ && *proposal_ == entry.first) && entry.first != hash;
    });
    if (spare == payloads_.end()) return;
    valid_.erase(spare->first);
    payloads_.erase(spare);
  }
  payloads_.emplace(hash, payload);
}

void PbftEngine::validate_payload(const Hash256& hash) {
  auto it = payloads_.find(hash);
  if (it == payloads_.end() || valid_.count(hash) != 0 || !validating_.insert(hash).second) return;
  host_.validate_proposal(Proposal{height_, hash, it->second});
}

void PbftEngine::on_proposal(Proposal proposal) {
  if (proposal.height != height_ || !proposal_requested_) return;
  proposal_requested_ = false;
  // After a restart this node may already have prepared another block in view 0; proposing a
  // second one would be an equivocation.
  const bool voted_other = accepted_ && accepted_->first == 0 && accepted_->second != proposal.hash;
  if (view_ == 0 && !proposal_ && !voted_other && primary_of(height_, 0, n_) == host_.self()) {
    PrePrepare message{host_.self(), height_, 0, proposal.hash, proposal.payload, {}};
    message.signature = host_.sign(pre_prepare_signed(height_, 0, proposal.hash));
    host_.broadcast(encode_pre_prepare(message));
    adopt_proposal(proposal);
  } else if (view_ > 0 && !view_active_ && primary_of(height_, view_, n_) == host_.self()) {
    try_new_view(std::move(proposal));
  }
}

void PbftEngine::on_validation(Height height, const Hash256& hash, bool valid) {
  if (height != height_) return;
  validating_.erase(hash);
  if (valid) {
    valid_.insert(hash);
  } else {
    // The body (not the hash) was bad: forget it, so that a correct copy can still arrive.
    auto body = payloads_.find(hash);
    auto decided = decided_.find(height);
    if (decided != decided_.end() && decided->second.proposal.hash == hash && body != payloads_.end() &&
        decided->second.proposal.payload == body->second) {
      decided_.erase(decided);
    }
    if (body != payloads_.end()) payloads_.erase(body);
  }
  if (proposal_ && *proposal_ == hash && view_active_) {
    if (valid) {
      send_prepare();
    } else {
      // A primary that proposes an invalid block (or a header that does not match its body) is
      // faulty: leave its view now rather than at the timeout.
      start_view_change(view_ + 1);
      return;
    }
  }
  try_decided();
  if (height_ == height) check_committed();
}

void PbftEngine::send_prepare() {
  if (!proposal_ || !view_active_ || valid_.count(*proposal_) == 0) return;
  const Hash256 hash = *proposal_;
  if (accepted_ && accepted_->first == view_ && accepted_->second != hash) return;  // never two in a view
  if (!accepted_ || accepted_->first != view_) {
    accepted_.emplace(view_, hash);
    persist();
  }
  VoteMessage vote{host_.self(), height_, view_, hash, host_.sign(prepare_signed(height_, view_, hash))};
  prepares_.add(view_, hash, vote.sender, vote.signature);
  host_.broadcast(encode_vote(MessageType::kPrepare, vote));
  check_prepared();
}

void PbftEngine::handle_vote(MessageType type, VoteMessage message) {
  if (message.view > view_ + options_.view_window) {
    ++stats_.dropped_malformed;
    return;
  }
  const Bytes signed_bytes = type == MessageType::kPrepare
                                 ? prepare_signed(message.height, message.view, message.hash)
                                 : commit_vote_message(message.height, message.view, message.hash);
  if (!host_.verify(message.sender, signed_bytes, message.signature)) {
    ++stats_.dropped_bad_signature;
    return;
  }
  VoteBook& book = type == MessageType::kPrepare ? prepares_ : commits_;
  if (!book.add(message.view, message.hash, message.sender, std::move(message.signature))) {
    ++stats_.dropped_stale;
    return;
  }
  if (type == MessageType::kPrepare) {
    check_prepared();
  } else {
    check_committed();
  }
}

void PbftEngine::check_prepared() {
  if (prepared_in_view_ || !proposal_ || !view_active_) return;
  if (!accepted_ || accepted_->first != view_ || accepted_->second != *proposal_) return;
  const auto* voters = prepares_.find(view_, *proposal_);
  auto body = payloads_.find(*proposal_);
  if (voters == nullptr || voters->size() < quorum_ || body == payloads_.end()) return;
  PreparedCertificate prepared{view_, *proposal_, {}};
  for (const auto& [sender, signature] : *voters) {
    if (prepared.prepares.size() == quorum_) break;
    prepared.prepares.push_back(Vote{sender, signature});
  }
  prepared_ = std::move(prepared);
  prepared_payload_ = body->second;
  prepared_in_view_ = true;
  persist();
  VoteMessage vote{host_.self(), height_, view_, *proposal_,
                   host_.sign(commit_vote_message(height_, view_, *proposal_))};
  commits_.add(view_, vote.hash, vote.sender, vote.signature);
  host_.broadcast(encode_vote(MessageType::kCommit, vote));
  check_committed();
}

void PbftEngine::check_committed() {
  for (const auto& [key, voters] : commits_.all()) {
    if (voters.size() < quorum_) continue;
    const Hash256& hash = key.second;
    auto payload = payloads_.find(hash);
    if (payload == payloads_.end()) {
      // Decided, but this node missed the block: fetch it with its certificate from a voter.
      request_sync(voters.begin()->first);
      continue;
    }
    if (valid_.count(hash) == 0) {
      validate_payload(hash);
      continue;
    }
    CommitCertificate certificate{height_, key.first, hash, {}};
    for (const auto& [sender, signature] : voters) {
      if (certificate.votes.size() == quorum_) break;
      certificate.votes.push_back(CommitVote{sender, signature});
    }
    commit_block(Proposal{height_, hash, payload->second}, std::move(certificate));
    return;
  }
}

void PbftEngine::commit_block(const Proposal& proposal, CommitCertificate certificate) {
  host_.commit(proposal, certificate);
  ++stats_.blocks_committed;
  enter_height(proposal.height + 1);
}

}  // namespace trestle::consensus::pbft
