// LmdbStore specifics: persistence, the on-disk layout, open errors, schema check, map growth,
// full disk, and corruption found by verify_chain. Raw LMDB is used to inspect and damage files.

#include <lmdb.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <functional>

#include "store_fixtures.hpp"
#include "trestle/core/codec.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/ledger/lmdb_store.hpp"
#include "trestle/ledger/verify.hpp"

using namespace trestle;
using namespace trestle::ledger;
using crypto::CryptoSuite;

namespace {

LmdbOptions options_for(const CryptoSuite& suite) {
  LmdbOptions options;
  options.suite = &suite;
  options.chain_id = test::kChainId;
  return options;
}

std::unique_ptr<LmdbStore> open_store(const std::filesystem::path& dir, const LmdbOptions& options) {
  auto opened = LmdbStore::open(dir, options);
  if (!opened.ok()) FAIL("open failed: " << opened.error().message());
  return std::move(opened).value();
}

void commit_blocks(Store& store, std::size_t count, std::size_t txs_per_block, std::uint64_t& nonce) {
  const auto& suite = store.suite();
  const auto key = test::test_key(suite, 2);
  for (std::size_t b = 0; b < count; ++b) {
    std::vector<Transaction> txs;
    for (std::size_t i = 0; i < txs_per_block; ++i) txs.push_back(test::signed_tx(suite, key, nonce++, 1'000));
    WriteSet writes;
    writes.put("counter", as_bytes("n"), as_bytes(std::to_string(nonce)));
    REQUIRE(test::commit_built(store, test::build_block(suite, store.tip(), txs, writes)).ok());
  }
}

WriteSet big_write(std::size_t height, std::size_t bytes) {
  WriteSet writes;
  writes.put("blobs", as_bytes(std::to_string(height)), Bytes(bytes, static_cast<std::uint8_t>(height)));
  return writes;
}

// Direct access to the store's LMDB environment (the store must be closed).
class RawEnv {
 public:
  explicit RawEnv(const std::filesystem::path& dir) {
    REQUIRE(mdb_env_create(&env_) == 0);
    mdb_env_set_maxdbs(env_, 8);
    REQUIRE(mdb_env_open(env_, dir.c_str(), 0, 0644) == 0);
  }
  ~RawEnv() { mdb_env_close(env_); }
  RawEnv(const RawEnv&) = delete;
  RawEnv& operator=(const RawEnv&) = delete;

  // Runs `fn` in a write transaction on database `name` and commits.
  void write(const char* name, const std::function<void(MDB_txn*, MDB_dbi)>& fn) {
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env_, nullptr, 0, &txn) == 0);
    MDB_dbi dbi;
    REQUIRE(mdb_dbi_open(txn, name, 0, &dbi) == 0);
    fn(txn, dbi);
    REQUIRE(mdb_txn_commit(txn) == 0);
  }
  std::optional<Bytes> get(const char* name, ByteView key) {
    std::optional<Bytes> out;
    write(name, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
      MDB_val v;
      if (mdb_get(txn, dbi, &k, &v) == 0) {
        const auto* data = static_cast<const std::uint8_t*>(v.mv_data);
        out = Bytes(data, data + v.mv_size);
      }
    });
    return out;
  }
  void put(const char* name, ByteView key, ByteView value) {
    write(name, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
      MDB_val v{value.size(), const_cast<std::uint8_t*>(value.data())};
      REQUIRE(mdb_put(txn, dbi, &k, &v, 0) == 0);
    });
  }
  void erase(const char* name, ByteView key) {
    write(name, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_val k{key.size(), const_cast<std::uint8_t*>(key.data())};
      REQUIRE(mdb_del(txn, dbi, &k, nullptr) == 0);
    });
  }
  std::size_t entries(const char* name) {
    std::size_t out = 0;
    write(name, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_stat stat;
      REQUIRE(mdb_stat(txn, dbi, &stat) == 0);
      out = stat.ms_entries;
    });
    return out;
  }
  // Every (key, value) of database `name`, in key order.
  std::vector<std::pair<Bytes, Bytes>> contents(const char* name) {
    std::vector<std::pair<Bytes, Bytes>> out;
    write(name, [&](MDB_txn* txn, MDB_dbi dbi) {
      MDB_cursor* cursor = nullptr;
      REQUIRE(mdb_cursor_open(txn, dbi, &cursor) == 0);
      MDB_val k;
      MDB_val v;
      for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
        const auto* key = static_cast<const std::uint8_t*>(k.mv_data);
        const auto* value = static_cast<const std::uint8_t*>(v.mv_data);
        out.emplace_back(Bytes(key, key + k.mv_size), Bytes(value, value + v.mv_size));
      }
      mdb_cursor_close(cursor);
    });
    return out;
  }

 private:
  MDB_env* env_ = nullptr;
};

Bytes be64(std::uint64_t value) {
  Writer writer;
  writer.u64(value);
  return writer.take();
}

}  // namespace

TEST_CASE("ledger lmdb: a durable store reopens at its last commit with everything in it", "[ledger][lmdb]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  std::uint64_t nonce = 0;
  Hash256 tip_hash;
  {
    auto store = open_store(dir.path(), options_for(suite));
    commit_blocks(*store, 3, 2, nonce);
    tip_hash = store->tip()->block_hash;
  }
  LmdbOptions adopt;  // no suite, no chain id: take the stored ones
  auto store = open_store(dir.path(), adopt);
  REQUIRE(store->tip().has_value());
  CHECK(store->tip()->height == 2);
  CHECK(store->tip()->block_hash == tip_hash);
  CHECK(&store->suite() == &suite);
  CHECK(store->chain_id() == test::kChainId);
  CHECK(store->state_view().value()->get("counter", as_bytes("n")).value() == to_bytes(as_bytes("6")));
  CHECK(verify_chain(*store).value().tx_count == 6);
  commit_blocks(*store, 1, 1, nonce);
  CHECK(store->tip()->height == 3);
}

TEST_CASE("ledger lmdb: the on-disk layout is as documented", "[ledger][lmdb]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::ecdsa();
  std::uint64_t nonce = 0;
  std::vector<Block> blocks;
  {
    auto store = open_store(dir.path(), options_for(suite));
    commit_blocks(*store, 2, 3, nonce);
    for (Height h = 0; h < 2; ++h) blocks.push_back(store->block_at(h).value());
  }
  RawEnv raw(dir.path());
  CHECK(raw.get("meta", as_bytes("schema_version")) == Bytes{0, 0, 0, 2});
  CHECK(raw.get("meta", as_bytes("chain_id")) == to_bytes(as_bytes(test::kChainId)));
  CHECK(raw.get("meta", as_bytes("suite")) == to_bytes(as_bytes("ecdsa")));
  Bytes tip = be64(1);
  append(tip, blocks[1].hash(suite));
  append(tip, blocks[1].header.state_root);
  CHECK(raw.get("meta", as_bytes("tip")) == tip);
  for (Height h = 0; h < 2; ++h) {
    const Block& block = blocks[h];
    CHECK(raw.get("headers", be64(h)) == block.header.encode());
    CHECK(raw.get("hashes", block.hash(suite)) == be64(h));
    // varint count, u32 end offsets, the encodings concatenated.
    Writer body;
    body.varint(block.transactions.size());
    Bytes area;
    for (const auto& tx : block.transactions) {
      append(area, tx.encode());
      body.u32(static_cast<std::uint32_t>(area.size()));
    }
    body.raw(area);
    CHECK(raw.get("bodies", be64(h)) == body.data());
    for (std::uint32_t i = 0; i < block.transactions.size(); ++i) {
      Writer location;
      location.u64(h).u32(i);
      CHECK(raw.get("tx_index", block.transactions[i].hash(suite)) == location.data());
    }
  }
  CHECK(raw.entries("receipts") == 2);
  CHECK(raw.entries("tx_index") == 6);
  Bytes state_key = {7};
  append(state_key, as_bytes("counter"));
  append(state_key, as_bytes("n"));
  CHECK(raw.get("state", state_key) == to_bytes(as_bytes("6")));
}

TEST_CASE("ledger lmdb: open errors name the problem", "[ledger][lmdb]") {
  test::TempDir dir;
  const auto& sm = CryptoSuite::sm();
  LmdbOptions no_create = options_for(sm);
  no_create.create_if_missing = false;
  CHECK(LmdbStore::open(dir.path() / "missing", no_create).error().code() == ErrorCode::kNotFound);
  LmdbOptions read_only = options_for(sm);
  read_only.read_only = true;
  CHECK(LmdbStore::open(dir.path() / "missing", read_only).error().code() == ErrorCode::kNotFound);
  CHECK(LmdbStore::open(dir.path() / "anonymous", LmdbOptions()).error().code() == ErrorCode::kInvalidArgument);
  LmdbOptions huge_keys = options_for(sm);
  huge_keys.limits.state_key_max_bytes = 4096;
  CHECK(LmdbStore::open(dir.path() / "keys", huge_keys).error().code() == ErrorCode::kInvalidArgument);
  LmdbOptions inverted = options_for(sm);
  inverted.map_size_max_bytes = inverted.map_size_initial_bytes - 1;
  CHECK(LmdbStore::open(dir.path() / "sizes", inverted).error().code() == ErrorCode::kInvalidArgument);

  const auto path = dir.path() / "store";
  { open_store(path, options_for(sm)); }
  auto other_suite = LmdbStore::open(path, options_for(CryptoSuite::ecdsa()));
  REQUIRE_FALSE(other_suite.ok());
  CHECK(other_suite.error().code() == ErrorCode::kInvalidArgument);
  CHECK(other_suite.error().message().find("suite sm") != std::string::npos);
  LmdbOptions other_chain = options_for(sm);
  other_chain.chain_id = "chain9";
  auto wrong_chain = LmdbStore::open(path, other_chain);
  REQUIRE_FALSE(wrong_chain.ok());
  CHECK(wrong_chain.error().code() == ErrorCode::kInvalidArgument);
  CHECK(wrong_chain.error().message().find("chain0") != std::string::npos);

  for (std::uint8_t version : {std::uint8_t{1}, std::uint8_t{3}}) {
    RawEnv(path).put("meta", as_bytes("schema_version"), Bytes{0, 0, 0, version});
    auto other = LmdbStore::open(path, options_for(sm));
    REQUIRE_FALSE(other.ok());
    CHECK(other.error().code() == ErrorCode::kUnsupported);
    CHECK(other.error().message().find("schema version " + std::to_string(version)) != std::string::npos);
  }
}

TEST_CASE("ledger lmdb: a read-only store reads and refuses commits", "[ledger][lmdb]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  std::uint64_t nonce = 0;
  { commit_blocks(*open_store(dir.path(), options_for(suite)), 2, 1, nonce); }
  LmdbOptions read_only;
  read_only.read_only = true;
  auto store = open_store(dir.path(), read_only);
  CHECK(store->tip()->height == 1);
  auto report = verify_chain(*store);
  INFO((report.ok() ? std::string() : report.error().message()));
  CHECK(report.ok());
  const auto built = test::build_block(suite, store->tip(), {});
  CHECK(test::commit_built(*store, built).error().code() == ErrorCode::kUnsupported);
}

TEST_CASE("ledger lmdb: the map grows on demand and the data survives", "[ledger][lmdb][growth]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::ecdsa();
  LmdbOptions options = options_for(suite);
  options.sync = false;
  options.map_size_initial_bytes = 1u << 20;
  constexpr std::size_t kBlocks = 24;
  constexpr std::size_t kValueBytes = 256u << 10;  // 6 MiB in all, six times the first map
  {
    auto store = open_store(dir.path(), options);
    const std::uint64_t initial = store->map_size_bytes();
    for (std::size_t h = 0; h < kBlocks; ++h) {
      const auto built = test::build_block(suite, store->tip(), {}, big_write(h, kValueBytes));
      auto status = test::commit_built(*store, built);
      INFO("block " << h);
      REQUIRE(status.ok());
    }
    CHECK(store->map_size_bytes() >= 4 * initial);
  }
  auto store = open_store(dir.path(), options);
  CHECK(store->tip()->height == kBlocks - 1);
  auto view = store->state_view().value();
  for (std::size_t h = 0; h < kBlocks; ++h) {
    CHECK(view->get("blobs", as_bytes(std::to_string(h))).value() == Bytes(kValueBytes, static_cast<std::uint8_t>(h)));
  }
  CHECK(verify_chain(*store).ok());
}

TEST_CASE("ledger lmdb: reaching the map maximum fails cleanly and a larger maximum continues",
          "[ledger][lmdb][growth]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  LmdbOptions options = options_for(suite);
  options.sync = false;
  options.map_size_initial_bytes = 1u << 20;
  options.map_size_max_bytes = 2u << 20;
  std::optional<ChainTip> last_good;
  test::BuiltBlock refused;
  {
    auto store = open_store(dir.path(), options);
    for (std::size_t h = 0;; ++h) {
      REQUIRE(h < 64);
      refused = test::build_block(suite, store->tip(), {}, big_write(h, 200u << 10));
      auto status = test::commit_built(*store, refused);
      if (!status.ok()) {
        CHECK(status.error().code() == ErrorCode::kLimitExceeded);
        CHECK(status.error().message().find("map_size_max_bytes") != std::string::npos);
        break;
      }
    }
    last_good = store->tip();
    REQUIRE(last_good.has_value());
    CHECK(store->map_size_bytes() == options.map_size_max_bytes);
    CHECK(store->header_at(last_good->height + 1).error().code() == ErrorCode::kNotFound);
    CHECK(verify_chain(*store).ok());
  }
  options.map_size_max_bytes = 64u << 20;
  auto store = open_store(dir.path(), options);
  CHECK(store->tip() == last_good);
  REQUIRE(test::commit_built(*store, refused).ok());
  CHECK(verify_chain(*store).value().tip_height == last_good->height + 1);
}

TEST_CASE("ledger lmdb: growing waits for open state views", "[ledger][lmdb][growth]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  LmdbOptions options = options_for(suite);
  options.sync = false;
  options.map_size_initial_bytes = 1u << 20;
  options.resize_wait_ms = 50;
  auto store = open_store(dir.path(), options);
  REQUIRE(test::commit_built(*store, test::build_block(suite, store->tip(), {})).ok());
  const auto big = test::build_block(suite, store->tip(), {}, big_write(1, 2u << 20));
  {
    auto view = store->state_view().value();
    auto status = test::commit_built(*store, big);
    REQUIRE_FALSE(status.ok());
    CHECK(status.error().code() == ErrorCode::kLimitExceeded);
    CHECK(status.error().message().find("state views") != std::string::npos);
    CHECK(store->tip()->height == 0);
  }
  REQUIRE(test::commit_built(*store, big).ok());
  CHECK(store->tip()->height == 1);
}

TEST_CASE("ledger lmdb: a full disk fails the commit with kIo and keeps the store consistent", "[ledger][lmdb][disk]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  LmdbOptions options = options_for(suite);
  options.map_size_initial_bytes = 16u << 20;
  std::uint64_t nonce = 0;
  auto store = open_store(dir.path(), options);
  commit_blocks(*store, 2, 1, nonce);
  const ChainTip before = store->tip().value();
  const auto big = test::build_block(suite, before, {}, big_write(2, 1u << 20));

  // Simulate a full disk: the process may not grow any file beyond its current data file size.
  const auto file_size = std::filesystem::file_size(dir.path() / "data.mdb");
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
  auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit limited = saved;
  limited.rlim_cur = static_cast<rlim_t>(file_size + 4096);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
  auto status = test::commit_built(*store, big);
  REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
  std::signal(SIGXFSZ, previous_handler);

  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code() == ErrorCode::kIo);
  CHECK(status.error().message().find("remains at height 1") != std::string::npos);
  CHECK(store->tip().value() == before);
  CHECK(verify_chain(*store).ok());
  // With room again the same block commits, and a reopened store agrees.
  REQUIRE(test::commit_built(*store, big).ok());
  store.reset();
  store = open_store(dir.path(), options);
  CHECK(store->tip()->height == 2);
  CHECK(verify_chain(*store).ok());
}

TEST_CASE("ledger lmdb: verify_chain reports the first inconsistency", "[ledger][lmdb][verify]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::ecdsa();
  std::uint64_t nonce = 0;
  std::vector<Block> blocks;
  {
    auto store = open_store(dir.path(), options_for(suite));
    commit_blocks(*store, 4, 2, nonce);
    for (Height h = 0; h < 4; ++h) blocks.push_back(store->block_at(h).value());
    REQUIRE(verify_chain(*store).ok());
  }
  auto verify_error = [&]() {
    auto store = open_store(dir.path(), LmdbOptions());
    auto report = verify_chain(*store);
    REQUIRE_FALSE(report.ok());
    return report.error();
  };

  SECTION("a body swapped with another block's") {
    RawEnv raw(dir.path());
    raw.put("bodies", be64(2), raw.get("bodies", be64(1)).value());
  }
  SECTION("a missing tx index entry") { RawEnv(dir.path()).erase("tx_index", blocks[2].transactions[1].hash(suite)); }
  SECTION("a header that does not decode") { RawEnv(dir.path()).put("headers", be64(2), Bytes{0x01, 0x02}); }
  SECTION("a broken hash link") {
    BlockHeader header = blocks[2].header;
    header.parent_hash[0] ^= 1;
    RawEnv raw(dir.path());
    raw.put("headers", be64(2), header.encode());
  }
  SECTION("a receipt list that does not decode") { RawEnv(dir.path()).put("receipts", be64(2), Bytes{0x02, 0x00}); }
  const Error error = verify_error();
  CHECK(error.code() == ErrorCode::kCorrupt);
  CHECK(error.message().rfind("height 2: ", 0) == 0);
}

TEST_CASE("ledger lmdb: verify_chain finds a header stored past the tip", "[ledger][lmdb][verify]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  std::uint64_t nonce = 0;
  Bytes header;
  {
    auto store = open_store(dir.path(), options_for(suite));
    commit_blocks(*store, 2, 0, nonce);
    header = store->header_at(1).value().encode();
  }
  RawEnv(dir.path()).put("headers", be64(2), header);
  auto store = open_store(dir.path(), LmdbOptions());
  auto report = verify_chain(*store);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().message().find("past the tip") != std::string::npos);
  // And a commit over that garbage does not silently overwrite it.
  const auto built = test::build_block(suite, store->tip(), {});
  auto status = test::commit_built(*store, built);
  REQUIRE_FALSE(status.ok());
  CHECK(status.error().code() == ErrorCode::kCorrupt);
}

TEST_CASE("ledger lmdb: verify_roots = false trusts the header's roots but nothing else", "[ledger][lmdb][verify]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::ecdsa();
  LmdbOptions options = options_for(suite);
  options.sync = false;
  options.verify_roots = false;
  auto store = open_store(dir.path(), options);
  const auto key = test::test_key(suite, 1);
  auto built = test::build_block(suite, store->tip(), {test::signed_tx(suite, key, 1, 10)});
  built.block.header.state_root[0] ^= 1;  // trusted: becomes the tip's state root
  REQUIRE(test::commit_built(*store, built).ok());
  CHECK(store->tip()->state_root == built.block.header.state_root);

  auto next = test::build_block(suite, store->tip(), {test::signed_tx(suite, key, 2, 10)});
  auto wrong_receipt = next;
  wrong_receipt.receipts[0].tx_hash[0] ^= 1;
  CHECK(test::commit_built(*store, wrong_receipt).error().code() == ErrorCode::kInvalidArgument);
  next.block.header.tx_root[0] ^= 1;
  REQUIRE(test::commit_built(*store, next).ok());
  // The offline check still recomputes the tx root.
  auto report = verify_chain(*store);
  REQUIRE_FALSE(report.ok());
  CHECK(report.error().message().find("height 1: tx_root mismatch") == 0);
}

TEST_CASE("ledger lmdb: point reads by hash report damaged bodies and receipts as kCorrupt", "[ledger][lmdb]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::sm();
  std::uint64_t nonce = 0;
  Hash256 first;
  Hash256 second;
  {
    auto store = open_store(dir.path(), options_for(suite));
    commit_blocks(*store, 2, 2, nonce);
    first = store->transactions_at(0).value()[1].hash(suite);
    second = store->transactions_at(1).value()[0].hash(suite);
    // One read transaction serves both lookups; the answers are those of the separate reads.
    CHECK(store->transaction(first).value() == store->transaction_at(0, 1).value());
    CHECK(store->receipt(first).value() == store->receipt_at(0, 1).value());
    CHECK(store->transaction_at(0, 2).error().code() == ErrorCode::kNotFound);
    CHECK(store->receipt_at(0, 2).error().code() == ErrorCode::kNotFound);
    CHECK(store->transaction(Hash256()).error().code() == ErrorCode::kNotFound);
  }
  {
    RawEnv raw(dir.path());
    // Two items: 0xff (not a transaction) and an empty one.
    raw.put("bodies", be64(0), Bytes{0x02, 0, 0, 0, 1, 0, 0, 0, 1, 0xff});
    raw.put("receipts", be64(1), Bytes{0x05});  // five items, no offsets
  }
  auto store = open_store(dir.path(), options_for(suite));
  auto tx = store->transaction(first);
  REQUIRE_FALSE(tx.ok());
  CHECK(tx.error().code() == ErrorCode::kCorrupt);
  CHECK(tx.error().message().find("the body at height 0") != std::string::npos);
  CHECK(store->transaction_at(0, 0).error().code() == ErrorCode::kCorrupt);
  CHECK(store->receipt(second).error().code() == ErrorCode::kCorrupt);
  CHECK(store->receipt_at(1, 0).error().code() == ErrorCode::kCorrupt);
  CHECK(store->transaction(second).ok());
}

TEST_CASE("ledger lmdb: malformed storage lists never decode, whole or item by item", "[ledger][lmdb][malformed]") {
  test::TempDir dir;
  const auto& suite = CryptoSuite::ecdsa();
  std::uint64_t nonce = 0;
  Bytes good;
  {
    auto store = open_store(dir.path(), options_for(suite));
    commit_blocks(*store, 1, 3, nonce);
  }
  good = RawEnv(dir.path()).get("bodies", be64(0)).value();
  const std::size_t area_at = 1 + 3 * 4;
  REQUIRE(good.size() > area_at);
  const std::uint32_t first_end =
      (std::uint32_t{good[1]} << 24) | (std::uint32_t{good[2]} << 16) | (std::uint32_t{good[3]} << 8) | good[4];

  struct Case {
    const char* what;
    Bytes body;
    bool item1_fails;  // whether reading item 1 alone must fail too
  };
  std::vector<Case> cases;
  Bytes trailing = good;
  trailing.push_back(0);
  cases.push_back({"a byte after the last item", trailing, false});
  Bytes decreasing = good;
  decreasing[5] = 0;  // end(1) < end(0)
  decreasing[6] = 0;
  decreasing[7] = 0;
  decreasing[8] = 1;
  cases.push_back({"decreasing offsets", decreasing, true});
  Bytes beyond = good;
  beyond[9] = 0x7f;  // end(2) far past the area
  cases.push_back({"an offset past the area", beyond, false});
  cases.push_back({"a truncated offset table", Bytes(good.begin(), good.begin() + 6), true});
  cases.push_back({"a count past the block limit", Bytes{0xff, 0xff, 0x03}, true});
  Bytes shifted = good;  // item 0 one byte longer, item 1 one shorter
  for (std::size_t i = 0; i < 4; ++i) {
    shifted[1 + i] = static_cast<std::uint8_t>((first_end + 1) >> (24 - 8 * i));
  }
  cases.push_back({"an offset off by one", shifted, true});

  for (const Case& c : cases) {
    INFO(c.what);
    RawEnv(dir.path()).put("bodies", be64(0), c.body);
    auto store = open_store(dir.path(), options_for(suite));
    CHECK(store->transactions_at(0).error().code() == ErrorCode::kCorrupt);
    auto item = store->transaction_at(0, 1);
    if (c.item1_fails) {
      REQUIRE_FALSE(item.ok());
      CHECK(item.error().code() == ErrorCode::kCorrupt);
    }
    auto report = verify_chain(*store);
    REQUIRE_FALSE(report.ok());
    CHECK(report.error().code() == ErrorCode::kCorrupt);
  }
}

TEST_CASE("ledger lmdb: hashing on commit workers checks and stores exactly what one thread does",
          "[ledger][lmdb][threads]") {
  const auto& suite = CryptoSuite::sm();
  test::TempDir serial_dir;
  test::TempDir parallel_dir;
  LmdbOptions options = options_for(suite);
  options.sync = false;
  auto serial = open_store(serial_dir.path(), options);
  options.commit_hash_thread_count = 3;
  auto parallel = open_store(parallel_dir.path(), options);
  const auto key = test::test_key(suite, 1);
  std::uint64_t nonce = 0;
  // 150 transactions: more than two hashing chunks, the last one partial.
  for (int b = 0; b < 3; ++b) {
    std::vector<Transaction> txs;
    for (int i = 0; i < 150; ++i) txs.push_back(test::signed_tx(suite, key, nonce++, 100));
    WriteSet writes;
    for (int i = 0; i < 40; ++i) writes.put("t", as_bytes(std::to_string(b * 100 + i)), as_bytes("v"));
    const auto built = test::build_block(suite, serial->tip(), txs, writes);

    // Every refusal names the same item under both stores.
    auto refused_alike = [&](const test::BuiltBlock& bad, std::string_view text) {
      const Status one = test::commit_built(*serial, bad);
      const Status many = test::commit_built(*parallel, bad);
      REQUIRE_FALSE(one.ok());
      REQUIRE_FALSE(many.ok());
      CHECK(one.error().message() == many.error().message());
      INFO(many.error().message());
      CHECK(many.error().message().find(text) != std::string::npos);
    };
    auto wrong_receipt = built;
    wrong_receipt.receipts[130].tx_hash[5] ^= 1;
    wrong_receipt.receipts[140].height += 1;
    refused_alike(wrong_receipt, "receipt 130 names transaction");
    auto wrong_tx_root = built;
    wrong_tx_root.block.header.tx_root[0] ^= 1;
    refused_alike(wrong_tx_root, "tx_root");
    auto wrong_receipt_root = built;
    wrong_receipt_root.receipts[149].status = 7;  // the receipt changes, the root in the header does not
    refused_alike(wrong_receipt_root, "receipt_root");
    auto wrong_state = built;
    wrong_state.writes.put("t", as_bytes("extra"), as_bytes("v"));
    refused_alike(wrong_state, "state_root");

    REQUIRE(test::commit_built(*serial, built).ok());
    REQUIRE(test::commit_built(*parallel, built).ok());
    CHECK(serial->tip() == parallel->tip());
  }
  serial.reset();
  parallel.reset();
  RawEnv serial_env(serial_dir.path());
  RawEnv parallel_env(parallel_dir.path());
  for (const char* name : {"headers", "bodies", "receipts", "tx_index", "hashes", "state", "meta"}) {
    INFO(name);
    const auto stored = parallel_env.contents(name);
    CHECK_FALSE(stored.empty());
    CHECK(serial_env.contents(name) == stored);
  }
}

TEST_CASE("ledger lmdb: commit_hash_thread_count has a limit", "[ledger][lmdb][malformed]") {
  test::TempDir dir;
  LmdbOptions options = options_for(CryptoSuite::ecdsa());
  options.commit_hash_thread_count = 65;
  auto opened = LmdbStore::open(dir.path(), options);
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.error().code() == ErrorCode::kInvalidArgument);
  CHECK(opened.error().message().find("commit_hash_thread_count") != std::string::npos);
}
