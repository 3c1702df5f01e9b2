// Raft message handling, driven by hand (harness.hpp).

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "raft_messages.hpp"
#include "trestle/consensus/raft.hpp"

using namespace trestle;
using namespace trestle::consensus;
using namespace trestle::consensus::test;

namespace {

Cluster make_raft_cluster(std::uint32_t n) {
  return Cluster(n, [](Host& host, NodeIndex node) {
    RaftOptions options;
    options.random_seed = 100 + node;
    return make_raft_engine(options, host);
  });
}

void fire_election(Cluster& cluster, NodeIndex node) {
  // Timer 1 is the election timer; the test fires it by hand.
  cluster.engines[node]->on_timer(1);
}

// Followers learn the commit index from the leader's next append; timer 2 is its heartbeat.
void heartbeat(Cluster& cluster, NodeIndex leader) {
  REQUIRE(cluster.hosts[leader]->timers.count(2) == 1);
  cluster.engines[leader]->on_timer(2);
  cluster.settle();
}

}  // namespace

TEST_CASE("raft: election timeouts are drawn from the configured range", "[consensus][raft]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  for (const auto& host : cluster.hosts) {
    REQUIRE(host->timers.count(1) == 1);
    CHECK(host->timers.at(1) >= 300);
    CHECK(host->timers.at(1) < 600);
  }
}

TEST_CASE("raft: a candidate wins a majority, replicates a block and commits it", "[consensus][raft]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  fire_election(cluster, 0);
  cluster.settle();
  CHECK(cluster.hosts[0]->chain.size() == 1);
  CHECK(cluster.hosts[1]->chain.empty());
  heartbeat(cluster, 0);
  for (const auto& host : cluster.hosts) {
    REQUIRE(host->chain.size() == 1);
    const CommittedBlock& block = host->chain[0];
    CHECK(block.proposal == cluster.hosts[0]->chain[0].proposal);
    CHECK(block.certificate.round == 1);  // the term
    REQUIRE(block.certificate.votes.size() == 1);
    CHECK(block.certificate.votes[0].sealer_index == 0);
    CHECK(cluster.keys.verify(0, commit_vote_message(1, 1, block.proposal.hash), block.certificate.votes[0].signature));
  }
  CHECK(cluster.engines[0]->stats().rounds_started == 1);
}

TEST_CASE("raft: a vote survives a restart, so a node never votes twice in a term", "[consensus][raft][persistence]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  raft::RequestVote from_one{1, 1, 0, 0};
  cluster.engines[0]->on_message(1, raft::encode(from_one));
  REQUIRE(cluster.hosts[0]->outbox.size() == 1);
  auto reply = raft::decode(cluster.hosts[0]->outbox[0].bytes, 3);
  REQUIRE(reply.ok());
  CHECK(std::get<raft::VoteReply>(*reply).granted);
  CHECK(cluster.hosts[0]->syncs >= 1);

  cluster.restart(0);
  cluster.hosts[0]->outbox.clear();
  raft::RequestVote from_two{2, 1, 0, 0};
  cluster.engines[0]->on_message(2, raft::encode(from_two));
  REQUIRE(cluster.hosts[0]->outbox.size() == 1);
  reply = raft::decode(cluster.hosts[0]->outbox[0].bytes, 3);
  REQUIRE(reply.ok());
  CHECK_FALSE(std::get<raft::VoteReply>(*reply).granted);
}

TEST_CASE("raft: a vote goes only to a candidate whose log is at least as up to date", "[consensus][raft]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  fire_election(cluster, 0);
  cluster.settle();
  heartbeat(cluster, 0);
  REQUIRE(cluster.hosts[1]->chain.size() == 1);
  // Node 2 never heard of the block and asks for votes in a later term.
  raft::RequestVote stale{2, 5, 0, 0};
  cluster.hosts[1]->outbox.clear();
  cluster.engines[1]->on_message(2, raft::encode(stale));
  auto reply = raft::decode(cluster.hosts[1]->outbox.back().bytes, 3);
  REQUIRE(reply.ok());
  CHECK_FALSE(std::get<raft::VoteReply>(*reply).granted);
  CHECK(std::get<raft::VoteReply>(*reply).term == 5);
}

TEST_CASE("raft: appends from a stale term are refused", "[consensus][raft]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  cluster.engines[1]->on_message(2, raft::encode(raft::RequestVote{2, 4, 0, 0}));
  cluster.hosts[1]->outbox.clear();
  raft::AppendEntries old{0, 3, 0, 0, {}, 0, {}};
  old.entries.push_back(raft::Entry{3, cluster.hosts[0]->make_block()});
  cluster.engines[1]->on_message(0, raft::encode(old));
  auto reply = raft::decode(cluster.hosts[1]->outbox.back().bytes, 3);
  REQUIRE(reply.ok());
  CHECK_FALSE(std::get<raft::AppendReply>(*reply).success);
  CHECK(std::get<raft::AppendReply>(*reply).term == 4);
  CHECK(cluster.engines[1]->stats().dropped_stale == 1);
}

TEST_CASE("raft: malformed and forged messages are dropped and counted", "[consensus][raft][malformed]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  raft::AppendEntries append{0, 1, 0, 0, {}, 0, {}};
  append.entries.push_back(raft::Entry{1, cluster.hosts[0]->make_block()});
  const Bytes bytes = raft::encode(append);
  Engine& target = *cluster.engines[1];
  for (std::size_t length = 0; length < bytes.size(); ++length) target.on_message(0, ByteView(bytes).first(length));
  CHECK(target.stats().dropped_malformed == bytes.size());
  target.on_message(2, bytes);  // claims node 0, arrives from node 2
  CHECK(target.stats().dropped_bad_signature == 1);
  // Entry heights that do not follow prev_index, and terms past the limit.
  raft::AppendEntries gap = append;
  gap.prev_index = 5;
  CHECK_FALSE(raft::decode(raft::encode(gap), 3).ok());
  raft::RequestVote huge{0, raft::kTermMax, 0, 0};
  CHECK_FALSE(raft::decode(raft::encode(huge), 3).ok());
  CHECK_FALSE(raft::decode(raft::encode(raft::VoteReply{3, 1, true}), 3).ok());
  CHECK(cluster.hosts[1]->chain.empty());
}

TEST_CASE("raft: a deposed leader stands for election again even when it refuses the candidate",
          "[consensus][raft][regression]") {
  Cluster cluster = make_raft_cluster(3);
  cluster.start();
  fire_election(cluster, 0);
  cluster.settle();
  REQUIRE(cluster.hosts[0]->chain.size() == 1);
  REQUIRE(cluster.hosts[0]->timers.count(1) == 0);  // a leader has no election timer
  // Node 2, with an empty log, asks for votes in a later term: node 0 steps down and refuses.
  cluster.engines[0]->on_message(2, raft::encode(raft::RequestVote{2, 9, 0, 0}));
  auto reply = raft::decode(cluster.hosts[0]->outbox.back().bytes, 3);
  REQUIRE(reply.ok());
  CHECK_FALSE(std::get<raft::VoteReply>(*reply).granted);
  CHECK(cluster.hosts[0]->timers.count(1) == 1);
  CHECK(cluster.hosts[0]->timers.count(2) == 0);  // no more heartbeats
}
