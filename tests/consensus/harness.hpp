#pragma once
// A hand-driven cluster for unit tests of engines: every Host call is recorded, and the test
// decides which message is delivered, which timer fires and what the host answers. Signatures are
// the simulator's keyed hashes (sim_signer.hpp), so the test can also sign as any node to forge
// messages a Byzantine sealer could not.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "sim_app.hpp"
#include "sim_signer.hpp"
#include "trestle/consensus/engine.hpp"

namespace trestle::consensus::test {

inline constexpr NodeIndex kEveryone = ~NodeIndex{0};

struct Sent {
  NodeIndex from;
  NodeIndex to;  // kEveryone for a broadcast
  Bytes bytes;
};

class TestHost final : public Host {
 public:
  TestHost(NodeIndex self, std::uint32_t n, const sim::SimKeys& keys) : self_(self), n_(n), keys_(keys) {}

  NodeIndex self() const override { return self_; }
  std::uint32_t sealer_count() const override { return n_; }
  void send(NodeIndex to, Bytes message) override { outbox.push_back(Sent{self_, to, std::move(message)}); }
  void broadcast(Bytes message) override { outbox.push_back(Sent{self_, kEveryone, std::move(message)}); }
  void set_timer(TimerId id, std::uint64_t delay_ms) override {
    timers[id] = delay_ms;
    timer_history.emplace_back(id, delay_ms);
  }
  void cancel_timer(TimerId id) override { timers.erase(id); }
  std::uint64_t now_ms() const override { return now; }
  void request_proposal(Height height) override { proposal_requests.push_back(height); }
  void validate_proposal(const Proposal& proposal) override { validations.push_back(proposal); }
  void commit(const Proposal& proposal, const CommitCertificate& certificate) override {
    chain.push_back(CommittedBlock{proposal, certificate});
  }
  Height committed_height() const override { return chain.size(); }
  std::optional<CommittedBlock> committed_block(Height height) const override {
    if (height == 0 || height > chain.size()) return std::nullopt;
    return chain[height - 1];
  }
  Bytes sign(ByteView message) override { return keys_.sign(self_, message); }
  bool verify(NodeIndex signer, ByteView message, ByteView signature) const override {
    return keys_.verify(signer, message, signature);
  }
  void store_state(ByteView state) override { stored = to_bytes(state); }
  void sync_state() override {
    synced = stored;
    ++syncs;
  }
  std::optional<Bytes> load_state() override { return synced; }

  // A valid block on this host's chain, as the simulator builds them.
  Proposal make_block(std::uint64_t salt = 0) const {
    sim::SimBlock block{chain.size() + 1, chain.empty() ? Hash256{} : chain.back().proposal.hash, self_, 0, 0, salt};
    return sim::make_proposal(block);
  }

  NodeIndex self_;
  std::uint32_t n_;
  const sim::SimKeys& keys_;
  std::uint64_t now = 0;
  std::vector<Sent> outbox;
  std::map<TimerId, std::uint64_t> timers;
  std::vector<std::pair<TimerId, std::uint64_t>> timer_history;
  std::vector<Height> proposal_requests;
  std::vector<Proposal> validations;
  std::vector<CommittedBlock> chain;
  std::optional<Bytes> stored;
  std::optional<Bytes> synced;
  int syncs = 0;
};

// n engines on TestHosts. Hosts live as long as the cluster; engines can be replaced (restart).
class Cluster {
 public:
  using Factory = std::function<std::unique_ptr<Engine>(Host&, NodeIndex)>;

  Cluster(std::uint32_t n, Factory factory) : keys(7, n), factory_(std::move(factory)) {
    for (NodeIndex i = 0; i < n; ++i) hosts.push_back(std::make_unique<TestHost>(i, n, keys));
    for (NodeIndex i = 0; i < n; ++i) engines.push_back(factory_(*hosts[i], i));
  }

  void start() {
    for (auto& engine : engines) engine->start();
  }
  void restart(NodeIndex node) {
    engines[node] = factory_(*hosts[node], node);
    engines[node]->start();
  }

  // Answers every pending proposal request up to height `max_height` (with a block on the host's
  // chain) and validation (true when the block is valid on the host's chain), and delivers every
  // message, until nothing is left or `steps` deliveries were made. `drop` filters deliveries.
  void settle(int steps = 100'000, const std::function<bool(const Sent&, NodeIndex to)>& drop = {}) {
    bool progress = true;
    while (progress && steps > 0) {
      progress = false;
      for (NodeIndex i = 0; i < hosts.size(); ++i) {
        TestHost& host = *hosts[i];
        std::vector<Height> requests = std::move(host.proposal_requests);
        host.proposal_requests.clear();
        for (Height height : requests) {
          if (height > max_height) {
            host.proposal_requests.push_back(height);  // left unanswered
            continue;
          }
          if (height == host.committed_height() + 1) engines[i]->on_proposal(host.make_block());
          progress = true;
        }
        std::vector<Proposal> validations = std::move(host.validations);
        host.validations.clear();
        for (const Proposal& proposal : validations) {
          const bool valid = sim::validate_block(proposal, tip(host), sim::TxClock(1000), 0, 1000).has_value();
          engines[i]->on_validation(proposal.height, proposal.hash, valid);
          progress = true;
        }
        std::vector<Sent> outbox = std::move(host.outbox);
        host.outbox.clear();
        for (const Sent& sent : outbox) {
          for (NodeIndex to = 0; to < hosts.size(); ++to) {
            if (to == sent.from || (sent.to != kEveryone && sent.to != to)) continue;
            if (drop && drop(sent, to)) continue;
            engines[to]->on_message(sent.from, sent.bytes);
            --steps;
            progress = true;
          }
        }
      }
    }
  }

  static sim::Tip tip(const TestHost& host) {
    if (host.chain.empty()) return sim::Tip{};
    return sim::Tip{host.chain.size(), host.chain.back().proposal.hash, 0};
  }

  sim::SimKeys keys;
  Height max_height = 1;
  std::vector<std::unique_ptr<TestHost>> hosts;
  std::vector<std::unique_ptr<Engine>> engines;

 private:
  Factory factory_;
};

}  // namespace trestle::consensus::test
