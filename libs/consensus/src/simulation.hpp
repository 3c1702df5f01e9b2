#pragma once
// One simulation run: the event queue, the network with its faults, and a Host per node.

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <vector>

#include "agreement_checker.hpp"
#include "liveness_checker.hpp"
#include "sim_app.hpp"
#include "sim_signer.hpp"
#include "trestle/consensus/signer.hpp"
#include "trestle/consensus/simulator.hpp"
#include "validity_checker.hpp"

namespace trestle::consensus::sim {

class Simulation;

// A node's Host. It outlives crashes: the ledger (chain_) and the synced engine state survive,
// the engine object and everything in flight to it do not.
class SimNode final : public Host {
 public:
  SimNode(Simulation& sim, NodeIndex index, bool byzantine, std::uint32_t clock_rate_per_mille);

  NodeIndex self() const override { return index_; }
  std::uint32_t sealer_count() const override;
  void send(NodeIndex to, Bytes message) override;
  void broadcast(Bytes message) override;
  void set_timer(TimerId id, std::uint64_t delay_ms) override;
  void cancel_timer(TimerId id) override;
  std::uint64_t now_ms() const override;
  void request_proposal(Height height) override;
  void validate_proposal(const Proposal& proposal) override;
  void commit(const Proposal& proposal, const CommitCertificate& certificate) override;
  Height committed_height() const override { return chain_.size(); }
  std::optional<CommittedBlock> committed_block(Height height) const override;
  Bytes sign(ByteView message) override;
  bool verify(NodeIndex signer, ByteView message, ByteView signature) const override;
  void store_state(ByteView state) override;
  void sync_state() override;
  std::optional<Bytes> load_state() override;

  Tip tip() const;
  // A valid block on this node's tip with a nonzero salt: what an equivocating leader sends.
  Proposal conflicting_proposal(Height height);

 private:
  friend class Simulation;

  Simulation& sim_;
  NodeIndex index_;
  bool byzantine_;
  std::uint32_t clock_rate_per_mille_;
  std::unique_ptr<Signer> suite_signer_;
  std::unique_ptr<Engine> engine_;
  bool up_ = true;
  std::uint64_t epoch_ = 0;
  std::vector<CommittedBlock> chain_;  // chain_[h - 1] is height h
  std::vector<std::uint64_t> tx_end_;  // tx_end_[h - 1]: one past the last transaction of height h
  std::optional<Bytes> synced_state_;
  std::optional<Bytes> stored_state_;
  bool unsynced_ = false;
  std::vector<std::uint64_t> timer_generation_;
  std::uint64_t restarts_ = 0;
  std::uint64_t next_salt_ = 1;
  std::uint32_t host_delay_ms_ = 1;
};

class Simulation {
 public:
  Simulation(const EngineFactory& factory, const SimOptions& options);
  ~Simulation();
  SimReport run();

 private:
  friend class SimNode;

  enum class EventType : std::uint8_t { kDeliver, kTimer, kProposal, kValidation, kCrash, kRestart };
  struct Event {
    std::uint64_t time_ms;
    std::uint64_t sequence;
    EventType type;
    NodeIndex node;
    NodeIndex from;
    std::uint64_t epoch;
    std::uint64_t generation;  // timer generation; validity bit for kValidation
    TimerId timer;
    std::shared_ptr<const Bytes> bytes;
    std::shared_ptr<const Proposal> proposal;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time_ms != b.time_ms ? a.time_ms > b.time_ms : a.sequence > b.sequence;
    }
  };
  struct Partition {
    std::uint64_t start_ms;
    std::uint64_t end_ms;
    std::uint64_t side_mask;  // bit i set: node i on side 1 (nodes past 63 stay on side 0)
  };

  void schedule(Event event);
  void send(NodeIndex from, NodeIndex to, const std::shared_ptr<const Bytes>& bytes);
  bool in_window() const { return now_ms_ < options_.faults.window_ms; }
  bool partitioned(NodeIndex a, NodeIndex b, std::uint64_t time_ms) const;
  void dispatch(const Event& event);
  void start_node(SimNode& node);
  void crash(SimNode& node);
  void on_commit(SimNode& node, const Proposal& proposal, const CommitCertificate& certificate);
  bool all_correct_at_target() const;
  void plan_faults();
  void collect_stats(const SimNode& node);

  const EngineFactory& factory_;
  SimOptions options_;
  Rng rng_;
  SimKeys keys_;
  TxClock tx_clock_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::uint64_t sequence_ = 0;
  std::uint64_t now_ms_ = 0;
  std::vector<Partition> partitions_;
  AgreementChecker agreement_;
  ValidityChecker validity_;
  LivenessChecker liveness_;
  SimReport report_;
  std::vector<std::uint64_t> latencies_ms_;
  Height first_committed_ = 0;  // highest height committed by some correct node
};

}  // namespace trestle::consensus::sim
