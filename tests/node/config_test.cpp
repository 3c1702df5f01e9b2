// genesis.json and config.json: canonical output that parses back to the same value, strict
// parsing whose errors name the file and the field, path resolution and file loading.

#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "trestle/core/hex.hpp"
#include "trestle/node/config.hpp"

namespace trestle::node {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

crypto::PublicKey fresh_key(crypto::KeyType type) {
  auto key = crypto::PrivateKey::generate(type);
  REQUIRE(key.ok());
  return key.value().public_key();
}

Genesis sample_genesis(const std::string& suite, std::size_t sealer_count) {
  Genesis genesis;
  genesis.chain_id = "test-chain";
  genesis.group_id = "group7";
  genesis.suite = suite;
  genesis.timestamp_ms = 1'700'000'000'123;
  const crypto::KeyType type = suite == "sm" ? crypto::KeyType::kSm2 : crypto::KeyType::kSecp256k1;
  for (std::size_t i = 0; i < sealer_count; ++i) genesis.sealers.push_back(fresh_key(type));
  genesis.consensus.engine = "raft";
  genesis.consensus.view_timeout_ms = 1'500;
  genesis.consensus.view_timeout_ms_max = 9'000;
  genesis.consensus.election_timeout_ms = 400;
  genesis.consensus.election_timeout_ms_max = 900;
  genesis.consensus.heartbeat_ms = 120;
  genesis.consensus.block_tx_max = 500;
  genesis.consensus.block_interval_ms = 50;
  genesis.consensus.empty_block_interval_ms = 2'000;
  genesis.application = "asset";
  genesis.application_state_json =
      R"({"accounts":[{"address":"00112233445566778899aabbccddeeff00112233","balance":7}]})";
  return genesis;
}

void require_equal(const Genesis& a, const Genesis& b) {
  CHECK(a.chain_id == b.chain_id);
  CHECK(a.group_id == b.group_id);
  CHECK(a.suite == b.suite);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.sealers == b.sealers);
  CHECK(a.consensus.engine == b.consensus.engine);
  CHECK(a.consensus.view_timeout_ms == b.consensus.view_timeout_ms);
  CHECK(a.consensus.view_timeout_ms_max == b.consensus.view_timeout_ms_max);
  CHECK(a.consensus.election_timeout_ms == b.consensus.election_timeout_ms);
  CHECK(a.consensus.election_timeout_ms_max == b.consensus.election_timeout_ms_max);
  CHECK(a.consensus.heartbeat_ms == b.consensus.heartbeat_ms);
  CHECK(a.consensus.block_tx_max == b.consensus.block_tx_max);
  CHECK(a.consensus.block_interval_ms == b.consensus.block_interval_ms);
  CHECK(a.consensus.empty_block_interval_ms == b.consensus.empty_block_interval_ms);
  CHECK(a.application == b.application);
  CHECK(a.application_state_json == b.application_state_json);
}

NodeConfig sample_config() {
  NodeConfig config;
  config.genesis = "../genesis.json";
  config.key = "node.pem";
  config.data_dir = "/var/lib/trestle/data";
  config.p2p = {"10.0.0.1", 30300};
  config.rpc = {"0.0.0.0", 30301};
  config.peers = {{1, {"10.0.0.2", 30302}}, {3, {"node3.example", 30306}}};
  config.log_level = "debug";
  config.sync = false;
  config.pool_capacity = 5'000;
  config.verify_threads = 3;
  config.rpc_body_max_bytes = 4096;
  return config;
}

void require_equal(const NodeConfig& a, const NodeConfig& b) {
  CHECK(a.genesis == b.genesis);
  CHECK(a.key == b.key);
  CHECK(a.data_dir == b.data_dir);
  CHECK(a.p2p.host == b.p2p.host);
  CHECK(a.p2p.port == b.p2p.port);
  CHECK(a.rpc.host == b.rpc.host);
  CHECK(a.rpc.port == b.rpc.port);
  REQUIRE(a.peers.size() == b.peers.size());
  for (std::size_t i = 0; i < a.peers.size(); ++i) {
    CHECK(a.peers[i].index == b.peers[i].index);
    CHECK(a.peers[i].endpoint.host == b.peers[i].endpoint.host);
    CHECK(a.peers[i].endpoint.port == b.peers[i].endpoint.port);
  }
  CHECK(a.log_level == b.log_level);
  CHECK(a.sync == b.sync);
  CHECK(a.pool_capacity == b.pool_capacity);
  CHECK(a.verify_threads == b.verify_threads);
  CHECK(a.rpc_body_max_bytes == b.rpc_body_max_bytes);
}

template <typename T>
void require_invalid(const Result<T>& result, const std::string& expected_message_part) {
  REQUIRE_FALSE(result.ok());
  INFO("message: " << result.error().message());
  CHECK(result.error().code() == ErrorCode::kInvalidArgument);
  CHECK(result.error().message().find(expected_message_part) != std::string::npos);
}

// The canonical genesis of a 2-sealer sm chain as a JSON value, for tests that damage one field.
Json genesis_document() { return Json::parse(genesis_to_json(sample_genesis("sm", 2))); }

Result<Genesis> parse_genesis_document(const Json& document) { return parse_genesis(document.dump(), "genesis.json"); }

Json config_document() { return Json::parse(node_config_to_json(sample_config())); }

Result<NodeConfig> parse_config_document(const Json& document) {
  return parse_node_config(document.dump(), "config.json", "");
}

// A fresh directory, removed with its content at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "trestle-config-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return dir_; }
  fs::path write(const std::string& name, const std::string& content) const {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream out(dir_ / name, std::ios::binary);
    out << content;
    REQUIRE(out.good());
    return dir_ / name;
  }

 private:
  fs::path dir_;
};

TEST_CASE("genesis: canonical JSON parses back to the same value", "[config]") {
  for (const std::string suite : {"sm", "ecdsa"}) {
    INFO("suite " << suite);
    const Genesis genesis = sample_genesis(suite, 4);
    const std::string text = genesis_to_json(genesis);
    auto parsed = parse_genesis(text, "genesis.json");
    REQUIRE(parsed.ok());
    require_equal(parsed.value(), genesis);
    CHECK(genesis_to_json(parsed.value()) == text);
    CHECK(&genesis_suite(parsed.value()) == crypto::CryptoSuite::by_name(suite).value());
  }
}

TEST_CASE("genesis: canonical JSON has the documented field order and layout", "[config]") {
  Genesis genesis = sample_genesis("sm", 2);
  const std::string text = genesis_to_json(genesis);
  CHECK(text.back() == '\n');
  CHECK(text.rfind("{\n  \"chain_id\": \"test-chain\",\n  \"group_id\"", 0) == 0);
  const Json document = Json::parse(text);
  std::vector<std::string> keys;
  for (const auto& item : document.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"chain_id", "group_id", "suite", "timestamp_ms", "sealers", "consensus",
                                         "application", "application_state"});
  CHECK(document["sealers"][1]["index"] == 1);
  CHECK(document["sealers"][1]["public_key"] == to_hex(genesis.sealers[1].xy()));
  CHECK(document["consensus"].size() == 9);

  genesis.application_state_json.clear();
  CHECK_FALSE(Json::parse(genesis_to_json(genesis)).contains("application_state"));
}

TEST_CASE("genesis: optional fields take the documented defaults", "[config]") {
  const crypto::PublicKey key = fresh_key(crypto::KeyType::kSecp256k1);
  const std::string text =
      R"({"chain_id": "c", "suite": "ecdsa", "sealers": [{"index": 0, "public_key": ")" + to_hex(key.xy()) + R"("}]})";
  auto parsed = parse_genesis(text, "genesis.json");
  REQUIRE(parsed.ok());
  const Genesis defaults;
  CHECK(parsed->group_id == "group0");
  CHECK(parsed->timestamp_ms == 0);
  CHECK(parsed->sealers == std::vector<crypto::PublicKey>{key});
  CHECK(parsed->consensus.engine == "pbft");
  CHECK(parsed->consensus.view_timeout_ms == defaults.consensus.view_timeout_ms);
  CHECK(parsed->consensus.heartbeat_ms == defaults.consensus.heartbeat_ms);
  CHECK(parsed->consensus.block_tx_max == defaults.consensus.block_tx_max);
  CHECK(parsed->application == "asset");
  CHECK(parsed->application_state_json.empty());
}

TEST_CASE("genesis: application_state is kept verbatim and compact", "[config]") {
  Json document = genesis_document();
  document["application_state"] = Json::parse(R"({"zeta": [1, 2, {"b": null, "a": "x"}], "alpha": true})");
  auto parsed = parse_genesis_document(document);
  REQUIRE(parsed.ok());
  CHECK(parsed->application_state_json == R"({"zeta":[1,2,{"b":null,"a":"x"}],"alpha":true})");
  document["application_state"] = 42;
  auto number = parse_genesis_document(document);
  REQUIRE(number.ok());
  CHECK(number->application_state_json == "42");
}

TEST_CASE("genesis: the 04||x||y form of a key is accepted", "[config]") {
  Json document = genesis_document();
  const std::string xy = document["sealers"][0]["public_key"];
  document["sealers"][0]["public_key"] = "04" + xy;
  auto parsed = parse_genesis_document(document);
  REQUIRE(parsed.ok());
  CHECK(to_hex(parsed->sealers[0].xy()) == xy);
}

TEST_CASE("genesis: unknown fields are errors, at the top level and nested", "[config]") {
  Json document = genesis_document();
  document["chainid"] = "typo";
  require_invalid(parse_genesis_document(document), "genesis.json: chainid: unknown field");

  document = genesis_document();
  document["consensus"]["view_timeout"] = 100;
  require_invalid(parse_genesis_document(document), "genesis.json: consensus.view_timeout: unknown field");

  document = genesis_document();
  document["sealers"][1]["weight"] = 1;
  require_invalid(parse_genesis_document(document), "genesis.json: sealers[1].weight: unknown field");
}

TEST_CASE("genesis: wrong types are errors naming the field", "[config]") {
  struct Case {
    std::string pointer;
    Json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"/chain_id", 5, "genesis.json: chain_id: expected a string, got 5"},
      {"/group_id", Json::array(), "group_id: expected a string"},
      {"/suite", true, "suite: expected one of \"sm\", \"ecdsa\", got true"},
      {"/timestamp_ms", -1, "timestamp_ms: expected an integer"},
      {"/timestamp_ms", 1.5, "timestamp_ms: expected an integer"},
      {"/timestamp_ms", "12", "timestamp_ms: expected an integer"},
      {"/sealers", Json::object(), "sealers: expected an array"},
      {"/sealers/0", "abc", "sealers[0]: expected an object"},
      {"/sealers/0/index", "0", "sealers[0].index: expected an integer in [0, 0]"},
      {"/sealers/1/public_key", 7, "sealers[1].public_key: expected a string of 128 hex digits"},
      {"/consensus", 1, "consensus: expected an object"},
      {"/consensus/block_tx_max", "100", "consensus.block_tx_max: expected an integer in [1, 10000], got \"100\""},
      {"/consensus/engine", nullptr, "consensus.engine: expected one of \"pbft\", \"raft\", got null"},
      {"/application", 3, "application: expected a string, got 3"},
  };
  for (const Case& c : cases) {
    INFO(c.pointer << " = " << c.value.dump());
    Json document = genesis_document();
    document[Json::json_pointer(c.pointer)] = c.value;
    require_invalid(parse_genesis_document(document), c.message);
  }
  require_invalid(parse_genesis("[]", "genesis.json"), "genesis.json: expected an object, got []");
}

TEST_CASE("genesis: missing required fields are errors", "[config]") {
  for (const std::string pointer : {"/chain_id", "/suite", "/sealers", "/sealers/0/index", "/sealers/1/public_key"}) {
    INFO(pointer);
    Json document = genesis_document();
    const Json::json_pointer path(pointer);
    document[path.parent_pointer()].erase(path.back());
    const std::string field = pointer == "/sealers/0/index"        ? "sealers[0].index"
                              : pointer == "/sealers/1/public_key" ? "sealers[1].public_key"
                                                                   : pointer.substr(1);
    require_invalid(parse_genesis_document(document), "genesis.json: " + field + ": required field is missing");
  }
}

TEST_CASE("genesis: bad names of suite, engine and application", "[config]") {
  Json document = genesis_document();
  document["suite"] = "rsa";
  require_invalid(parse_genesis_document(document), "suite: expected one of \"sm\", \"ecdsa\", got \"rsa\"");
  document = genesis_document();
  document["consensus"]["engine"] = "hotstuff";
  require_invalid(parse_genesis_document(document), "consensus.engine: expected one of \"pbft\", \"raft\"");
  document = genesis_document();
  document["application"] = "two words";
  require_invalid(parse_genesis_document(document), "application: character 3 of \"two words\" is not allowed here");
  // Any other name is an embedding program's application; `trestle node start` knows two.
  document["application"] = "notary";
  CHECK(parse_genesis_document(document).ok());
}

TEST_CASE("genesis: chain and group ids are 1..64 visible ASCII characters", "[config]") {
  for (const std::string& bad : {std::string(), std::string(65, 'a'), std::string("two words"),
                                 std::string("caf\xc3\xa9"), std::string("tab\there")}) {
    INFO(bad);
    Json document = genesis_document();
    document["chain_id"] = bad;
    require_invalid(parse_genesis_document(document), "genesis.json: chain_id: ");
    document = genesis_document();
    document["group_id"] = bad;
    require_invalid(parse_genesis_document(document), "genesis.json: group_id: ");
  }
  Json document = genesis_document();
  document["chain_id"] = std::string(64, 'z');
  CHECK(parse_genesis_document(document).ok());
}

TEST_CASE("genesis: malformed sealer keys", "[config]") {
  Json document = genesis_document();
  const std::string good = document["sealers"][0]["public_key"];

  SECTION("bad hex") {
    document["sealers"][0]["public_key"] = "zz" + good.substr(2);
    require_invalid(parse_genesis_document(document), "sealers[0].public_key: expected 128 hex digits");
  }
  SECTION("wrong length") {
    document["sealers"][0]["public_key"] = good.substr(2);
    require_invalid(parse_genesis_document(document), "sealers[0].public_key: expected 128 hex digits");
    document["sealers"][0]["public_key"] = "0x" + good.substr(2);
    require_invalid(parse_genesis_document(document), "sealers[0].public_key: expected 128 hex digits");
  }
  SECTION("compressed form") {
    document["sealers"][0]["public_key"] = to_hex(parse_genesis_document(genesis_document())->sealers[0].compressed());
    require_invalid(parse_genesis_document(document), "sealers[0].public_key: expected 128 hex digits");
  }
  SECTION("a key of the other curve") {
    document["sealers"][1]["public_key"] = to_hex(fresh_key(crypto::KeyType::kSecp256k1).xy());
    require_invalid(parse_genesis_document(document),
                    "sealers[1].public_key: a secp256k1 key, but the suite's keys are sm2");
  }
  SECTION("a point on neither curve") {
    document["sealers"][1]["public_key"] = std::string(127, '0') + "1";
    require_invalid(parse_genesis_document(document), "sealers[1].public_key: not a valid sm2 public key");
  }
  SECTION("a duplicate key") {
    document["sealers"][1]["public_key"] = good;
    require_invalid(parse_genesis_document(document), "sealers[1].public_key: the same key as sealers[0]");
  }
  SECTION("an index that is not the position") {
    document["sealers"][1]["index"] = 0;
    require_invalid(parse_genesis_document(document), "sealers[1].index: expected an integer in [1, 1], got 0");
  }
  SECTION("no sealers") {
    document["sealers"] = Json::array();
    require_invalid(parse_genesis_document(document), "sealers: expected [1, 1024] elements, got 0");
  }
}

TEST_CASE("genesis: consensus parameters out of range", "[config]") {
  struct Case {
    std::string field;
    std::uint64_t value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"view_timeout_ms", 9, "consensus.view_timeout_ms: expected an integer in [10, 3600000], got 9"},
      {"view_timeout_ms_max", 3'600'001, "consensus.view_timeout_ms_max: expected an integer in [10, 3600000]"},
      {"view_timeout_ms_max", 1'000, "consensus.view_timeout_ms_max: must be at least view_timeout_ms (2000)"},
      {"election_timeout_ms", 5, "consensus.election_timeout_ms: expected an integer in [10, 3600000]"},
      {"election_timeout_ms_max", 600, "consensus.election_timeout_ms_max: must be greater than election_timeout_ms"},
      {"heartbeat_ms", 0, "consensus.heartbeat_ms: expected an integer in [1, 3600000]"},
      {"heartbeat_ms", 600, "consensus.heartbeat_ms: must be less than election_timeout_ms (600)"},
      {"block_tx_max", 0, "consensus.block_tx_max: expected an integer in [1, 10000], got 0"},
      {"block_tx_max", 10'001, "consensus.block_tx_max: expected an integer in [1, 10000], got 10001"},
      {"empty_block_interval_ms", 50, "consensus.empty_block_interval_ms: must be at least block_interval_ms (100)"},
      {"empty_block_interval_ms", 5'000'000'000, "consensus.empty_block_interval_ms: expected an integer"},
      {"empty_block_interval_ms", 2'000,
       "consensus.empty_block_interval_ms: must be less than view_timeout_ms (2000) with pbft, got 2000"},
  };
  for (const Case& c : cases) {
    INFO(c.field << " = " << c.value);
    Json document = genesis_document();
    document["consensus"] = {{c.field, c.value}};
    require_invalid(parse_genesis_document(document), c.message);
  }
  // Raft has no view timeout: a slow empty block is fine there.
  Json raft = genesis_document();
  raft["consensus"] = {{"engine", "raft"}, {"empty_block_interval_ms", 2'000}};
  CHECK(parse_genesis_document(raft).ok());
  Json document = genesis_document();
  document["consensus"] = {
      {"block_tx_max", 10'000}, {"block_interval_ms", 0}, {"view_timeout_ms", 10}, {"empty_block_interval_ms", 1}};
  auto parsed = parse_genesis_document(document);
  REQUIRE(parsed.ok());
  CHECK(parsed->consensus.block_tx_max == 10'000);
  CHECK(parsed->consensus.block_interval_ms == 0);
  CHECK(parsed->consensus.view_timeout_ms == 10);
  CHECK(parsed->consensus.empty_block_interval_ms == 1);
}

TEST_CASE("genesis and config: text that is not valid JSON", "[config]") {
  const std::vector<std::string> texts = {"",
                                          "{",
                                          "{\"chain_id\": }",
                                          "[1,",
                                          "{} trailing",
                                          "{'chain_id': 'x'}",
                                          "{\"a\": \"\xff\"}",
                                          std::string("\0\1", 2)};
  for (const std::string& text : texts) {
    INFO(text);
    require_invalid(parse_genesis(text, "genesis.json"), "genesis.json: invalid JSON: ");
    require_invalid(parse_node_config(text, "config.json", ""), "config.json: invalid JSON: ");
  }
  const std::string valid = genesis_to_json(sample_genesis("sm", 1));
  require_invalid(parse_genesis(valid.substr(0, valid.size() / 2), "g.json"), "g.json: invalid JSON: parse error");
  // Every proper prefix of a valid file is an error, never a crash; whitespace alone may be cut.
  for (std::size_t size = 0; size < valid.size(); ++size) {
    auto parsed = parse_genesis(valid.substr(0, size), "genesis.json");
    if (size + 1 < valid.size()) CHECK_FALSE(parsed.ok());
  }
  CHECK(parse_genesis(valid.substr(0, valid.size() - 1), "genesis.json").ok());
  const std::string config = node_config_to_json(sample_config());
  for (std::size_t size = 0; size + 1 < config.size(); ++size) {
    CHECK_FALSE(parse_node_config(config.substr(0, size), "config.json", "").ok());
  }
}

TEST_CASE("genesis and config: duplicate fields and deep nesting are refused", "[config]") {
  std::string text = genesis_to_json(sample_genesis("sm", 1));
  text.insert(1, "\"chain_id\": \"other\",");
  require_invalid(parse_genesis(text, "genesis.json"), "genesis.json: duplicate field \"chain_id\"");

  Json document = config_document();
  std::string config_text = document.dump();
  const std::string p2p = "\"p2p\":{";
  config_text.insert(config_text.find(p2p) + p2p.size(), "\"port\":1,");
  require_invalid(parse_node_config(config_text, "config.json", ""), "config.json: duplicate field \"port\"");

  document = genesis_document();
  document.erase("application_state");
  std::string deep = document.dump();
  deep.insert(deep.size() - 1, ",\"application_state\":" + std::string(100, '[') + std::string(100, ']'));
  require_invalid(parse_genesis(deep, "genesis.json"), "genesis.json: nested deeper than 64 levels");
  std::string shallow = document.dump();
  shallow.insert(shallow.size() - 1, ",\"application_state\":" + std::string(60, '[') + std::string(60, ']'));
  CHECK(parse_genesis(shallow, "genesis.json").ok());
}

TEST_CASE("config: canonical JSON parses back to the same value", "[config]") {
  const NodeConfig config = sample_config();
  const std::string text = node_config_to_json(config);
  auto parsed = parse_node_config(text, "config.json", "");
  REQUIRE(parsed.ok());
  require_equal(parsed.value(), config);
  CHECK(node_config_to_json(parsed.value()) == text);
  std::vector<std::string> keys;
  const Json document = Json::parse(text);
  for (const auto& item : document.items()) keys.push_back(item.key());
  CHECK(keys == std::vector<std::string>{"genesis", "key", "data_dir", "p2p", "rpc", "peers", "log_level", "sync",
                                         "pool_capacity", "verify_threads", "rpc_body_max_bytes"});
}

TEST_CASE("config: the required fields alone give the documented defaults", "[config]") {
  const std::string text =
      R"({"genesis": "g.json", "key": "k.pem", "data_dir": "d", "p2p": {"port": 1}, "rpc": {"port": 65535}})";
  auto parsed = parse_node_config(text, "config.json", "");
  REQUIRE(parsed.ok());
  const NodeConfig defaults;
  CHECK(parsed->p2p.host == "127.0.0.1");
  CHECK(parsed->p2p.port == 1);
  CHECK(parsed->rpc.host == "127.0.0.1");
  CHECK(parsed->rpc.port == 65535);
  CHECK(parsed->peers.empty());
  CHECK(parsed->log_level == "info");
  CHECK(parsed->sync);
  CHECK(parsed->pool_capacity == defaults.pool_capacity);
  CHECK(parsed->verify_threads == 0);
  CHECK(parsed->rpc_body_max_bytes == defaults.rpc_body_max_bytes);
}

TEST_CASE("config: relative paths are resolved against the base directory", "[config]") {
  const fs::path base = fs::path("srv") / "chain" / "node0";
  auto parsed = parse_node_config(node_config_to_json(sample_config()), "config.json", base);
  REQUIRE(parsed.ok());
  CHECK(parsed->genesis == base / "../genesis.json");
  CHECK(parsed->key == base / "node.pem");
  CHECK(parsed->data_dir == fs::path("/var/lib/trestle/data"));  // absolute: kept
}

TEST_CASE("config: missing required fields", "[config]") {
  for (const std::string pointer : {"/genesis", "/key", "/data_dir", "/p2p", "/rpc", "/p2p/port", "/rpc/port",
                                    "/peers/0/host", "/peers/1/port", "/peers/0/index"}) {
    INFO(pointer);
    Json document = config_document();
    const Json::json_pointer path(pointer);
    document[path.parent_pointer()].erase(path.back());
    std::string field = pointer.substr(1);
    std::replace(field.begin(), field.end(), '/', '.');
    if (field.rfind("peers.", 0) == 0) field = "peers[" + field.substr(6, 1) + "]" + field.substr(7);
    require_invalid(parse_config_document(document), "config.json: " + field + ": required field is missing");
  }
}

TEST_CASE("config: ports are in [1, 65535]", "[config]") {
  for (const Json& port : {Json(0), Json(70'000), Json(-1), Json("80a"), Json(80.5)}) {
    INFO(port.dump());
    Json document = config_document();
    document["rpc"]["port"] = port;
    require_invalid(parse_config_document(document),
                    "config.json: rpc.port: expected an integer in [1, 65535], got " + port.dump());
    document = config_document();
    document["peers"][1]["port"] = port;
    require_invalid(parse_config_document(document), "config.json: peers[1].port: expected an integer in [1, 65535]");
  }
}

TEST_CASE("config: malformed fields", "[config]") {
  struct Case {
    std::string pointer;
    Json value;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"/genesis", 1, "config.json: genesis: expected a string, got 1"},
      {"/key", "", "config.json: key: expected a string of [1, 4096] bytes, got 0"},
      {"/data_dir", std::string("a\0b", 3), "config.json: data_dir: character 1"},
      {"/p2p", "127.0.0.1:30300", "config.json: p2p: expected an object"},
      {"/p2p/host", "", "config.json: p2p.host: expected a string of [1, 253] bytes"},
      {"/rpc/host", "local host", "config.json: rpc.host: character 5"},
      {"/rpc/tls", true, "config.json: rpc.tls: unknown field"},
      {"/peers", Json::object(), "config.json: peers: expected an array"},
      {"/peers/0/name", "x", "config.json: peers[0].name: unknown field"},
      {"/peers/0/index", 1024, "config.json: peers[0].index: expected an integer in [0, 1023]"},
      {"/peers/1/index", 1, "config.json: peers[1].index: sealer 1 is already peers[0]"},
      {"/log_level", "verbose", "config.json: log_level: expected one of \"trace\", \"debug\", \"info\""},
      {"/sync", "yes", "config.json: sync: expected true or false, got \"yes\""},
      {"/pool_capacity", 0, "config.json: pool_capacity: expected an integer in [1, 100000000], got 0"},
      {"/verify_threads", 5000, "config.json: verify_threads: expected an integer in [0, 1024]"},
      {"/rpc_body_max_bytes", 10, "config.json: rpc_body_max_bytes: expected an integer in [1024, 1073741824]"},
      {"/peer", Json::array(), "config.json: peer: unknown field"},
  };
  for (const Case& c : cases) {
    INFO(c.pointer << " = " << c.value.dump());
    Json document = config_document();
    document[Json::json_pointer(c.pointer)] = c.value;
    require_invalid(parse_config_document(document), c.message);
  }
  require_invalid(parse_node_config("null", "config.json", ""), "config.json: expected an object, got null");

  // Paths are bytes: UTF-8 names are fine.
  Json document = config_document();
  document["key"] = "cl\xc3\xa9.pem";
  auto parsed = parse_config_document(document);
  REQUIRE(parsed.ok());
  CHECK(parsed->key == fs::path("cl\xc3\xa9.pem"));
}

TEST_CASE("load: files are read and relative paths follow the config's directory", "[config]") {
  TempDir dir;
  const Genesis genesis = sample_genesis("ecdsa", 3);
  const fs::path genesis_file = dir.write("genesis.json", genesis_to_json(genesis));
  const fs::path config_file = dir.write("node1/config.json", node_config_to_json(sample_config()));

  auto loaded_genesis = load_genesis(genesis_file);
  REQUIRE(loaded_genesis.ok());
  require_equal(loaded_genesis.value(), genesis);

  auto loaded_config = load_node_config(config_file);
  REQUIRE(loaded_config.ok());
  CHECK(loaded_config->genesis == dir.path() / "node1" / "../genesis.json");
  CHECK(fs::equivalent(loaded_config->genesis, genesis_file));
  CHECK(loaded_config->key == dir.path() / "node1" / "node.pem");
  CHECK(loaded_config->data_dir == fs::path("/var/lib/trestle/data"));

  // Errors name the file as it was given.
  const fs::path broken = dir.write("broken.json", "{\"genesis\": 1}");
  require_invalid(load_node_config(broken), broken.string() + ": genesis: expected a string");
}

TEST_CASE("load: a missing file is kNotFound, a directory kIo", "[config]") {
  TempDir dir;
  auto genesis = load_genesis(dir.path() / "absent.json");
  REQUIRE_FALSE(genesis.ok());
  CHECK(genesis.error().code() == ErrorCode::kNotFound);
  CHECK(genesis.error().message().find("absent.json") != std::string::npos);
  auto config = load_node_config(dir.path() / "nowhere" / "config.json");
  REQUIRE_FALSE(config.ok());
  CHECK(config.error().code() == ErrorCode::kNotFound);
  auto directory = load_genesis(dir.path());
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().code() == ErrorCode::kIo);
}

}  // namespace
}  // namespace trestle::node
