// Raft: elections, log replication, commitment and catch-up from the host's committed blocks.

#include <algorithm>
#include <deque>
#include <set>
#include <vector>

#include "raft_messages.hpp"
#include "trestle/consensus/raft.hpp"
#include "trestle/consensus/rng.hpp"

namespace trestle::consensus {
namespace raft {
namespace {

constexpr TimerId kElectionTimer = 1;
constexpr TimerId kHeartbeatTimer = 2;
constexpr NodeIndex kNobody = ~NodeIndex{0};
// Committed entries kept in memory for followers that lag a little; older ones come from the host.
constexpr std::size_t kCommittedKept = 64;
// A follower refuses to hold more uncommitted entries than this.
constexpr std::size_t kUncommittedMax = 1'024;

enum class Role { kFollower, kCandidate, kLeader };

class RaftEngine final : public Engine {
 public:
  RaftEngine(const RaftOptions& options, Host& host)
      : options_(options), host_(host), n_(host.sealer_count()), rng_(options.random_seed) {}

  void start() override {
    log_start_ = host_.committed_height() + 1;
    load();
    arm_election_timer();
  }

  void on_message(NodeIndex from, ByteView bytes) override {
    ++stats_.messages_received;
    auto decoded = decode(bytes, n_);
    if (!decoded.ok()) {
      ++stats_.dropped_malformed;
      return;
    }
    Message message = std::move(decoded).value();
    const NodeIndex sender = std::visit([](const auto& body) { return body.sender; }, message);
    if (sender != from || sender == host_.self()) {
      ++stats_.dropped_bad_signature;
      return;
    }
    std::visit([this](auto& body) { handle(body); }, message);
  }

  void on_timer(TimerId id) override {
    if (id == kElectionTimer && role_ != Role::kLeader) {
      start_election();
    } else if (id == kHeartbeatTimer && role_ == Role::kLeader) {
      replicate_all();
      host_.set_timer(kHeartbeatTimer, options_.heartbeat_ms);
    }
  }

  void on_proposal(Proposal proposal) override {
    if (role_ != Role::kLeader || !proposal_requested_) return;
    proposal_requested_ = false;
    if (proposal.height != last_index() + 1 || proposal.height != host_.committed_height() + 1) return;
    log_.push_back(Entry{term_, std::move(proposal)});
    persist();
    advance_commit();
    replicate_all();
  }

  // Raft trusts its leader's host: followers do not ask for validation.
  void on_validation(Height, const Hash256&, bool) override {}

  const EngineStats& stats() const override { return stats_; }
  std::string_view name() const override { return "raft"; }

 private:
  Height last_index() const { return log_start_ + log_.size() - 1; }

  // The term of the entry at `height`; 0 for height 0 or an entry this node does not know.
  std::uint64_t term_at(Height height) const {
    if (height == 0) return 0;
    if (height >= log_start_) return height <= last_index() ? log_[height - log_start_].term : 0;
    std::optional<CommittedBlock> block = host_.committed_block(height);
    return block ? block->certificate.round : 0;
  }

  std::optional<Entry> entry_at(Height height) const {
    if (height >= log_start_) {
      if (height > last_index()) return std::nullopt;
      return log_[height - log_start_];
    }
    std::optional<CommittedBlock> block = host_.committed_block(height);
    if (!block) return std::nullopt;
    return Entry{block->certificate.round, std::move(block->proposal)};
  }

  void arm_election_timer() {
    host_.set_timer(kElectionTimer,
                    rng_.between(options_.election_timeout_ms,
                                 std::max(options_.election_timeout_ms_max, options_.election_timeout_ms + 1)));
  }

  void persist() {
    Writer writer;
    writer.u64(term_).u32(voted_for_);
    const Height committed = host_.committed_height();
    std::vector<const Entry*> uncommitted;
    for (const Entry& entry : log_) {
      if (entry.proposal.height > committed) uncommitted.push_back(&entry);
    }
    writer.varint(uncommitted.size());
    for (const Entry* entry : uncommitted) {
      writer.u64(entry->term);
      encode_proposal(writer, entry->proposal);
    }
    host_.store_state(writer.data());
    host_.sync_state();
  }

  void load() {
    std::optional<Bytes> state = host_.load_state();
    if (!state) return;
    Reader reader(*state);
    auto parse = [&]() -> Status {
      TRESTLE_TRY(std::uint64_t term, reader.u64());
      TRESTLE_TRY(std::uint32_t voted_for, reader.u32());
      TRESTLE_TRY(std::uint64_t count, reader.count(kUncommittedMax));
      std::vector<Entry> entries;
      for (std::uint64_t i = 0; i < count; ++i) {
        Entry entry;
        TRESTLE_TRY(entry.term, reader.u64());
        TRESTLE_TRY(entry.proposal, decode_proposal(reader));
        entries.push_back(std::move(entry));
      }
      TRESTLE_TRY_STATUS(reader.finish());
      if (term >= kTermMax) return Error(ErrorCode::kCorrupt, "term out of range");
      term_ = term;
      voted_for_ = voted_for;
      // Entries the host committed meanwhile are dropped; the rest must follow on contiguously.
      for (Entry& entry : entries) {
        if (entry.proposal.height == last_index() + 1) log_.push_back(std::move(entry));
      }
      return ok_status();
    };
    if (!parse().ok()) ++stats_.dropped_malformed;
  }

  void become_follower(std::uint64_t term) {
    if (term > term_) {
      term_ = term;
      voted_for_ = kNobody;
      persist();
    }
    if (role_ == Role::kLeader) {
      // A leader has no election timer running: arm it, or a deposed leader that refuses every
      // candidate (its log is longer) would never stand for election again.
      host_.cancel_timer(kHeartbeatTimer);
      arm_election_timer();
    }
    role_ = Role::kFollower;
    proposal_requested_ = false;
  }

  void start_election() {
    if (term_ + 1 >= kTermMax) return;
    ++stats_.rounds_started;
    role_ = Role::kCandidate;
    ++term_;
    voted_for_ = host_.self();
    votes_ = {host_.self()};
    persist();
    arm_election_timer();
    host_.broadcast(encode(RequestVote{host_.self(), term_, last_index(), term_at(last_index())}));
    if (votes_.size() >= majority_quorum(n_)) become_leader();
  }

  void become_leader() {
    role_ = Role::kLeader;
    host_.cancel_timer(kElectionTimer);
    // Re-stamp the uncommitted tail with this term: same heights and payloads, committed by this
    // leader's first majority (what Raft's no-op entry achieves).
    const Height committed = host_.committed_height();
    for (Entry& entry : log_) {
      if (entry.proposal.height > committed) entry.term = term_;
    }
    persist();
    next_index_.assign(n_, last_index() + 1);
    match_index_.assign(n_, 0);
    peer_committed_.assign(n_, 0);
    match_index_[host_.self()] = last_index();
    advance_commit();
    maybe_request_proposal();
    replicate_all();
    host_.set_timer(kHeartbeatTimer, options_.heartbeat_ms);
  }

  void maybe_request_proposal() {
    if (role_ == Role::kLeader && !proposal_requested_ && last_index() == host_.committed_height()) {
      proposal_requested_ = true;
      host_.request_proposal(last_index() + 1);
    }
  }

  void replicate_all() {
    for (NodeIndex peer = 0; peer < n_; ++peer) {
      if (peer != host_.self()) replicate(peer);
    }
  }

  void replicate(NodeIndex peer) {
    AppendEntries message{host_.self(), term_, next_index_[peer] - 1, 0, {}, host_.committed_height(), {}};
    message.prev_term = term_at(message.prev_index);
    const Height end = std::min<Height>(last_index(), message.prev_index + options_.append_batch_max);
    for (Height height = message.prev_index + 1; height <= end; ++height) {
      std::optional<Entry> entry = entry_at(height);
      if (!entry) break;
      message.entries.push_back(std::move(*entry));
    }
    const Height certified_end =
        std::min<Height>(message.leader_commit, peer_committed_[peer] + options_.append_batch_max);
    for (Height height = peer_committed_[peer] + 1; height <= certified_end; ++height) {
      std::optional<CommittedBlock> block = host_.committed_block(height);
      if (!block) break;
      message.certificates.push_back(std::move(block->certificate));
    }
    host_.send(peer, encode(message));
  }

  void advance_commit() {
    if (role_ != Role::kLeader) return;
    match_index_[host_.self()] = last_index();
    const Height committed = host_.committed_height();
    Height target = committed;
    for (Height height = last_index(); height > committed; --height) {
      const auto replicas =
          std::count_if(match_index_.begin(), match_index_.end(), [height](Height match) { return match >= height; });
      if (static_cast<std::uint32_t>(replicas) >= majority_quorum(n_) && term_at(height) == term_) {
        target = height;
        break;
      }
    }
    for (Height height = committed + 1; height <= target; ++height) {
      const Entry& entry = log_[height - log_start_];
      CommitCertificate certificate{height, entry.term, entry.proposal.hash, {}};
      certificate.votes.push_back(
          CommitVote{host_.self(), host_.sign(commit_vote_message(height, entry.term, entry.proposal.hash))});
      commit(entry.proposal, certificate);
    }
    maybe_request_proposal();
  }

  void commit(const Proposal& proposal, const CommitCertificate& certificate) {
    host_.commit(proposal, certificate);
    ++stats_.blocks_committed;
    const Height committed = host_.committed_height();
    while (log_.size() > kCommittedKept && log_start_ <= committed) {
      log_.pop_front();
      ++log_start_;
    }
  }

  void handle(const RequestVote& message) {
    if (message.term > term_) become_follower(message.term);
    const std::uint64_t my_last_term = term_at(last_index());
    const bool up_to_date =
        message.last_term > my_last_term || (message.last_term == my_last_term && message.last_index >= last_index());
    const bool grant = message.term == term_ && (voted_for_ == kNobody || voted_for_ == message.sender) && up_to_date;
    if (grant && voted_for_ != message.sender) {
      voted_for_ = message.sender;
      persist();
    }
    if (grant) arm_election_timer();
    host_.send(message.sender, encode(VoteReply{host_.self(), term_, grant}));
  }

  void handle(const VoteReply& message) {
    if (message.term > term_) {
      become_follower(message.term);
      arm_election_timer();
      return;
    }
    if (role_ != Role::kCandidate || message.term != term_ || !message.granted) return;
    votes_.insert(message.sender);
    if (votes_.size() >= majority_quorum(n_)) become_leader();
  }

  void handle(AppendEntries& message) {
    if (message.term < term_) {
      ++stats_.dropped_stale;
      host_.send(message.sender, encode(AppendReply{host_.self(), term_, false, 0, host_.committed_height()}));
      return;
    }
    become_follower(message.term);
    arm_election_timer();
    const Height committed = host_.committed_height();
    auto reply = [&](bool success, Height match) {
      host_.send(message.sender, encode(AppendReply{host_.self(), term_, success, match, host_.committed_height()}));
    };
    if (message.prev_index > last_index()) return reply(false, last_index());
    // A committed height matches whatever its term here: a leader holds every committed entry, and
    // a re-stamping leader may know it under a later term than this node does.
    if (message.prev_index > committed && term_at(message.prev_index) != message.prev_term) {
      return reply(false, message.prev_index - 1);
    }
    bool changed = false;
    for (Entry& entry : message.entries) {
      const Height height = entry.proposal.height;
      if (height <= committed) continue;  // committed entries never change
      if (height <= last_index()) {
        if (log_[height - log_start_].term == entry.term) continue;
        log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(height - log_start_), log_.end());
      }
      if (height - committed > kUncommittedMax) break;
      log_.push_back(std::move(entry));
      changed = true;
    }
    if (changed) persist();
    const Height matched = std::min<Height>(last_index(), message.prev_index + message.entries.size());
    // Commit what the leader committed, in order, each with its certificate.
    for (const CommitCertificate& certificate : message.certificates) {
      const Height height = certificate.height;
      if (height != host_.committed_height() + 1 || height > matched || height > message.leader_commit) continue;
      const Entry& entry = log_[height - log_start_];
      if (certificate.block_hash != entry.proposal.hash || certificate.votes.size() != 1 ||
          !host_.verify(certificate.votes[0].sealer_index,
                        commit_vote_message(height, certificate.round, certificate.block_hash),
                        certificate.votes[0].signature)) {
        ++stats_.dropped_bad_signature;
        break;
      }
      // The leader's entry carries the certificate's term (it re-stamps before committing); take it
      // so that later consistency checks on this height agree.
      log_[height - log_start_].term = certificate.round;
      commit(entry.proposal, certificate);
    }
    reply(true, matched);
  }

  void handle(const AppendReply& message) {
    if (message.term > term_) {
      become_follower(message.term);
      arm_election_timer();
      return;
    }
    if (role_ != Role::kLeader || message.term != term_) return;
    const NodeIndex peer = message.sender;
    // Answers are sent again at once only on progress; otherwise the heartbeat retries, so a
    // follower that cannot move never makes the pair exchange messages at network speed.
    const Height committed_before = peer_committed_[peer];
    peer_committed_[peer] = std::max(peer_committed_[peer], std::min(message.committed, host_.committed_height()));
    const bool commit_progress = peer_committed_[peer] > committed_before;
    if (message.success) {
      const Height match_before = match_index_[peer];
      match_index_[peer] = std::max(match_index_[peer], std::min(message.match_index, last_index()));
      next_index_[peer] = match_index_[peer] + 1;
      advance_commit();
      const bool more_entries = match_index_[peer] > match_before && next_index_[peer] <= last_index();
      const bool more_certificates = commit_progress && peer_committed_[peer] < host_.committed_height();
      if (more_entries || more_certificates) replicate(peer);
    } else {
      // Back off to the follower's hint, but not below what it already matched.
      const Height before = next_index_[peer];
      const Height hint = std::min<Height>(message.match_index, before - 1);
      next_index_[peer] = std::max<Height>(hint, match_index_[peer]) + 1;
      if (next_index_[peer] < before) replicate(peer);
    }
  }

  RaftOptions options_;
  Host& host_;
  std::uint32_t n_;
  Rng rng_;
  EngineStats stats_;

  // Durable: the current term, the vote in it, and the uncommitted log.
  std::uint64_t term_ = 0;
  NodeIndex voted_for_ = kNobody;
  std::deque<Entry> log_;  // log_[i] is height log_start_ + i
  Height log_start_ = 1;

  Role role_ = Role::kFollower;
  std::set<NodeIndex> votes_;
  bool proposal_requested_ = false;
  std::vector<Height> next_index_;
  std::vector<Height> match_index_;
  std::vector<Height> peer_committed_;
};

}  // namespace
}  // namespace raft

std::unique_ptr<Engine> make_raft_engine(const RaftOptions& options, Host& host) {
  return std::make_unique<raft::RaftEngine>(options, host);
}

std::uint32_t raft_certificate_quorum(std::uint32_t) { return 1; }

}  // namespace trestle::consensus
