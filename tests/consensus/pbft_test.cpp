// PBFT message handling, driven by hand (harness.hpp).

#include <catch2/catch.hpp>

#include "harness.hpp"
#include "pbft_engine.hpp"
#include "pbft_messages.hpp"
#include "trestle/consensus/pbft.hpp"

using namespace trestle;
using namespace trestle::consensus;
using namespace trestle::consensus::test;

namespace {

Cluster make_cluster(std::uint32_t n, PbftOptions options = {}) {
  return Cluster(n, [options](Host& host, NodeIndex) { return make_pbft_engine(options, host); });
}

// The first message of `type` that `node` sent.
std::optional<Sent> first_sent(const TestHost& host, pbft::MessageType type) {
  for (const Sent& sent : host.outbox) {
    if (!sent.bytes.empty() && sent.bytes[0] == static_cast<std::uint8_t>(type)) return sent;
  }
  return std::nullopt;
}

bool certificate_valid(const Cluster& cluster, const CommittedBlock& block, std::uint32_t quorum) {
  const CommitCertificate& certificate = block.certificate;
  if (certificate.height != block.proposal.height || certificate.block_hash != block.proposal.hash) return false;
  if (certificate.votes.size() < quorum) return false;
  const Bytes message = commit_vote_message(certificate.height, certificate.round, certificate.block_hash);
  for (const CommitVote& vote : certificate.votes) {
    if (!cluster.keys.verify(vote.sealer_index, message, vote.signature)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("pbft: four sealers commit a block with a 2f+1 certificate in view 0", "[consensus][pbft]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  // The primary of (height 1, view 0) is (1 + 0) mod 4.
  REQUIRE(cluster.hosts[1]->proposal_requests == std::vector<Height>{1});
  for (NodeIndex i : {0u, 2u, 3u}) CHECK(cluster.hosts[i]->proposal_requests.empty());
  cluster.settle();
  for (const auto& host : cluster.hosts) {
    REQUIRE(host->chain.size() == 1);
    CHECK(host->chain[0].proposal == cluster.hosts[0]->chain[0].proposal);
    CHECK(host->chain[0].certificate.round == 0);
    CHECK(certificate_valid(cluster, host->chain[0], 3));
  }
  // And it goes on: height 2 has primary 2.
  CHECK(cluster.hosts[2]->proposal_requests == std::vector<Height>{2});
  cluster.max_height = 5;
  cluster.settle();
  for (const auto& host : cluster.hosts) CHECK(host->chain.size() == 5);
  for (const auto& engine : cluster.engines) {
    CHECK(engine->stats().dropped_malformed == 0);
    CHECK(engine->stats().dropped_bad_signature == 0);
    CHECK(engine->stats().rounds_started == 0);
  }
}

TEST_CASE("pbft: a node syncs its vote state before it sends a prepare", "[consensus][pbft][persistence]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  const Proposal block = cluster.hosts[1]->make_block();
  pbft::PrePrepare message{1, 1, 0, block.hash, block.payload, {}};
  message.signature = cluster.keys.sign(1, pbft::pre_prepare_signed(1, 0, block.hash));
  TestHost& replica = *cluster.hosts[2];
  replica.outbox.clear();
  cluster.engines[2]->on_message(1, pbft::encode_pre_prepare(message));
  CHECK(replica.syncs == 0);
  CHECK(replica.outbox.empty());
  cluster.engines[2]->on_validation(1, block.hash, true);
  REQUIRE(first_sent(replica, pbft::MessageType::kPrepare));
  CHECK(replica.syncs == 1);
  CHECK(replica.synced == replica.stored);
}

TEST_CASE("pbft: a message whose claimed sender is not its transport peer is dropped and counted",
          "[consensus][pbft][regression]") {
  Cluster fresh = make_cluster(4);
  fresh.start();
  Engine& primary = *fresh.engines[1];
  primary.on_proposal(fresh.hosts[1]->make_block());
  auto pre_prepare = first_sent(*fresh.hosts[1], pbft::MessageType::kPrePrepare);
  REQUIRE(pre_prepare);
  Engine& target = *fresh.engines[0];
  const auto before = target.stats();
  // Node 3 relays node 1's pre-prepare as its own: the signature is node 1's, the peer is 3.
  target.on_message(3, pre_prepare->bytes);
  CHECK(target.stats().dropped_bad_signature == before.dropped_bad_signature + 1);
  CHECK(fresh.hosts[0]->validations.empty());

  // A message that names node 1 as sender but is signed by node 3 (all a Byzantine node can do).
  auto decoded = pbft::decode_message(pre_prepare->bytes, 4);
  REQUIRE(decoded.ok());
  auto forged = std::get<pbft::PrePrepare>(decoded->body);
  forged.signature = fresh.keys.sign(3, pbft::pre_prepare_signed(forged.height, 0, forged.hash));
  target.on_message(1, pbft::encode_pre_prepare(forged));
  CHECK(target.stats().dropped_bad_signature == before.dropped_bad_signature + 2);
  CHECK(fresh.hosts[0]->validations.empty());

  // The genuine one is accepted.
  target.on_message(1, pre_prepare->bytes);
  CHECK(fresh.hosts[0]->validations.size() == 1);
}

TEST_CASE("pbft: every truncation and bit flip of a message is dropped, never trusted",
          "[consensus][pbft][malformed]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  cluster.engines[1]->on_proposal(cluster.hosts[1]->make_block());
  auto pre_prepare = first_sent(*cluster.hosts[1], pbft::MessageType::kPrePrepare);
  REQUIRE(pre_prepare);
  Engine& target = *cluster.engines[0];
  const Bytes& bytes = pre_prepare->bytes;
  std::uint64_t expected = 0;
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    target.on_message(1, ByteView(bytes).first(length));
    ++expected;
  }
  CHECK(target.stats().dropped_malformed + target.stats().dropped_bad_signature == expected);
  Bytes trailing = bytes;
  trailing.push_back(0);
  target.on_message(1, trailing);
  CHECK(target.stats().dropped_malformed + target.stats().dropped_bad_signature == expected + 1);
  // A flipped bit anywhere either breaks the encoding, the signature, or the sender; it may only
  // pass if it lands in the unsigned payload, which the host's validation then rejects.
  for (std::size_t bit = 0; bit < bytes.size() * 8; bit += 3) {
    Bytes flipped = bytes;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    target.on_message(1, flipped);
  }
  for (const Proposal& proposal : cluster.hosts[0]->validations) {
    const bool genuine = proposal.payload == cluster.hosts[1]->make_block().payload;
    const bool rejected = !sim::validate_block(proposal, Cluster::tip(*cluster.hosts[0]), sim::TxClock(1000), 0, 1000);
    CHECK((genuine || rejected));
  }
  CHECK(target.stats().dropped_malformed > 0);
  CHECK(cluster.hosts[0]->chain.empty());
}

TEST_CASE("pbft: message decoding rejects out-of-range values", "[consensus][pbft][malformed]") {
  pbft::VoteMessage vote{1, 5, 2, Hash256{}, Bytes(16, 7)};
  Bytes encoded = pbft::encode_vote(pbft::MessageType::kPrepare, vote);
  REQUIRE(pbft::decode_message(encoded, 4).ok());
  CHECK_FALSE(pbft::decode_message(encoded, 1).ok());  // sender 1 outside a set of one
  vote.view = pbft::kViewMax;
  CHECK_FALSE(pbft::decode_message(pbft::encode_vote(pbft::MessageType::kPrepare, vote), 4).ok());
  vote.view = 2;
  vote.signature = Bytes(kSignatureMaxBytes + 1, 1);
  CHECK_FALSE(pbft::decode_message(pbft::encode_vote(pbft::MessageType::kCommit, vote), 4).ok());
  Bytes unknown = encoded;
  unknown[0] = 99;
  CHECK_FALSE(pbft::decode_message(unknown, 4).ok());
  CHECK_FALSE(pbft::decode_message(Bytes{}, 4).ok());

  // A prepared certificate must be from an earlier view than the view-change announces.
  pbft::ViewChange change{0, 1, 3, pbft::PreparedCertificate{3, Hash256{}, {}}, Bytes(16, 1), {}};
  CHECK_FALSE(pbft::decode_message(pbft::encode_view_change(change), 4).ok());
  change.prepared->view = 2;
  CHECK(pbft::decode_message(pbft::encode_view_change(change), 4).ok());
  // Prepare senders strictly increasing.
  change.prepared->prepares = {pbft::Vote{2, Bytes(16, 1)}, pbft::Vote{1, Bytes(16, 1)}};
  CHECK_FALSE(pbft::decode_message(pbft::encode_view_change(change), 4).ok());
}

TEST_CASE("pbft: a huge view number from a Byzantine sealer causes no view change and no overflow",
          "[consensus][pbft][regression]") {
  Cluster cluster = make_cluster(7);
  cluster.start();
  Engine& target = *cluster.engines[0];
  // Validly signed view-changes from f = 2 faulty sealers, announcing views near the maximum.
  for (NodeIndex byzantine : {5u, 6u}) {
    for (std::uint64_t view : {pbft::kViewMax - 1, pbft::kViewMax - 2, std::uint64_t{1'000'000}}) {
      pbft::ViewChange change{byzantine, 1, view, std::nullopt, {}, {}};
      change.signature = cluster.keys.sign(byzantine, pbft::view_change_signed(change));
      target.on_message(byzantine, pbft::encode_view_change(change));
    }
    // And one past the maximum (malformed: the decoder refuses it).
    pbft::ViewChange change{byzantine, 1, pbft::kViewMax - 1, std::nullopt, {}, {}};
    change.signature = cluster.keys.sign(byzantine, pbft::view_change_signed(change));
    Bytes bytes = pbft::encode_view_change(change);
    for (std::size_t i = 13; i < 21; ++i) bytes[i] = 0xff;
    target.on_message(byzantine, bytes);
  }
  CHECK(target.stats().rounds_started == 0);
  CHECK(target.stats().dropped_malformed == 8);
  for (const Sent& sent : cluster.hosts[0]->outbox) {
    CHECK(sent.bytes[0] != static_cast<std::uint8_t>(pbft::MessageType::kViewChange));
  }
  // Even f + 1 = 3 sealers in a modest view ahead move it; 2 do not.
  for (NodeIndex sender : {4u, 5u}) {
    pbft::ViewChange change{sender, 1, 5, std::nullopt, {}, {}};
    change.signature = cluster.keys.sign(sender, pbft::view_change_signed(change));
    target.on_message(sender, pbft::encode_view_change(change));
  }
  CHECK(target.stats().rounds_started == 0);
  pbft::ViewChange change{6, 1, 5, std::nullopt, {}, {}};
  change.signature = cluster.keys.sign(6, pbft::view_change_signed(change));
  target.on_message(6, pbft::encode_view_change(change));
  CHECK(target.stats().rounds_started == 1);
  // The rest of the cluster still commits.
  cluster.settle();
  for (NodeIndex i = 1; i < 7; ++i) CHECK(cluster.hosts[i]->chain.size() == 1);
}

TEST_CASE("pbft: view-change timeouts double per view and stop at view_timeout_ms_max",
          "[consensus][pbft][regression]") {
  PbftOptions options;
  options.view_timeout_ms = 500;
  options.view_timeout_ms_max = 4'000;
  Cluster cluster = make_cluster(4, options);
  cluster.start();
  TestHost& host = *cluster.hosts[0];
  for (int i = 0; i < 40; ++i) cluster.engines[0]->on_timer(host.timers.begin()->first);
  std::vector<std::uint64_t> delays;
  for (const auto& [id, delay] : host.timer_history) delays.push_back(delay);
  REQUIRE(delays.size() == 41);
  CHECK(delays[0] == 500);
  CHECK(delays[1] == 1'000);
  CHECK(delays[2] == 2'000);
  CHECK(delays[3] == 4'000);
  for (std::size_t i = 3; i < delays.size(); ++i) CHECK(delays[i] == 4'000);
  CHECK(cluster.engines[0]->stats().rounds_started == 40);
}

TEST_CASE("pbft: a primary whose header does not match its body is voted out at once",
          "[consensus][pbft][regression]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  // Primary 1 signs a pre-prepare naming one block's hash but carrying another block's body.
  const Proposal honest = cluster.hosts[1]->make_block();
  const Proposal other = cluster.hosts[1]->make_block(42);
  pbft::PrePrepare lie{1, 1, 0, other.hash, honest.payload, {}};
  lie.signature = cluster.keys.sign(1, pbft::pre_prepare_signed(1, 0, other.hash));
  cluster.hosts[1]->proposal_requests.clear();
  for (NodeIndex i : {0u, 2u, 3u}) cluster.engines[i]->on_message(1, pbft::encode_pre_prepare(lie));
  cluster.settle();
  // No correct sealer prepared it; all moved to view 1, whose primary (node 2) had height 1
  // committed.
  for (NodeIndex i : {0u, 2u, 3u}) {
    CHECK(cluster.engines[i]->stats().rounds_started >= 1);
    REQUIRE(cluster.hosts[i]->chain.size() == 1);
    CHECK(cluster.hosts[i]->chain[0].proposal.hash != other.hash);
    CHECK(cluster.hosts[i]->chain[0].certificate.round == 1);
  }
}

TEST_CASE("pbft: after a restart a node never prepares a second block in the same view",
          "[consensus][pbft][persistence]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  const Proposal first = cluster.hosts[1]->make_block(1);
  const Proposal second = cluster.hosts[1]->make_block(2);
  auto pre_prepare = [&](const Proposal& proposal) {
    pbft::PrePrepare message{1, 1, 0, proposal.hash, proposal.payload, {}};
    message.signature = cluster.keys.sign(1, pbft::pre_prepare_signed(1, 0, proposal.hash));
    return pbft::encode_pre_prepare(message);
  };
  TestHost& host = *cluster.hosts[0];
  cluster.engines[0]->on_message(1, pre_prepare(first));
  REQUIRE(host.validations.size() == 1);
  cluster.engines[0]->on_validation(1, first.hash, true);
  auto prepare = first_sent(host, pbft::MessageType::kPrepare);
  REQUIRE(prepare);
  REQUIRE(host.synced);

  cluster.restart(0);  // the in-memory state is gone, the synced state is not
  host.outbox.clear();
  host.validations.clear();
  cluster.engines[0]->on_message(1, pre_prepare(second));
  for (const Proposal& proposal : host.validations) cluster.engines[0]->on_validation(1, proposal.hash, true);
  for (const Sent& sent : host.outbox) {
    if (sent.bytes[0] != static_cast<std::uint8_t>(pbft::MessageType::kPrepare)) continue;
    auto decoded = pbft::decode_message(sent.bytes, 4);
    REQUIRE(decoded.ok());
    CHECK(std::get<pbft::VoteMessage>(decoded->body).hash != second.hash);
  }
}

TEST_CASE("pbft: a sealer that missed a block catches up from a peer's certificate", "[consensus][pbft][sync]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  // Node 3 hears nothing while the others commit two blocks.
  auto isolate = [](const Sent& sent, NodeIndex to) { return to == 3 || sent.from == 3; };
  cluster.max_height = 2;  // height 3's primary is node 3
  cluster.settle(100'000, isolate);
  REQUIRE(cluster.hosts[0]->chain.size() == 2);
  CHECK(cluster.hosts[3]->chain.empty());
  // Its view timer fires; the view-change it sends reveals that it is behind.
  cluster.engines[3]->on_timer(cluster.hosts[3]->timers.begin()->first);
  cluster.settle();
  REQUIRE(cluster.hosts[3]->chain.size() == 2);
  for (Height h = 1; h <= 2; ++h) {
    CHECK(cluster.hosts[3]->chain[h - 1].proposal == cluster.hosts[0]->chain[h - 1].proposal);
    CHECK(certificate_valid(cluster, cluster.hosts[3]->chain[h - 1], 3));
  }
  CHECK(cluster.engines[3]->stats().blocks_synced == 2);
}

TEST_CASE("pbft: a forged commit certificate is refused during catch-up", "[consensus][pbft][sync]") {
  Cluster cluster = make_cluster(4);
  cluster.start();
  const Proposal block = cluster.hosts[3]->make_block(9);
  // Only f + 1 = 2 votes, one of them signed by the wrong key.
  CommitCertificate certificate{1, 0, block.hash, {}};
  const Bytes message = commit_vote_message(1, 0, block.hash);
  certificate.votes.push_back(CommitVote{2, cluster.keys.sign(2, message)});
  certificate.votes.push_back(CommitVote{3, cluster.keys.sign(3, message)});
  pbft::Decided decided{3, block, certificate};
  cluster.engines[0]->on_message(3, pbft::encode_decided(decided));
  CHECK(cluster.engines[0]->stats().dropped_bad_signature == 1);
  // Three votes, but node 1's is signed with node 2's key.
  CommitCertificate three{1, 0, block.hash, {}};
  three.votes.push_back(CommitVote{1, cluster.keys.sign(2, message)});
  three.votes.push_back(CommitVote{2, cluster.keys.sign(2, message)});
  three.votes.push_back(CommitVote{3, cluster.keys.sign(3, message)});
  decided.certificate = three;
  cluster.engines[0]->on_message(3, pbft::encode_decided(decided));
  CHECK(cluster.engines[0]->stats().dropped_bad_signature == 2);
  CHECK(cluster.hosts[0]->validations.empty());
  CHECK(cluster.hosts[0]->chain.empty());
}

TEST_CASE("pbft: the vote book keeps each sender's newest votes within its bound", "[consensus][pbft]") {
  pbft::VoteBook book;
  Hash256 hash;
  for (std::uint64_t view = 0; view < pbft::VoteBook::kEntriesPerSenderMax; ++view) {
    CHECK(book.add(view, hash, 1, Bytes{1}));
  }
  CHECK_FALSE(book.add(3, hash, 1, Bytes{1}));  // duplicate
  CHECK(book.add(100, hash, 1, Bytes{1}));      // evicts view 0
  CHECK(book.find(0, hash) == nullptr);
  REQUIRE(book.find(100, hash) != nullptr);
  CHECK(book.find(100, hash)->count(1) == 1);
  CHECK_FALSE(book.add(0, hash, 1, Bytes{1}));  // older than everything kept
  // Other senders have their own bound.
  CHECK(book.add(0, hash, 2, Bytes{2}));
  std::size_t entries = 0;
  for (const auto& [key, voters] : book.all()) entries += voters.size();
  CHECK(entries == pbft::VoteBook::kEntriesPerSenderMax + 1);
}
