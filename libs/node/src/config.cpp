#include "trestle/node/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <utility>

#include "trestle/core/hex.hpp"

namespace trestle::node {
namespace {

// ordered_json keeps fields in the order they were written, so the canonical output follows the
// documented order and application_state is re-serialised with its fields as the file had them.
using Json = nlohmann::ordered_json;

// Limits on untrusted input: a config file is small; a genesis file may carry a large initial state.
constexpr std::size_t kFileSizeMax = std::size_t{64} << 20;
constexpr int kDepthMax = 64;
constexpr std::size_t kSealerCountMax = 1024;
constexpr std::size_t kPeerCountMax = 1024;
constexpr std::size_t kIdSizeMax = 64;
constexpr std::size_t kHostSizeMax = 253;
constexpr std::size_t kPathSizeMax = 4096;
constexpr std::uint64_t kTimeoutMsMin = 10;
constexpr std::uint64_t kTimeoutMsMax = 3'600'000;
constexpr std::uint64_t kBlockTxMax = 10'000;
constexpr std::uint64_t kPoolCapacityMax = 100'000'000;
constexpr std::uint64_t kVerifyThreadsMax = 1024;
constexpr std::uint64_t kRpcBodyBytesMin = 1024;
constexpr std::uint64_t kRpcBodyBytesMax = std::uint64_t{1} << 30;

constexpr std::size_t kPublicKeyHexSize = 128;

// A JSON value for an error message: its text, shortened so a huge value cannot flood a log line.
std::string shown(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr std::size_t kShownMax = 48;
  if (text.size() > kShownMax) text = text.substr(0, kShownMax) + "...";
  return text;
}

std::string child(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

std::string element(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

std::string range_text(std::uint64_t min, std::uint64_t max) {
  // Appended piecewise: g++ 12 reports a false -Wrestrict on "[" + std::to_string(...).
  std::string text = "[";
  text += std::to_string(min);
  text += ", ";
  text += std::to_string(max);
  text += "]";
  return text;
}

const Json* field(const Json& object, std::string_view key) {
  auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

// Reads values out of one parsed document; every error names the source and the field's path.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Error error(std::string_view path, std::string_view what) const {
    std::string message(source_);
    if (!path.empty()) message += ": " + std::string(path);
    return Error(ErrorCode::kInvalidArgument, message + ": " + std::string(what));
  }

  // `value` must be an object with no field outside `known`.
  Status object(const Json& value, std::string_view path, std::initializer_list<std::string_view> known) const {
    if (!value.is_object()) return error(path, "expected an object, got " + shown(value));
    for (const auto& [key, unused] : value.items()) {
      bool is_known = false;
      for (std::string_view name : known) is_known = is_known || key == name;
      if (is_known) continue;
      std::string names;
      for (std::string_view name : known) names += (names.empty() ? "" : ", ") + std::string(name);
      return error(child(path, key), "unknown field (expected one of: " + names + ")");
    }
    return ok_status();
  }

  Result<const Json*> required(const Json& object, std::string_view path, std::string_view key) const {
    const Json* value = field(object, key);
    if (value == nullptr) return error(child(path, key), "required field is missing");
    return value;
  }

  Result<const Json*> array(const Json& value, std::string_view path, std::size_t size_min,
                            std::size_t size_max) const {
    if (!value.is_array()) return error(path, "expected an array, got " + shown(value));
    if (value.size() < size_min || value.size() > size_max) {
      return error(path,
                   "expected " + range_text(size_min, size_max) + " elements, got " + std::to_string(value.size()));
    }
    return &value;
  }

  Result<std::uint64_t> integer(const Json& value, std::string_view path, std::uint64_t min, std::uint64_t max) const {
    std::uint64_t number = 0;
    if (value.is_number_unsigned()) {
      number = value.get<std::uint64_t>();
    } else if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
      number = static_cast<std::uint64_t>(value.get<std::int64_t>());
    } else {
      return error(path, "expected an integer in " + range_text(min, max) + ", got " + shown(value));
    }
    if (number < min || number > max) {
      return error(path, "expected an integer in " + range_text(min, max) + ", got " + shown(value));
    }
    return number;
  }

  Result<bool> boolean(const Json& value, std::string_view path) const {
    if (!value.is_boolean()) return error(path, "expected true or false, got " + shown(value));
    return value.get<bool>();
  }

  // A string of [size_min, size_max] bytes, each in [char_min, char_max].
  Result<std::string> text(const Json& value, std::string_view path, std::size_t size_min, std::size_t size_max,
                           char char_min = 0x21, char char_max = 0x7e) const {
    if (!value.is_string()) return error(path, "expected a string, got " + shown(value));
    const auto& string = value.get_ref<const std::string&>();
    if (string.size() < size_min || string.size() > size_max) {
      return error(path, "expected a string of " + range_text(size_min, size_max) + " bytes, got " +
                             std::to_string(string.size()));
    }
    for (std::size_t i = 0; i < string.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(string[i]);
      if (c < static_cast<unsigned char>(char_min) || c > static_cast<unsigned char>(char_max)) {
        return error(path, "character " + std::to_string(i) + " of " + shown(value) + " is not allowed here");
      }
    }
    return string;
  }

  Result<std::string> choice(const Json& value, std::string_view path,
                             std::initializer_list<std::string_view> names) const {
    std::string expected;
    for (std::string_view name : names) expected += (expected.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    if (value.is_string()) {
      for (std::string_view name : names) {
        if (value.get_ref<const std::string&>() == name) return std::string(name);
      }
    }
    return error(path, "expected one of " + expected + ", got " + shown(value));
  }

  // A path: any non-empty string without NUL (UTF-8 names, even control characters, are legal).
  Result<std::filesystem::path> file_path(const Json& value, std::string_view path,
                                          const std::filesystem::path& base_dir) const {
    TRESTLE_TRY(std::string name, text(value, path, 1, kPathSizeMax, 0x01, static_cast<char>(0xff)));
    std::filesystem::path file(name);
    if (file.is_relative()) file = base_dir / file;
    return file;
  }

 private:
  std::string_view source_;
};

// Parses text into a document, refusing what nlohmann would accept silently: duplicate fields
// (the last one would win) and nesting deeper than kDepthMax.
Result<Json> parse_document(std::string_view text, std::string_view source) {
  std::vector<std::unordered_set<std::string>> keys;  // the fields seen in each open object
  std::string problem;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        keys.emplace_back();
        [[fallthrough]];
      case Json::parse_event_t::array_start:
        if (depth > kDepthMax && problem.empty()) {
          problem = "nested deeper than " + std::to_string(kDepthMax) + " levels";
        }
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second && problem.empty()) {
          problem = "duplicate field " + shown(parsed);
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json document;
  try {
    document = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 2, column 3: ..." without the tag.
    std::string what = e.what();
    std::size_t tag_end = what.find("] ");
    if (tag_end != std::string::npos) what = what.substr(tag_end + 2);
    return Error(ErrorCode::kInvalidArgument, std::string(source) + ": invalid JSON: " + what);
  }
  if (!problem.empty()) return Error(ErrorCode::kInvalidArgument, std::string(source) + ": " + problem);
  return document;
}

Result<std::string> read_file(const std::filesystem::path& file) {
  const std::string name = file.string();
  int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    ErrorCode code = saved == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo;
    return Error(code, name + ": cannot open: " + std::strerror(saved));
  }
  std::string text;
  struct stat info {};
  Status status;
  if (::fstat(fd, &info) != 0) {
    status = Error(ErrorCode::kIo, name + ": cannot stat: " + std::strerror(errno));
  } else if (S_ISDIR(info.st_mode)) {
    status = Error(ErrorCode::kIo, name + ": is a directory");
  }
  char chunk[64 << 10];
  while (status.ok()) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Error(ErrorCode::kIo, name + ": cannot read: " + std::strerror(errno));
    } else if (n == 0) {
      break;
    } else if (text.size() + static_cast<std::size_t>(n) > kFileSizeMax) {
      status = Error(ErrorCode::kLimitExceeded,
                     name + ": larger than the limit of " + std::to_string(kFileSizeMax >> 20) + " MiB");
    } else {
      text.append(chunk, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!status.ok()) return status.error();
  return text;
}

Result<crypto::PublicKey> read_sealer_key(const Reader& reader, const Json& value, std::string_view path,
                                          crypto::KeyType type) {
  if (!value.is_string()) return reader.error(path, "expected a string of 128 hex digits, got " + shown(value));
  std::string_view hex = value.get_ref<const std::string&>();
  // `trestle key show` prints 04||x||y; that form is accepted too.
  if (hex.size() == kPublicKeyHexSize + 2 && hex.substr(0, 2) == "04") hex.remove_prefix(2);
  bool all_hex = hex.size() == kPublicKeyHexSize;
  for (char c : hex) all_hex = all_hex && std::isxdigit(static_cast<unsigned char>(c)) != 0;
  if (!all_hex) {
    return reader.error(path, "expected 128 hex digits (the public key's x||y), got " + shown(value));
  }
  auto bytes = from_hex(hex);
  if (!bytes.ok()) return reader.error(path, bytes.error().message());
  auto key = crypto::PublicKey::parse(type, bytes.value());
  if (key.ok()) return key;
  const crypto::KeyType other = type == crypto::KeyType::kSm2 ? crypto::KeyType::kSecp256k1 : crypto::KeyType::kSm2;
  if (crypto::PublicKey::parse(other, bytes.value()).ok()) {
    return reader.error(path, "a " + std::string(crypto::key_type_name(other)) + " key, but the suite's keys are " +
                                  std::string(crypto::key_type_name(type)));
  }
  return reader.error(
      path, "not a valid " + std::string(crypto::key_type_name(type)) + " public key: " + key.error().message());
}

// Reads an optional uint32 field of `object` into `out` (kept when absent).
Status read_u32(const Reader& reader, const Json& object, std::string_view path, std::string_view key,
                std::uint64_t min, std::uint64_t max, std::uint32_t& out) {
  const Json* value = field(object, key);
  if (value == nullptr) return ok_status();
  TRESTLE_TRY(std::uint64_t number, reader.integer(*value, child(path, key), min, max));
  out = static_cast<std::uint32_t>(number);
  return ok_status();
}

Result<ConsensusConfig> read_consensus(const Reader& reader, const Json& value) {
  const std::string path = "consensus";
  TRESTLE_TRY_STATUS(reader.object(
      value, path,
      {"engine", "view_timeout_ms", "view_timeout_ms_max", "election_timeout_ms", "election_timeout_ms_max",
       "heartbeat_ms", "block_tx_max", "block_interval_ms", "empty_block_interval_ms"}));
  ConsensusConfig config;
  if (const Json* engine = field(value, "engine")) {
    TRESTLE_TRY(config.engine, reader.choice(*engine, child(path, "engine"), {"pbft", "raft"}));
  }
  const std::uint64_t lo = kTimeoutMsMin;
  const std::uint64_t hi = kTimeoutMsMax;
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "view_timeout_ms", lo, hi, config.view_timeout_ms));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "view_timeout_ms_max", lo, hi, config.view_timeout_ms_max));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "election_timeout_ms", lo, hi, config.election_timeout_ms));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "election_timeout_ms_max", lo, hi, config.election_timeout_ms_max));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "heartbeat_ms", 1, hi, config.heartbeat_ms));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "block_tx_max", 1, kBlockTxMax, config.block_tx_max));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "block_interval_ms", 0, hi, config.block_interval_ms));
  TRESTLE_TRY_STATUS(read_u32(reader, value, path, "empty_block_interval_ms", 1, hi, config.empty_block_interval_ms));
  // Relations between fields, checked on the result so that a default and a given value interact
  // as they will in the engines.
  if (config.view_timeout_ms_max < config.view_timeout_ms) {
    return reader.error("consensus.view_timeout_ms_max", "must be at least view_timeout_ms (" +
                                                             std::to_string(config.view_timeout_ms) + "), got " +
                                                             std::to_string(config.view_timeout_ms_max));
  }
  // Raft draws election timeouts from [min, max): the range must not be empty.
  if (config.election_timeout_ms_max <= config.election_timeout_ms) {
    return reader.error("consensus.election_timeout_ms_max",
                        "must be greater than election_timeout_ms (" + std::to_string(config.election_timeout_ms) +
                            "), got " + std::to_string(config.election_timeout_ms_max));
  }
  // A leader heartbeating no faster than the followers' timeout would be deposed over and over.
  if (config.heartbeat_ms >= config.election_timeout_ms) {
    return reader.error("consensus.heartbeat_ms", "must be less than election_timeout_ms (" +
                                                      std::to_string(config.election_timeout_ms) + "), got " +
                                                      std::to_string(config.heartbeat_ms));
  }
  if (config.empty_block_interval_ms < config.block_interval_ms) {
    return reader.error("consensus.empty_block_interval_ms", "must be at least block_interval_ms (" +
                                                                 std::to_string(config.block_interval_ms) + "), got " +
                                                                 std::to_string(config.empty_block_interval_ms));
  }
  // An idle PBFT primary proposes an empty block after empty_block_interval_ms; if that is not
  // shorter than the view timeout, every idle height ends in a view change.
  if (config.engine == "pbft" && config.empty_block_interval_ms >= config.view_timeout_ms) {
    return reader.error("consensus.empty_block_interval_ms",
                        "must be less than view_timeout_ms (" + std::to_string(config.view_timeout_ms) +
                            ") with pbft, got " + std::to_string(config.empty_block_interval_ms));
  }
  return config;
}

Result<std::vector<crypto::PublicKey>> read_sealers(const Reader& reader, const Json& value, crypto::KeyType type) {
  TRESTLE_TRY(const Json* sealers, reader.array(value, "sealers", 1, kSealerCountMax));
  std::vector<crypto::PublicKey> keys;
  keys.reserve(sealers->size());
  for (std::size_t i = 0; i < sealers->size(); ++i) {
    const std::string path = element("sealers", i);
    const Json& sealer = (*sealers)[i];
    TRESTLE_TRY_STATUS(reader.object(sealer, path, {"index", "public_key"}));
    TRESTLE_TRY(const Json* index, reader.required(sealer, path, "index"));
    TRESTLE_TRY_STATUS(reader.integer(*index, child(path, "index"), i, i));
    TRESTLE_TRY(const Json* encoded, reader.required(sealer, path, "public_key"));
    TRESTLE_TRY(crypto::PublicKey key, read_sealer_key(reader, *encoded, child(path, "public_key"), type));
    for (std::size_t j = 0; j < keys.size(); ++j) {
      if (keys[j] == key)
        return reader.error(child(path, "public_key"), "the same key as sealers[" + std::to_string(j) + "]");
    }
    keys.push_back(key);
  }
  return keys;
}

Result<Endpoint> read_endpoint(const Reader& reader, const Json& value, std::string_view path, bool host_required,
                               const Endpoint& defaults) {
  TRESTLE_TRY_STATUS(reader.object(value, path, {"host", "port"}));
  Endpoint endpoint = defaults;
  if (host_required) TRESTLE_TRY_STATUS(reader.required(value, path, "host"));
  if (const Json* host = field(value, "host")) {
    TRESTLE_TRY(endpoint.host, reader.text(*host, child(path, "host"), 1, kHostSizeMax));
  }
  TRESTLE_TRY(const Json* port, reader.required(value, path, "port"));
  TRESTLE_TRY(std::uint64_t number, reader.integer(*port, child(path, "port"), 1, 65'535));
  endpoint.port = static_cast<std::uint16_t>(number);
  return endpoint;
}

Result<std::vector<PeerConfig>> read_peers(const Reader& reader, const Json& value) {
  TRESTLE_TRY(const Json* peers, reader.array(value, "peers", 0, kPeerCountMax));
  std::vector<PeerConfig> out;
  for (std::size_t i = 0; i < peers->size(); ++i) {
    const std::string path = element("peers", i);
    const Json& peer = (*peers)[i];
    TRESTLE_TRY_STATUS(reader.object(peer, path, {"index", "host", "port"}));
    PeerConfig config;
    TRESTLE_TRY(const Json* index, reader.required(peer, path, "index"));
    TRESTLE_TRY(std::uint64_t number, reader.integer(*index, child(path, "index"), 0, kSealerCountMax - 1));
    config.index = static_cast<std::uint32_t>(number);
    for (std::size_t j = 0; j < out.size(); ++j) {
      if (out[j].index == config.index) {
        return reader.error(child(path, "index"),
                            "sealer " + std::to_string(config.index) + " is already peers[" + std::to_string(j) + "]");
      }
    }
    // read_endpoint would name the object's fields under "peers[i]" too; only index is extra.
    Json endpoint = peer;
    endpoint.erase("index");
    TRESTLE_TRY(config.endpoint, read_endpoint(reader, endpoint, path, true, Endpoint{}));
    out.push_back(std::move(config));
  }
  return out;
}

}  // namespace

Result<Genesis> parse_genesis(std::string_view json_text, std::string_view source) {
  TRESTLE_TRY(Json document, parse_document(json_text, source));
  const Reader reader(source);
  TRESTLE_TRY_STATUS(reader.object(
      document, "",
      {"chain_id", "group_id", "suite", "timestamp_ms", "sealers", "consensus", "application", "application_state"}));
  Genesis genesis;
  TRESTLE_TRY(const Json* chain_id, reader.required(document, "", "chain_id"));
  TRESTLE_TRY(genesis.chain_id, reader.text(*chain_id, "chain_id", 1, kIdSizeMax));
  if (const Json* group_id = field(document, "group_id")) {
    TRESTLE_TRY(genesis.group_id, reader.text(*group_id, "group_id", 1, kIdSizeMax));
  }
  TRESTLE_TRY(const Json* suite, reader.required(document, "", "suite"));
  TRESTLE_TRY(genesis.suite, reader.choice(*suite, "suite", {"sm", "ecdsa"}));
  if (const Json* timestamp = field(document, "timestamp_ms")) {
    TRESTLE_TRY(genesis.timestamp_ms,
                reader.integer(*timestamp, "timestamp_ms", 0, std::numeric_limits<std::uint64_t>::max()));
  }
  TRESTLE_TRY(const Json* sealers, reader.required(document, "", "sealers"));
  TRESTLE_TRY(genesis.sealers, read_sealers(reader, *sealers, genesis_suite(genesis).key_type()));
  if (const Json* consensus = field(document, "consensus")) {
    TRESTLE_TRY(genesis.consensus, read_consensus(reader, *consensus));
  }
  if (const Json* application = field(document, "application")) {
    // Any name: an embedding program brings its own application ("notary", ...); the node
    // refuses to start when its application has another name.
    TRESTLE_TRY(genesis.application, reader.text(*application, "application", 1, 64));
  }
  if (const Json* state = field(document, "application_state")) {
    // The parser accepted only valid UTF-8, so dumping cannot fail.
    genesis.application_state_json = state->dump();
  }
  return genesis;
}

Result<NodeConfig> parse_node_config(std::string_view json_text, std::string_view source,
                                     const std::filesystem::path& base_dir) {
  TRESTLE_TRY(Json document, parse_document(json_text, source));
  const Reader reader(source);
  TRESTLE_TRY_STATUS(reader.object(document, "",
                                   {"genesis", "key", "data_dir", "p2p", "rpc", "peers", "log_level", "sync",
                                    "pool_capacity", "verify_threads", "rpc_body_max_bytes"}));
  NodeConfig config;
  TRESTLE_TRY(const Json* genesis, reader.required(document, "", "genesis"));
  TRESTLE_TRY(config.genesis, reader.file_path(*genesis, "genesis", base_dir));
  TRESTLE_TRY(const Json* key, reader.required(document, "", "key"));
  TRESTLE_TRY(config.key, reader.file_path(*key, "key", base_dir));
  TRESTLE_TRY(const Json* data_dir, reader.required(document, "", "data_dir"));
  TRESTLE_TRY(config.data_dir, reader.file_path(*data_dir, "data_dir", base_dir));
  TRESTLE_TRY(const Json* p2p, reader.required(document, "", "p2p"));
  TRESTLE_TRY(config.p2p, read_endpoint(reader, *p2p, "p2p", false, config.p2p));
  TRESTLE_TRY(const Json* rpc, reader.required(document, "", "rpc"));
  TRESTLE_TRY(config.rpc, read_endpoint(reader, *rpc, "rpc", false, config.rpc));
  if (const Json* peers = field(document, "peers")) {
    TRESTLE_TRY(config.peers, read_peers(reader, *peers));
  }
  if (const Json* level = field(document, "log_level")) {
    TRESTLE_TRY(config.log_level,
                reader.choice(*level, "log_level", {"trace", "debug", "info", "warn", "error", "off"}));
  }
  if (const Json* sync = field(document, "sync")) {
    TRESTLE_TRY(config.sync, reader.boolean(*sync, "sync"));
  }
  if (const Json* capacity = field(document, "pool_capacity")) {
    TRESTLE_TRY(config.pool_capacity, reader.integer(*capacity, "pool_capacity", 1, kPoolCapacityMax));
  }
  if (const Json* threads = field(document, "verify_threads")) {
    TRESTLE_TRY(config.verify_threads, reader.integer(*threads, "verify_threads", 0, kVerifyThreadsMax));
  }
  if (const Json* body = field(document, "rpc_body_max_bytes")) {
    TRESTLE_TRY(config.rpc_body_max_bytes,
                reader.integer(*body, "rpc_body_max_bytes", kRpcBodyBytesMin, kRpcBodyBytesMax));
  }
  return config;
}

Result<Genesis> load_genesis(const std::filesystem::path& file) {
  TRESTLE_TRY(std::string text, read_file(file));
  return parse_genesis(text, file.string());
}

Result<NodeConfig> load_node_config(const std::filesystem::path& file) {
  TRESTLE_TRY(std::string text, read_file(file));
  return parse_node_config(text, file.string(), file.parent_path());
}

std::string genesis_to_json(const Genesis& genesis) {
  Json sealers = Json::array();
  for (std::size_t i = 0; i < genesis.sealers.size(); ++i) {
    sealers.push_back({{"index", i}, {"public_key", to_hex(genesis.sealers[i].xy())}});
  }
  const ConsensusConfig& c = genesis.consensus;
  Json out = {{"chain_id", genesis.chain_id},
              {"group_id", genesis.group_id},
              {"suite", genesis.suite},
              {"timestamp_ms", genesis.timestamp_ms},
              {"sealers", std::move(sealers)},
              {"consensus",
               {{"engine", c.engine},
                {"view_timeout_ms", c.view_timeout_ms},
                {"view_timeout_ms_max", c.view_timeout_ms_max},
                {"election_timeout_ms", c.election_timeout_ms},
                {"election_timeout_ms_max", c.election_timeout_ms_max},
                {"heartbeat_ms", c.heartbeat_ms},
                {"block_tx_max", c.block_tx_max},
                {"block_interval_ms", c.block_interval_ms},
                {"empty_block_interval_ms", c.empty_block_interval_ms}}},
              {"application", genesis.application}};
  if (!genesis.application_state_json.empty()) {
    // Precondition: valid JSON text, as parse_genesis produces it.
    Json state = Json::parse(genesis.application_state_json, nullptr, false);
    assert(!state.is_discarded());
    out["application_state"] = std::move(state);
  }
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string node_config_to_json(const NodeConfig& config) {
  Json peers = Json::array();
  for (const PeerConfig& peer : config.peers) {
    peers.push_back({{"index", peer.index}, {"host", peer.endpoint.host}, {"port", peer.endpoint.port}});
  }
  Json out = {{"genesis", config.genesis.generic_string()},
              {"key", config.key.generic_string()},
              {"data_dir", config.data_dir.generic_string()},
              {"p2p", {{"host", config.p2p.host}, {"port", config.p2p.port}}},
              {"rpc", {{"host", config.rpc.host}, {"port", config.rpc.port}}},
              {"peers", std::move(peers)},
              {"log_level", config.log_level},
              {"sync", config.sync},
              {"pool_capacity", config.pool_capacity},
              {"verify_threads", config.verify_threads},
              {"rpc_body_max_bytes", config.rpc_body_max_bytes}};
  return out.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

const crypto::CryptoSuite& genesis_suite(const Genesis& genesis) {
  // Precondition: genesis.suite is "sm" or "ecdsa", as parse_genesis guarantees.
  auto suite = crypto::CryptoSuite::by_name(genesis.suite);
  assert(suite.ok());
  return suite.ok() ? *suite.value() : crypto::CryptoSuite::sm();
}

}  // namespace trestle::node
