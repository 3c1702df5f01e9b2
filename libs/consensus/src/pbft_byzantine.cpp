#include "pbft_byzantine.hpp"

#include <utility>

#include "pbft_engine.hpp"
#include "trestle/consensus/rng.hpp"

namespace trestle::consensus::pbft {
namespace {

enum Attack : std::uint32_t {
  kEquivocate = 1,
  kDoubleVote = 2,
  kBadHeader = 4,
  kHugeView = 8,
  kForgedSender = 16,
  kGarbage = 32,
  kSilence = 64,
};
constexpr std::uint32_t kAttackCount = 7;

// Tampers with what the honest engine inside sends; forwards everything else.
class TamperingHost final : public Host {
 public:
  TamperingHost(Host& host, std::uint64_t seed, std::function<Proposal(Height)> conflicting)
      : host_(host), rng_(seed), conflicting_(std::move(conflicting)) {
    while (attacks_ == 0) attacks_ = static_cast<std::uint32_t>(rng_.below(std::uint64_t{1} << kAttackCount));
  }

  NodeIndex self() const override { return host_.self(); }
  std::uint32_t sealer_count() const override { return host_.sealer_count(); }
  void send(NodeIndex to, Bytes message) override { emit(to, std::move(message)); }
  void broadcast(Bytes message) override {
    for (NodeIndex to = 0; to < sealer_count(); ++to) {
      if (to != self()) emit(to, message, to % 2 == 1);
    }
  }
  void set_timer(TimerId id, std::uint64_t delay_ms) override { host_.set_timer(id, delay_ms); }
  void cancel_timer(TimerId id) override { host_.cancel_timer(id); }
  std::uint64_t now_ms() const override { return host_.now_ms(); }
  void request_proposal(Height height) override { host_.request_proposal(height); }
  void validate_proposal(const Proposal& proposal) override { host_.validate_proposal(proposal); }
  void commit(const Proposal& proposal, const CommitCertificate& certificate) override {
    host_.commit(proposal, certificate);
  }
  Height committed_height() const override { return host_.committed_height(); }
  std::optional<CommittedBlock> committed_block(Height height) const override { return host_.committed_block(height); }
  Bytes sign(ByteView message) override { return host_.sign(message); }
  bool verify(NodeIndex signer, ByteView message, ByteView signature) const override {
    return host_.verify(signer, message, signature);
  }
  void store_state(ByteView state) override { host_.store_state(state); }
  void sync_state() override { host_.sync_state(); }
  std::optional<Bytes> load_state() override { return host_.load_state(); }

 private:
  bool has(Attack attack) const { return (attacks_ & attack) != 0; }

  // `other_half`: this peer is on the side that gets the conflicting version.
  void emit(NodeIndex to, Bytes message, bool other_half = false) {
    if (has(kSilence) && rng_.chance(300'000)) return;
    if (has(kGarbage) && rng_.chance(100'000)) host_.send(to, garbage(message));
    if (has(kHugeView) && rng_.chance(50'000)) host_.send(to, huge_view());
    auto decoded = decode_message(message, sealer_count());
    if (decoded.ok()) {
      if (has(kForgedSender) && rng_.chance(100'000)) host_.send(to, forged(*decoded));
      tamper(*decoded, message, other_half);
    }
    host_.send(to, std::move(message));
  }

  void tamper(const Message& decoded, Bytes& message, bool other_half) {
    if (decoded.type == MessageType::kPrePrepare) {
      const auto& pre_prepare = std::get<PrePrepare>(decoded.body);
      if (has(kEquivocate) && other_half) {
        Proposal other = conflicting_(pre_prepare.height);
        PrePrepare copy{self(), pre_prepare.height, 0, other.hash, other.payload, {}};
        copy.signature = sign(pre_prepare_signed(copy.height, 0, copy.hash));
        message = encode_pre_prepare(copy);
      } else if (has(kBadHeader) && rng_.chance(kHalf)) {
        // The header (hash) names another block than the body carries.
        Proposal other = conflicting_(pre_prepare.height);
        PrePrepare copy{self(), pre_prepare.height, 0, other.hash, pre_prepare.payload, {}};
        copy.signature = sign(pre_prepare_signed(copy.height, 0, copy.hash));
        message = encode_pre_prepare(copy);
      }
    } else if (decoded.type == MessageType::kPrepare || decoded.type == MessageType::kCommit) {
      if (!has(kDoubleVote) || !other_half) return;
      VoteMessage vote = std::get<VoteMessage>(decoded.body);
      vote.hash = conflicting_(vote.height).hash;
      vote.signature =
          sign(decoded.type == MessageType::kPrepare ? prepare_signed(vote.height, vote.view, vote.hash)
                                                     : commit_vote_message(vote.height, vote.view, vote.hash));
      message = encode_vote(decoded.type, vote);
    }
  }

  Bytes huge_view() {
    ViewChange change{self(), host_.committed_height() + 1, kViewMax - 1 - rng_.below(1000), std::nullopt, {}, {}};
    change.signature = sign(view_change_signed(change));
    Bytes bytes = encode_view_change(change);
    if (rng_.chance(kHalf)) {
      // Past kViewMax: must be rejected by the decoder, never overflow a counter.
      for (std::size_t i = 13; i < 21 && i < bytes.size(); ++i) bytes[i] = 0xff;
    }
    return bytes;
  }

  // A message that names another sealer as its sender, signed with this node's key (the only one
  // it has).
  Bytes forged(const Message& decoded) {
    const NodeIndex victim = static_cast<NodeIndex>((self() + 1 + rng_.below(sealer_count() - 1)) % sealer_count());
    if (decoded.type == MessageType::kPrepare || decoded.type == MessageType::kCommit) {
      VoteMessage vote = std::get<VoteMessage>(decoded.body);
      vote.sender = victim;
      vote.hash = conflicting_(vote.height).hash;
      vote.signature = sign(prepare_signed(vote.height, vote.view, vote.hash));
      return encode_vote(decoded.type, vote);
    }
    ViewChange change{victim, host_.committed_height() + 1, 1 + rng_.below(5), std::nullopt, {}, {}};
    change.signature = sign(view_change_signed(change));
    return encode_view_change(change);
  }

  Bytes garbage(const Bytes& message) {
    switch (rng_.below(3)) {
      case 0: {
        Bytes random(rng_.below(200));
        for (std::uint8_t& byte : random) byte = static_cast<std::uint8_t>(rng_.next());
        return random;
      }
      case 1:
        return Bytes(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(rng_.below(message.size() + 1)));
      default: {
        Bytes flipped = message;
        if (!flipped.empty()) flipped[rng_.below(flipped.size())] ^= static_cast<std::uint8_t>(1u << rng_.below(8));
        return flipped;
      }
    }
  }

  static constexpr std::uint32_t kHalf = 500'000;

  Host& host_;
  Rng rng_;
  std::function<Proposal(Height)> conflicting_;
  std::uint32_t attacks_ = 0;
};

class ByzantinePbft final : public Engine {
 public:
  ByzantinePbft(const PbftOptions& options, Host& host, std::uint64_t seed, std::function<Proposal(Height)> conflicting)
      : host_(host, seed, std::move(conflicting)), inner_(options, host_) {}

  void start() override { inner_.start(); }
  void on_message(NodeIndex from, ByteView message) override { inner_.on_message(from, message); }
  void on_timer(TimerId id) override { inner_.on_timer(id); }
  void on_proposal(Proposal proposal) override { inner_.on_proposal(std::move(proposal)); }
  void on_validation(Height height, const Hash256& hash, bool valid) override {
    inner_.on_validation(height, hash, valid);
  }
  const EngineStats& stats() const override { return inner_.stats(); }
  std::string_view name() const override { return "pbft-byzantine"; }

 private:
  TamperingHost host_;
  PbftEngine inner_;
};

}  // namespace

std::unique_ptr<Engine> make_byzantine_pbft_engine(const PbftOptions& options, Host& host, std::uint64_t seed,
                                                   std::function<Proposal(Height)> conflicting) {
  return std::make_unique<ByzantinePbft>(options, host, seed, std::move(conflicting));
}

}  // namespace trestle::consensus::pbft

namespace trestle::consensus {

std::unique_ptr<Engine> make_pbft_engine(const PbftOptions& options, Host& host) {
  return std::make_unique<pbft::PbftEngine>(options, host);
}

std::uint32_t pbft_certificate_quorum(std::uint32_t sealer_count) { return byzantine_quorum(sealer_count); }

}  // namespace trestle::consensus
