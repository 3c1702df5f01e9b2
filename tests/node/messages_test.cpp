// The node's own peer messages (tx batches, status) and its metadata store: round trips and
// malformed input. Private headers of libs/node/src.

#include <unistd.h>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "node_messages.hpp"
#include "node_meta.hpp"
#include "trestle/core/codec.hpp"

namespace trestle::node::detail {
namespace {

TEST_CASE("tx batch: round trip and malformed input", "[node][messages]") {
  const std::vector<Bytes> txs = {Bytes{1, 2, 3}, Bytes(300, 7), Bytes{9}};
  const Bytes encoded = encode_tx_batch(txs);
  auto decoded = decode_tx_batch(encoded, 1024);
  REQUIRE(decoded.ok());
  CHECK(decoded.value() == txs);

  SECTION("every truncation is refused") {
    for (std::size_t size = 0; size < encoded.size(); ++size) {
      INFO(size);
      CHECK_FALSE(decode_tx_batch(ByteView(encoded).first(size), 1024).ok());
    }
  }
  SECTION("trailing bytes") {
    Bytes longer = encoded;
    longer.push_back(0);
    CHECK(decode_tx_batch(longer, 1024).error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("another version") {
    Bytes other = encoded;
    other[0] = 2;
    CHECK(decode_tx_batch(other, 1024).error().message().find("version") != std::string::npos);
  }
  SECTION("an empty batch") { CHECK_FALSE(decode_tx_batch(encode_tx_batch({}), 1024).ok()); }
  SECTION("a transaction over the size limit") {
    CHECK(decode_tx_batch(encoded, 299).error().code() == ErrorCode::kLimitExceeded);
  }
  SECTION("a count over the limit, before any allocation") {
    Writer writer;
    writer.u8(1).varint(kTxBatchCountMax + 1);
    CHECK(decode_tx_batch(writer.data(), 1024).error().code() == ErrorCode::kLimitExceeded);
  }
}

TEST_CASE("status: round trip and malformed input", "[node][messages]") {
  const Bytes encoded = encode_status(123456789);
  auto height = decode_status(encoded);
  REQUIRE(height.ok());
  CHECK(height.value() == 123456789);
  for (std::size_t size = 0; size < encoded.size(); ++size)
    CHECK_FALSE(decode_status(ByteView(encoded).first(size)).ok());
  Bytes longer = encoded;
  longer.push_back(0);
  CHECK_FALSE(decode_status(longer).ok());
  Bytes other = encoded;
  other[0] = 0;
  CHECK_FALSE(decode_status(other).ok());
}

TEST_CASE("node metadata: engine state and rounds survive a reopen", "[node][messages]") {
  const auto dir = std::filesystem::temp_directory_path() / ("trestle-node-meta-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    auto meta = NodeMeta::open(dir, true);
    REQUIRE(meta.ok());
    CHECK_FALSE(meta.value()->engine_state().value().has_value());
    CHECK_FALSE(meta.value()->round(5).value().has_value());
    REQUIRE(meta.value()->put_engine_state(Bytes{4, 5, 6}).ok());
    REQUIRE(meta.value()->put_round(5, 0x0102030405060708ull).ok());
    REQUIRE(meta.value()->put_round(6, 0).ok());
  }
  auto meta = NodeMeta::open(dir, true);
  REQUIRE(meta.ok());
  CHECK(meta.value()->engine_state().value() == Bytes{4, 5, 6});
  CHECK(meta.value()->round(5).value() == 0x0102030405060708ull);
  CHECK(meta.value()->round(6).value() == 0u);
  CHECK_FALSE(meta.value()->round(7).value().has_value());
  std::filesystem::remove_all(dir);
}

TEST_CASE("node metadata: a directory that cannot be created is an error", "[node][messages]") {
  auto meta = NodeMeta::open("/proc/trestle-cannot-be-here/node", true);
  REQUIRE_FALSE(meta.ok());
  CHECK(meta.error().code() == ErrorCode::kIo);
}

}  // namespace
}  // namespace trestle::node::detail
