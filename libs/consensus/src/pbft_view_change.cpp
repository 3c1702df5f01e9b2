// PBFT: view changes, new views and catch-up of lagging sealers.

#include <algorithm>
#include <functional>

#include "pbft_engine.hpp"

namespace trestle::consensus::pbft {
void PbftEngine::start_view_change(std::uint64_t new_view) {
  if (new_view <= view_ || new_view >= kViewMax) return;
  view_ = new_view;
  view_active_ = false;
  proposal_.reset();
  proposal_requested_ = false;
  prepared_in_view_ = false;
  new_view_message_.clear();
  ++stats_.rounds_started;
  announce_view_change();
}

void PbftEngine::announce_view_change() {
  persist();
  ViewChange change{host_.self(), height_, view_, prepared_, {}, {}};
  if (prepared_) change.prepared_payload = prepared_payload_;
  change.signature = host_.sign(view_change_signed(change));
  host_.broadcast(encode_view_change(change));
  view_changes_[host_.self()] = std::move(change);
  arm_view_timer();
  try_new_view();
}

void PbftEngine::handle_view_change(ViewChange message) {
  if (message.new_view > view_ + options_.view_window) {
    ++stats_.dropped_malformed;  // a huge view: never followed, never stored
    return;
  }
  if (!host_.verify(message.sender, view_change_signed(message), message.signature) ||
      (message.prepared && !prepared_certificate_valid(host_, height_, *message.prepared, quorum_))) {
    ++stats_.dropped_bad_signature;
    return;
  }
  const NodeIndex sender = message.sender;
  if (message.new_view <= view_ && view_active_ && !new_view_message_.empty()) {
    host_.send(sender, new_view_message_);  // the sender missed the new-view of our view
  }
  auto existing = view_changes_.find(sender);
  if (existing != view_changes_.end() && existing->second.new_view >= message.new_view) {
    ++stats_.dropped_stale;
    return;
  }
  if (message.prepared && !message.prepared_payload.empty()) {
    offer_payload(message.prepared->hash, message.prepared_payload, false);
  }
  const std::uint64_t announced = message.new_view;
  view_changes_[sender] = std::move(message);

  // f + 1 sealers are past our view, so at least one correct one is: follow to the highest view
  // that f + 1 of them reached (a Byzantine minority cannot drag us anywhere).
  std::vector<std::uint64_t> ahead;
  for (const auto& [index, change] : view_changes_) {
    if (index != host_.self() && change.new_view > view_) ahead.push_back(change.new_view);
  }
  if (ahead.size() >= f_ + 1) {
    std::sort(ahead.begin(), ahead.end(), std::greater<>());
    start_view_change(ahead[f_]);
  }
  if (announced == view_) try_new_view();
}

void PbftEngine::try_new_view(std::optional<Proposal> fresh) {
  if (view_active_ || primary_of(height_, view_, n_) != host_.self()) return;
  std::vector<const ViewChange*> changes;
  const ViewChange* highest = nullptr;
  for (const auto& [index, change] : view_changes_) {
    if (change.new_view != view_) continue;
    changes.push_back(&change);
    if (change.prepared && (highest == nullptr || change.prepared->view > highest->prepared->view)) highest = &change;
  }
  if (changes.size() < quorum_) return;
  // Keep the one with the highest prepared certificate among the quorum sent, so that replicas
  // reach the same choice.
  std::vector<ViewChange> chosen;
  if (highest != nullptr) chosen.push_back(*highest);
  for (const ViewChange* change : changes) {
    if (chosen.size() == quorum_) break;
    if (change != highest) chosen.push_back(*change);
  }
  std::sort(chosen.begin(), chosen.end(), [](const ViewChange& a, const ViewChange& b) { return a.sender < b.sender; });

  Proposal proposal;
  if (highest != nullptr) {
    const Hash256& hash = highest->prepared->hash;
    auto known = payloads_.find(hash);
    if (known == payloads_.end()) return;  // wait for a view-change that carries the payload
    proposal = Proposal{height_, hash, known->second};
  } else if (fresh) {
    proposal = std::move(*fresh);
  } else {
    if (!proposal_requested_) {
      proposal_requested_ = true;
      host_.request_proposal(height_);
    }
    return;
  }
  NewView message{host_.self(), height_, view_, std::move(chosen), proposal.hash, proposal.payload, {}};
  for (ViewChange& change : message.view_changes) change.prepared_payload.clear();
  message.signature = host_.sign(new_view_signed(message));
  Bytes bytes = encode_new_view(message);
  host_.broadcast(bytes);
  handle_new_view(std::move(message), bytes);
}

void PbftEngine::handle_new_view(NewView message, ByteView raw) {
  if (message.view == 0 || message.view > view_ + options_.view_window ||
      message.sender != primary_of(height_, message.view, n_) || message.view_changes.size() < quorum_) {
    ++stats_.dropped_malformed;
    return;
  }
  if (message.view < view_ || (message.view == view_ && view_active_)) {
    ++stats_.dropped_stale;
    return;
  }
  if (!host_.verify(message.sender, new_view_signed(message), message.signature)) {
    ++stats_.dropped_bad_signature;
    return;
  }
  const PreparedCertificate* highest = nullptr;
  for (const ViewChange& change : message.view_changes) {
    if (change.height != height_ || change.new_view != message.view) {
      ++stats_.dropped_malformed;
      return;
    }
    if (!host_.verify(change.sender, view_change_signed(change), change.signature) ||
        (change.prepared && !prepared_certificate_valid(host_, height_, *change.prepared, quorum_))) {
      ++stats_.dropped_bad_signature;
      return;
    }
    if (change.prepared && (highest == nullptr || change.prepared->view > highest->view)) highest = &*change.prepared;
  }
  // The new primary must re-propose the highest prepared block: it may have been committed.
  if (highest != nullptr && highest->hash != message.hash) {
    ++stats_.dropped_malformed;
    return;
  }
  view_ = message.view;
  view_active_ = true;
  prepared_in_view_ = false;
  proposal_requested_ = false;
  new_view_message_ = to_bytes(raw);
  arm_view_timer();
  adopt_proposal(Proposal{height_, message.hash, std::move(message.payload)});
}

void PbftEngine::handle_sync_request(NodeIndex from, Height from_height) {
  const Height committed = host_.committed_height();
  from_height = std::max<Height>(from_height, 1);
  if (from == host_.self() || from_height > committed) return;
  // At most one answer per peer per interval, unless the peer asks past what it was last sent
  // (it is catching up batch by batch); the heights it can ask for end at our committed height.
  auto& last = last_help_[from];
  const std::uint64_t now = host_.now_ms();
  const bool answered_recently = last.second != 0 && now - last.second < options_.sync_interval_ms;
  if (answered_recently && from_height <= last.first) return;
  last = {from_height + options_.sync_batch_max - 1, now == 0 ? 1 : now};
  const Height end = std::min<Height>(committed, from_height + options_.sync_batch_max - 1);
  for (Height height = from_height; height <= end; ++height) {
    std::optional<CommittedBlock> block = host_.committed_block(height);
    if (!block) break;
    host_.send(from, encode_decided(Decided{host_.self(), std::move(block->proposal), std::move(block->certificate)}));
  }
}

void PbftEngine::handle_decided(Decided message) {
  const Height height = message.proposal.height;
  if (height < height_ || height >= height_ + options_.sync_batch_max || decided_.count(height) != 0) {
    ++stats_.dropped_stale;
    return;
  }
  if (!commit_certificate_valid(host_, message.proposal, message.certificate, quorum_)) {
    ++stats_.dropped_bad_signature;
    return;
  }
  decided_.emplace(height, std::move(message));
  try_decided();
}

void PbftEngine::try_decided() {
  decided_.erase(decided_.begin(), decided_.lower_bound(height_));
  auto it = decided_.find(height_);
  if (it == decided_.end()) return;
  const Hash256 hash = it->second.proposal.hash;
  if (valid_.count(hash) != 0) {
    CommitCertificate certificate = std::move(it->second.certificate);
    decided_.erase(it);
    ++stats_.blocks_synced;
    // The validated body, which need not be the bytes this peer sent.
    commit_block(Proposal{height_, hash, payloads_.at(hash)}, std::move(certificate));
  } else {
    offer_payload(hash, it->second.proposal.payload, true);
    validate_payload(hash);
  }
}

void PbftEngine::request_sync(NodeIndex peer) {
  const std::uint64_t now = host_.now_ms();
  if (sync_requested_ && now - last_sync_request_ms_ < options_.sync_interval_ms) return;
  sync_requested_ = true;
  last_sync_request_ms_ = now;
  const Bytes request = encode_sync_request(SyncRequest{host_.self(), height_});
  if (peer >= n_) {
    host_.broadcast(request);
    return;
  }
  host_.send(peer, request);
  // Also ask a rotating second peer, so a Byzantine peer that claims to be ahead cannot stall us.
  sync_rotation_ = (sync_rotation_ + 1) % n_;
  if (sync_rotation_ != peer && sync_rotation_ != host_.self()) host_.send(sync_rotation_, request);
}

}  // namespace trestle::consensus::pbft
