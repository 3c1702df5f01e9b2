#include "simulation.hpp"

#include <algorithm>
#include <cassert>
#include <string>

#include "trestle/crypto/hash.hpp"

namespace trestle::consensus::sim {
namespace {

constexpr std::uint64_t kEventsMax = 20'000'000;
constexpr std::uint64_t kHalf = 500'000;  // per million

std::unique_ptr<Signer> suite_signer_for(const crypto::CryptoSuite& suite, std::uint64_t seed, NodeIndex self,
                                         std::uint32_t node_count) {
  // Keys derived from the seed, so a run with real signatures replays too (ecdsa signs
  // deterministically; sm's signatures differ between runs, its outcome does not).
  auto key_for = [&](NodeIndex index) {
    Writer writer;
    writer.string("trestle/sim/key").u64(seed).u32(index);
    for (std::uint32_t attempt = 0;; ++attempt) {
      Writer w2;
      w2.raw(writer.data()).u32(attempt);
      Hash256 scalar = crypto::hash(crypto::HashAlgorithm::kSha256, w2.data());
      auto key = crypto::PrivateKey::from_bytes(suite.key_type(), scalar);
      secure_wipe(scalar.data(), scalar.size());
      if (key.ok()) return std::move(key).value();
    }
  };
  std::vector<crypto::PublicKey> sealers;
  for (NodeIndex i = 0; i < node_count; ++i) sealers.push_back(key_for(i).public_key());
  auto signer = make_suite_signer(suite, key_for(self), self, std::move(sealers));
  assert(signer.ok());
  return std::move(signer).value();
}

std::uint64_t faults_end_ms(const FaultOptions& faults) {
  std::uint64_t end = faults.window_ms;
  for (const auto& partition : faults.scheduled_partitions) end = std::max(end, partition.end_ms);
  return end;
}

}  // namespace

SimNode::SimNode(Simulation& sim, NodeIndex index, bool byzantine, std::uint32_t clock_rate_per_mille)
    : sim_(sim), index_(index), byzantine_(byzantine), clock_rate_per_mille_(clock_rate_per_mille) {
  host_delay_ms_ = index < sim.options_.slow_node_count ? sim.options_.slow_host_delay_ms : sim.options_.host_delay_ms;
  if (sim.options_.suite != nullptr) {
    suite_signer_ = suite_signer_for(*sim.options_.suite, sim.options_.seed, index, sim.options_.node_count);
  }
}

std::uint32_t SimNode::sealer_count() const { return sim_.options_.node_count; }

void SimNode::send(NodeIndex to, Bytes message) {
  if (to >= sealer_count() || to == index_) return;
  sim_.send(index_, to, std::make_shared<const Bytes>(std::move(message)));
}

void SimNode::broadcast(Bytes message) {
  auto shared = std::make_shared<const Bytes>(std::move(message));
  for (NodeIndex to = 0; to < sealer_count(); ++to) {
    if (to != index_) sim_.send(index_, to, shared);
  }
}

void SimNode::set_timer(TimerId id, std::uint64_t delay_ms) {
  if (id >= timer_generation_.size()) timer_generation_.resize(std::size_t{id} + 1, 0);
  const std::uint64_t generation = ++timer_generation_[id];
  // A fast clock fires its timers early in virtual time, a slow one late.
  const std::uint64_t global_delay = delay_ms * 1000 / clock_rate_per_mille_;
  sim_.schedule(Simulation::Event{sim_.now_ms_ + global_delay, 0, Simulation::EventType::kTimer, index_, index_, epoch_,
                                  generation, id, nullptr, nullptr});
}

void SimNode::cancel_timer(TimerId id) {
  if (id < timer_generation_.size()) ++timer_generation_[id];
}

std::uint64_t SimNode::now_ms() const { return sim_.now_ms_ * clock_rate_per_mille_ / 1000; }

Tip SimNode::tip() const {
  if (chain_.empty()) return Tip{};
  return Tip{chain_.size(), chain_.back().proposal.hash, tx_end_.back()};
}

void SimNode::request_proposal(Height height) {
  const Tip base = tip();
  if (height != base.height + 1) return;  // a broken precondition: the engine gets no answer
  const std::uint64_t available = sim_.tx_clock_.available(sim_.now_ms_);
  SimBlock block{height,
                 base.hash,
                 index_,
                 base.tx_end,
                 static_cast<std::uint32_t>(std::min<std::uint64_t>(available - std::min(available, base.tx_end),
                                                                    sim_.options_.block_tx_count_max)),
                 0};
  auto proposal = std::make_shared<const Proposal>(make_proposal(block));
  sim_.validity_.on_proposed(proposal->hash);
  sim_.schedule(Simulation::Event{sim_.now_ms_ + host_delay_ms_, 0, Simulation::EventType::kProposal, index_, index_,
                                  epoch_, 0, 0, nullptr, std::move(proposal)});
}

Proposal SimNode::conflicting_proposal(Height height) {
  const Tip base = tip();
  const std::uint64_t available = sim_.tx_clock_.available(sim_.now_ms_);
  const std::uint64_t pending = available - std::min(available, base.tx_end);
  SimBlock block{height,
                 base.hash,
                 index_,
                 base.tx_end,
                 static_cast<std::uint32_t>(std::min<std::uint64_t>(pending / 2, sim_.options_.block_tx_count_max)),
                 next_salt_++};
  Proposal proposal = make_proposal(block);
  sim_.validity_.on_proposed(proposal.hash);
  return proposal;
}

void SimNode::validate_proposal(const Proposal& proposal) {
  const bool valid =
      validate_block(proposal, tip(), sim_.tx_clock_, sim_.now_ms_, sim_.options_.block_tx_count_max).has_value();
  auto copy = std::make_shared<const Proposal>(Proposal{proposal.height, proposal.hash, {}});
  sim_.schedule(Simulation::Event{sim_.now_ms_ + host_delay_ms_, 0, Simulation::EventType::kValidation, index_, index_,
                                  epoch_, valid ? 1u : 0u, 0, nullptr, std::move(copy)});
}

void SimNode::commit(const Proposal& proposal, const CommitCertificate& certificate) {
  sim_.on_commit(*this, proposal, certificate);
}

std::optional<CommittedBlock> SimNode::committed_block(Height height) const {
  if (height == 0 || height > chain_.size()) return std::nullopt;
  return chain_[height - 1];
}

Bytes SimNode::sign(ByteView message) {
  return suite_signer_ ? suite_signer_->sign(message) : sim_.keys_.sign(index_, message);
}

bool SimNode::verify(NodeIndex signer, ByteView message, ByteView signature) const {
  return suite_signer_ ? suite_signer_->verify(signer, message, signature)
                       : sim_.keys_.verify(signer, message, signature);
}

void SimNode::store_state(ByteView state) {
  stored_state_ = to_bytes(state);
  unsynced_ = true;
}

void SimNode::sync_state() {
  if (!unsynced_) return;
  synced_state_ = stored_state_;
  unsynced_ = false;
}

std::optional<Bytes> SimNode::load_state() { return synced_state_; }

Simulation::Simulation(const EngineFactory& factory, const SimOptions& options)
    : factory_(factory),
      options_(options),
      rng_(options.seed),
      keys_(options.seed, options.node_count),
      tx_clock_(options.tx_rate_per_s),
      validity_(options.node_count, factory.certificate_quorum(options.node_count),
                [this](NodeIndex signer, ByteView message, ByteView signature) {
                  return nodes_.front()->verify(signer, message, signature);
                }),
      liveness_(options.target_blocks, faults_end_ms(options.faults) + options.liveness_bound_ms) {
  report_.engine = factory.name;
  report_.seed = options.seed;
  report_.node_count = options.node_count;
  report_.byzantine_count = options.byzantine_count;
  report_.rounds_started_per_node.assign(options.node_count, 0);
  const std::uint32_t skew = std::min<std::uint32_t>(options.faults.clock_skew_per_mille, 900);
  for (NodeIndex i = 0; i < options.node_count; ++i) {
    const bool byzantine = i >= options.node_count - options.byzantine_count;
    const std::uint32_t rate =
        options.faults.clock_skew ? static_cast<std::uint32_t>(rng_.between(1000 - skew, 1000 + skew + 1)) : 1000;
    nodes_.push_back(std::make_unique<SimNode>(*this, i, byzantine, rate));
  }
}

Simulation::~Simulation() = default;

void Simulation::schedule(Event event) {
  event.sequence = sequence_++;
  queue_.push(std::move(event));
}

void Simulation::send(NodeIndex from, NodeIndex to, const std::shared_ptr<const Bytes>& bytes) {
  ++report_.messages_sent;
  report_.bytes_sent += bytes->size();
  const FaultOptions& faults = options_.faults;
  if (in_window() && faults.drop && rng_.chance(faults.drop_per_million)) return;
  const int copies = in_window() && faults.duplicate && rng_.chance(faults.duplicate_per_million) ? 2 : 1;
  for (int copy = 0; copy < copies; ++copy) {
    std::uint64_t latency = rng_.between(options_.latency_ms_min, options_.latency_ms_max);
    if (in_window() && faults.delay && rng_.chance(faults.delay_per_million)) {
      latency += rng_.below(std::uint64_t{faults.delay_ms_max} + 1);
    }
    schedule(Event{now_ms_ + latency, 0, EventType::kDeliver, to, from, 0, 0, 0, bytes, nullptr});
  }
}

bool Simulation::partitioned(NodeIndex a, NodeIndex b, std::uint64_t time_ms) const {
  auto side = [](std::uint64_t mask, NodeIndex node) { return node < 64 && ((mask >> node) & 1) != 0; };
  for (const Partition& partition : partitions_) {
    if (time_ms >= partition.start_ms && time_ms < partition.end_ms &&
        side(partition.side_mask, a) != side(partition.side_mask, b)) {
      return true;
    }
  }
  return false;
}

void Simulation::plan_faults() {
  const FaultOptions& faults = options_.faults;
  const std::uint64_t window = std::max<std::uint64_t>(faults.window_ms, 1);
  for (const FaultOptions::ScheduledPartition& partition : faults.scheduled_partitions) {
    partitions_.push_back(Partition{partition.start_ms, partition.end_ms, partition.side_mask});
  }
  if (faults.partition) {
    for (std::uint32_t i = 0; i < faults.partition_count; ++i) {
      const std::uint64_t start = rng_.below(window);
      const std::uint64_t length = rng_.between(50, std::max<std::uint64_t>(faults.partition_ms_max, 51));
      std::uint64_t mask = 0;
      const NodeIndex sides = std::min<NodeIndex>(options_.node_count, 64);
      while (sides > 1 && (mask == 0 || mask == (sides == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << sides) - 1))) {
        mask = rng_.next() & (sides == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << sides) - 1);
      }
      partitions_.push_back(Partition{start, std::min(start + length, window), mask});
    }
  }
  if (faults.crash) {
    // Crash distinct correct nodes, each once, restarting within the window.
    std::vector<NodeIndex> correct;
    for (const auto& node : nodes_) {
      if (!node->byzantine_) correct.push_back(node->index_);
    }
    for (std::uint32_t i = 0; i < faults.crash_count && !correct.empty(); ++i) {
      const std::size_t pick = rng_.below(correct.size());
      const NodeIndex node = correct[pick];
      correct.erase(correct.begin() + static_cast<std::ptrdiff_t>(pick));
      const std::uint64_t at = rng_.below(window);
      const std::uint64_t back =
          std::min(at + rng_.between(10, std::max<std::uint64_t>(faults.crash_downtime_ms_max, 11)), window);
      schedule(Event{at, 0, EventType::kCrash, node, node, 0, 0, 0, nullptr, nullptr});
      schedule(Event{back, 0, EventType::kRestart, node, node, 0, 0, 0, nullptr, nullptr});
    }
  }
}

void Simulation::start_node(SimNode& node) {
  const std::uint64_t node_seed =
      options_.seed * 0x9e3779b97f4a7c15ULL + node.index_ * 0x632be59bd9b4e019ULL + node.restarts_;
  if (node.byzantine_) {
    node.engine_ = factory_.make_byzantine(node, node.index_, node_seed,
                                           [&node](Height height) { return node.conflicting_proposal(height); });
  } else {
    node.engine_ = factory_.make(node, node.index_, node_seed);
  }
  node.up_ = true;
  node.engine_->start();
}

void Simulation::collect_stats(const SimNode& node) {
  if (!node.engine_ || node.byzantine_) return;
  const EngineStats& stats = node.engine_->stats();
  report_.rounds_started += stats.rounds_started;
  report_.rounds_started_per_node[node.index_] += stats.rounds_started;
  report_.dropped_malformed += stats.dropped_malformed;
  report_.dropped_bad_signature += stats.dropped_bad_signature;
}

void Simulation::crash(SimNode& node) {
  if (!node.up_) return;
  collect_stats(node);
  node.engine_.reset();
  node.up_ = false;
  ++node.epoch_;
  ++report_.crashes;
  // The write buffer: an unsynced state survives or not, as a power cut decides.
  if (node.unsynced_) {
    if (!(options_.faults.lose_unsynced_write && rng_.chance(kHalf))) node.synced_state_ = node.stored_state_;
    node.unsynced_ = false;
  }
  node.stored_state_ = node.synced_state_;
}

void Simulation::dispatch(const Event& event) {
  SimNode& node = *nodes_[event.node];
  switch (event.type) {
    case EventType::kDeliver:
      if (node.up_ && !partitioned(event.from, event.node, event.time_ms))
        node.engine_->on_message(event.from, *event.bytes);
      return;
    case EventType::kTimer:
      if (node.up_ && event.epoch == node.epoch_ && event.generation == node.timer_generation_[event.timer]) {
        node.engine_->on_timer(event.timer);
      }
      return;
    case EventType::kProposal:
      if (node.up_ && event.epoch == node.epoch_) node.engine_->on_proposal(*event.proposal);
      return;
    case EventType::kValidation:
      if (node.up_ && event.epoch == node.epoch_) {
        node.engine_->on_validation(event.proposal->height, event.proposal->hash, event.generation != 0);
      }
      return;
    case EventType::kCrash:
      crash(node);
      return;
    case EventType::kRestart:
      if (!node.up_) {
        ++node.restarts_;
        start_node(node);
      }
      return;
  }
}

void Simulation::on_commit(SimNode& node, const Proposal& proposal, const CommitCertificate& certificate) {
  const Tip base = node.tip();
  std::optional<SimBlock> block = validate_block(proposal, base, tx_clock_, now_ms_, options_.block_tx_count_max);
  if (!node.byzantine_) {
    validity_.on_commit(node.index_, proposal, certificate, block.has_value(), now_ms_, report_.violations);
    const bool first = agreement_.on_commit(node.index_, proposal.height, proposal.hash, now_ms_, report_.violations);
    if (first && block) {
      for (std::uint64_t tx = block->tx_first; tx < block->tx_first + block->tx_count; ++tx) {
        const std::uint64_t submitted = tx_clock_.submit_ms(tx);
        latencies_ms_.push_back(now_ms_ > submitted ? now_ms_ - submitted : 0);
      }
    }
  }
  // The ledger keeps what the engine commits, right or wrong; the checkers judge it.
  node.chain_.push_back(CommittedBlock{proposal, certificate});
  node.tx_end_.push_back(block ? block->tx_first + block->tx_count : base.tx_end);
}

bool Simulation::all_correct_at_target() const {
  return std::all_of(nodes_.begin(), nodes_.end(), [&](const auto& node) {
    return node->byzantine_ || (node->up_ && node->chain_.size() >= options_.target_blocks);
  });
}

SimReport Simulation::run() {
  plan_faults();
  for (auto& node : nodes_) start_node(*node);
  const std::uint64_t deadline = liveness_.deadline_ms();
  bool reached = false;
  while (!queue_.empty() && report_.events < kEventsMax) {
    const Event event = queue_.top();
    if (event.time_ms > deadline) break;
    queue_.pop();
    now_ms_ = event.time_ms;
    ++report_.events;
    dispatch(event);
    if (!report_.violations.empty()) break;
    // Stop once every correct node is up and at the target (a crashed node must have restarted
    // and caught up).
    if (event.type != EventType::kTimer && all_correct_at_target()) {
      reached = true;
      break;
    }
  }
  report_.end_time_ms = now_ms_;
  std::vector<std::pair<NodeIndex, Height>> heights;
  Height lowest = options_.target_blocks;
  for (auto& node : nodes_) {
    report_.heights.push_back(node->chain_.size());
    if (node->byzantine_) continue;
    heights.emplace_back(node->index_, node->up_ ? node->chain_.size() : 0);
    lowest = std::min<Height>(lowest, node->chain_.size());
    collect_stats(*node);
  }
  if (!reached && report_.violations.empty()) liveness_.on_end(heights, now_ms_, report_.violations);
  report_.blocks_committed = lowest;
  report_.last_commit_ms = reached ? now_ms_ : 0;
  // Transactions in the blocks every correct node has.
  for (const auto& node : nodes_) {
    if (!node->byzantine_ && lowest > 0) {
      report_.transactions_committed = node->tx_end_[lowest - 1];
      break;
    }
  }
  if (now_ms_ > 0) {
    report_.blocks_per_s = static_cast<double>(lowest) * 1000.0 / static_cast<double>(now_ms_);
    report_.transactions_per_s =
        static_cast<double>(report_.transactions_committed) * 1000.0 / static_cast<double>(now_ms_);
  }
  if (lowest > 0) {
    report_.messages_per_block = static_cast<double>(report_.messages_sent) / static_cast<double>(lowest);
    report_.bytes_per_block = static_cast<double>(report_.bytes_sent) / static_cast<double>(lowest);
  }
  if (!latencies_ms_.empty()) {
    auto percentile = [&](std::size_t per_cent) {
      const std::size_t index = (latencies_ms_.size() - 1) * per_cent / 100;
      std::nth_element(latencies_ms_.begin(), latencies_ms_.begin() + static_cast<std::ptrdiff_t>(index),
                       latencies_ms_.end());
      return latencies_ms_[index];
    };
    report_.latency_ms_p50 = percentile(50);
    report_.latency_ms_p99 = percentile(99);
  }
  return std::move(report_);
}

}  // namespace trestle::consensus::sim
