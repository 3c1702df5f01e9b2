#include "sequencer_engine.hpp"

#include <map>
#include <optional>

namespace sequencer {
namespace {

using trestle::Bytes;
using trestle::ByteView;
using trestle::Hash256;
using trestle::Reader;
using trestle::Writer;
using namespace trestle::consensus;

constexpr NodeIndex kSequencer = 0;
constexpr TimerId kTick = 1;
constexpr std::uint64_t kTickMs = 100;
constexpr Height kResendMax = 8;

// Wire: u8 type, u32 sender, then the fields below.
enum Type : std::uint8_t {
  kPropose = 1,  // proposal
  kAck = 2,      // u64 committed height, u64 height, [32] hash, bytes signature (commit vote)
  kDecide = 3,   // proposal, certificate
  kStatus = 4,   // u64 committed height
};

class SequencerEngine final : public Engine {
 public:
  explicit SequencerEngine(Host& host) : host_(host) {}

  void start() override {
    host_.set_timer(kTick, kTickMs);
    propose_next();
  }

  void on_message(NodeIndex from, ByteView bytes) override {
    ++stats_.messages_received;
    Reader reader(bytes);
    auto type = reader.u8();
    auto sender = reader.u32();
    if (!type.ok() || !sender.ok() || *sender != from || from >= host_.sealer_count()) {
      ++stats_.dropped_malformed;
      return;
    }
    bool ok = false;
    if (*type == kPropose && from == kSequencer) ok = on_propose(reader);
    if (*type == kAck && is_sequencer()) ok = on_ack(from, reader);
    if (*type == kDecide && from == kSequencer) ok = on_decide(reader);
    if (*type == kStatus && is_sequencer()) ok = on_status(from, reader);
    if (!ok) ++stats_.dropped_malformed;
  }

  void on_timer(TimerId) override {
    host_.set_timer(kTick, kTickMs);
    if (is_sequencer()) {
      // Re-send the open proposal: messages may have been lost.
      if (pending_) host_.broadcast(propose_message(*pending_));
    } else {
      Writer writer;
      writer.u8(kStatus).u32(host_.self()).u64(host_.committed_height());
      host_.send(kSequencer, writer.take());
    }
  }

  void on_proposal(Proposal proposal) override {
    if (!is_sequencer() || proposal.height != host_.committed_height() + 1 || pending_) return;
    pending_ = std::move(proposal);
    votes_.clear();
    votes_[host_.self()] = sign_vote(*pending_);
    host_.broadcast(propose_message(*pending_));
    maybe_commit();
  }

  void on_validation(Height height, const Hash256& hash, bool valid) override {
    if (decided_ && decided_->proposal.height == height && decided_->proposal.hash == hash) {
      CommittedBlock block = std::move(*decided_);
      decided_.reset();
      if (valid && height == host_.committed_height() + 1) {
        host_.commit(block.proposal, block.certificate);
        ++stats_.blocks_committed;
      }
      return;
    }
    if (!valid || !offered_ || offered_->height != height || offered_->hash != hash) return;
    Writer writer;
    writer.u8(kAck).u32(host_.self()).u64(host_.committed_height()).u64(height).fixed(hash).bytes(sign_vote(*offered_));
    host_.send(kSequencer, writer.take());
  }

  const EngineStats& stats() const override { return stats_; }
  std::string_view name() const override { return "sequencer"; }

 private:
  bool is_sequencer() const { return host_.self() == kSequencer; }
  std::uint32_t quorum() const { return majority_quorum(host_.sealer_count()); }

  Bytes sign_vote(const Proposal& proposal) {
    return host_.sign(commit_vote_message(proposal.height, 0, proposal.hash));
  }

  Bytes propose_message(const Proposal& proposal) {
    Writer writer;
    writer.u8(kPropose).u32(host_.self());
    encode_proposal(writer, proposal);
    return writer.take();
  }

  void propose_next() {
    if (is_sequencer() && !pending_) host_.request_proposal(host_.committed_height() + 1);
  }

  bool on_propose(Reader& reader) {
    auto proposal = decode_proposal(reader);
    if (!proposal.ok() || !reader.finish().ok()) return false;
    if (proposal->height == host_.committed_height() + 1) {
      offered_ = *proposal;
      host_.validate_proposal(*proposal);  // the ack goes out in on_validation
    }
    return true;
  }

  bool on_ack(NodeIndex from, Reader& reader) {
    auto committed = reader.u64();
    auto height = reader.u64();
    auto hash = reader.fixed<32>();
    auto signature = reader.bytes(kSignatureMaxBytes);
    if (!committed.ok() || !height.ok() || !hash.ok() || !signature.ok() || !reader.finish().ok()) return false;
    resend_missing(from, *committed);
    if (!pending_ || *height != pending_->height || *hash != pending_->hash) return true;  // stale
    if (!host_.verify(from, commit_vote_message(*height, 0, *hash), *signature)) {
      ++stats_.dropped_bad_signature;
      return true;
    }
    votes_[from] = std::move(*signature);
    maybe_commit();
    return true;
  }

  bool on_status(NodeIndex from, Reader& reader) {
    auto committed = reader.u64();
    if (!committed.ok() || !reader.finish().ok()) return false;
    resend_missing(from, *committed);
    return true;
  }

  void resend_missing(NodeIndex peer, Height peer_committed) {
    const Height last = std::min(host_.committed_height(), peer_committed + kResendMax);
    for (Height height = peer_committed + 1; height <= last; ++height) {
      auto block = host_.committed_block(height);
      if (block) host_.send(peer, decide_message(*block));
    }
  }

  Bytes decide_message(const CommittedBlock& block) {
    Writer writer;
    writer.u8(kDecide).u32(host_.self());
    encode_proposal(writer, block.proposal);
    encode_certificate(writer, block.certificate);
    return writer.take();
  }

  void maybe_commit() {
    if (!pending_ || votes_.size() < quorum()) return;
    CommitCertificate certificate{pending_->height, 0, pending_->hash, {}};
    for (auto& [sealer, signature] : votes_) certificate.votes.push_back(CommitVote{sealer, signature});
    CommittedBlock block{std::move(*pending_), std::move(certificate)};
    pending_.reset();
    host_.commit(block.proposal, block.certificate);
    ++stats_.blocks_committed;
    host_.broadcast(decide_message(block));
    propose_next();
  }

  bool on_decide(Reader& reader) {
    auto proposal = decode_proposal(reader);
    if (!proposal.ok()) return false;
    auto certificate = decode_certificate(reader);
    if (!certificate.ok() || !reader.finish().ok()) return false;
    if (proposal->height != host_.committed_height() + 1) return true;  // old, or a gap to fill
    if (!certificate_valid(*proposal, *certificate)) {
      ++stats_.dropped_bad_signature;
      return true;
    }
    // Commit once the host has validated the block (on_validation).
    host_.validate_proposal(*proposal);
    decided_ = CommittedBlock{std::move(*proposal), std::move(*certificate)};
    return true;
  }

  bool certificate_valid(const Proposal& proposal, const CommitCertificate& certificate) const {
    if (certificate.height != proposal.height || certificate.block_hash != proposal.hash ||
        certificate.votes.size() < quorum()) {
      return false;
    }
    const Bytes message = commit_vote_message(certificate.height, certificate.round, certificate.block_hash);
    for (const CommitVote& vote : certificate.votes) {
      if (!host_.verify(vote.sealer_index, message, vote.signature)) return false;
    }
    return true;  // indexes are strictly increasing, so distinct: decode_certificate checked
  }

  Host& host_;
  EngineStats stats_;
  std::optional<Proposal> pending_;        // sequencer: the block being acknowledged
  std::map<NodeIndex, Bytes> votes_;       // sequencer: acknowledgements for pending_
  std::optional<Proposal> offered_;        // follower: the last proposal it was offered
  std::optional<CommittedBlock> decided_;  // follower: a decided block awaiting validation
};

}  // namespace

std::unique_ptr<Engine> make_sequencer_engine(Host& host) { return std::make_unique<SequencerEngine>(host); }

}  // namespace sequencer
