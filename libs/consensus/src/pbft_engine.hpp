#pragma once
// The PBFT engine (declared here so that the Byzantine test variant can reuse its parts).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "pbft_messages.hpp"
#include "trestle/consensus/pbft.hpp"

namespace trestle::consensus::pbft {

inline constexpr TimerId kViewTimer = 1;

// Votes of one kind (prepare or commit) at the current height, bounded per sender so that a
// Byzantine sealer voting for many (view, hash) pairs cannot grow memory. A sender over its bound
// loses its vote of the lowest view, so a correct sealer's newest votes always count however many
// views a height takes.
class VoteBook {
 public:
  static constexpr std::size_t kEntriesPerSenderMax = 8;

  // False when the vote is a duplicate, or older than all of the sender's kept votes when it is at
  // its bound.
  bool add(std::uint64_t view, const Hash256& hash, NodeIndex sender, Bytes signature);
  const std::map<NodeIndex, Bytes>* find(std::uint64_t view, const Hash256& hash) const;
  const std::map<std::pair<std::uint64_t, Hash256>, std::map<NodeIndex, Bytes>>& all() const { return votes_; }
  void clear() {
    votes_.clear();
    per_sender_.clear();
  }

 private:
  std::map<std::pair<std::uint64_t, Hash256>, std::map<NodeIndex, Bytes>> votes_;
  std::map<NodeIndex, std::set<std::pair<std::uint64_t, Hash256>>> per_sender_;
};

// The view timeout for `view`: view_timeout_ms doubled per view, capped at view_timeout_ms_max.
std::uint64_t view_timeout_ms(const PbftOptions& options, std::uint64_t view);
NodeIndex primary_of(Height height, std::uint64_t view, std::uint32_t sealer_count);

// Checks a prepared certificate: `quorum` distinct valid prepare signatures for its (view, hash).
bool prepared_certificate_valid(const Host& host, Height height, const PreparedCertificate& prepared,
                                std::uint32_t quorum);
// Checks a commit certificate for `proposal`: `quorum` distinct valid commit votes.
bool commit_certificate_valid(const Host& host, const Proposal& proposal, const CommitCertificate& certificate,
                              std::uint32_t quorum);

class PbftEngine final : public Engine {
 public:
  PbftEngine(const PbftOptions& options, Host& host);

  void start() override;
  void on_message(NodeIndex from, ByteView message) override;
  void on_timer(TimerId id) override;
  void on_proposal(Proposal proposal) override;
  void on_validation(Height height, const Hash256& hash, bool valid) override;
  const EngineStats& stats() const override { return stats_; }
  std::string_view name() const override { return "pbft"; }

 private:
  void handle(NodeIndex from, Message message, bool replayed);
  void handle_pre_prepare(const PrePrepare& message);
  void handle_vote(MessageType type, VoteMessage message);
  void handle_view_change(ViewChange message);
  void handle_new_view(NewView message, ByteView raw);
  void handle_sync_request(NodeIndex from, Height from_height);
  void handle_decided(Decided message);

  void enter_height(Height height);
  void arm_view_timer();
  void start_view_change(std::uint64_t new_view);
  void announce_view_change();
  void try_new_view(std::optional<Proposal> fresh = std::nullopt);
  void adopt_proposal(const Proposal& proposal);
  // payloads_ holds one candidate body per hash, at most kPayloadsMax. A validated body is never
  // replaced; an unvalidated one may be, by a body from another source (the first may have been
  // forged). A `needed` body (the current proposal, a decided block) evicts a spare one when full.
  void offer_payload(const Hash256& hash, const Bytes& payload, bool needed);
  void validate_payload(const Hash256& hash);
  void send_prepare();
  void check_prepared();
  void check_committed();
  void commit_block(const Proposal& proposal, CommitCertificate certificate);
  void try_decided();
  void request_sync(NodeIndex peer);
  void persist();
  void load();

  PbftOptions options_;
  Host& host_;
  std::uint32_t n_;
  std::uint32_t f_;
  std::uint32_t quorum_;
  EngineStats stats_;

  Height height_ = 1;
  std::uint64_t view_ = 0;
  bool view_active_ = true;          // view 0, or a valid new-view was seen for view_
  std::optional<Hash256> proposal_;  // the block of (height_, view_); its body is in payloads_
  bool proposal_requested_ = false;
  bool prepared_in_view_ = false;

  // Durable: what this node voted, so that it never votes against itself after a restart.
  std::optional<std::pair<std::uint64_t, Hash256>> accepted_;  // the last (view, hash) it prepared
  std::optional<PreparedCertificate> prepared_;
  Bytes prepared_payload_;

  VoteBook prepares_;
  VoteBook commits_;
  std::map<NodeIndex, ViewChange> view_changes_;  // each sender's highest, at height_
  std::map<Hash256, Bytes> payloads_;             // candidate bodies at height_, bounded
  std::set<Hash256> valid_;                       // hashes whose body in payloads_ the host validated
  std::set<Hash256> validating_;
  Bytes new_view_message_;  // the new-view that activated view_, re-sent to laggards

  std::vector<std::pair<NodeIndex, Bytes>> next_height_messages_;  // bounded per sender
  std::map<Height, Decided> decided_;                              // from catch-up, bounded
  std::uint64_t last_sync_request_ms_ = 0;
  bool sync_requested_ = false;
  NodeIndex sync_rotation_ = 0;
  std::map<NodeIndex, std::pair<Height, std::uint64_t>> last_help_;  // peer -> (last height sent, time)
};

}  // namespace trestle::consensus::pbft
