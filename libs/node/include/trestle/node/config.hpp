#pragma once
// Genesis and node configuration, as JSON files. docs/node.md is the reference of every field.
//
// genesis.json is the same file on every node of a chain: it fixes the chain id, the suite, the
// sealers, the consensus parameters and the application with its initial state. config.json is
// one node's: its key, data directory, listen addresses and peers.
//
// Loading is strict, because a typo in a config silently ignored is an outage found later:
// unknown fields, wrong types, out-of-range values and missing required fields are errors
// (kInvalidArgument) whose message names the file and the field, e.g.
//   "config.json: rpc.port: expected an integer in [1, 65535], got \"80a\"".
// Relative paths inside config.json are relative to the directory of config.json.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "trestle/core/bytes.hpp"
#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/crypto/suite.hpp"

namespace trestle::node {

struct ConsensusConfig {
  std::string engine = "pbft";  // "pbft" or "raft"
  // PBFT: view timeout at each height, doubled per failed view up to the max.
  std::uint32_t view_timeout_ms = 2'000;
  std::uint32_t view_timeout_ms_max = 16'000;
  // Raft: election timeout range and heartbeat.
  std::uint32_t election_timeout_ms = 600;
  std::uint32_t election_timeout_ms_max = 1'200;
  std::uint32_t heartbeat_ms = 150;
  // Transactions per block at most, and how long a proposer waits for the pool to fill a block
  // before it proposes what it has (an empty pool waits up to empty_block_interval_ms).
  std::uint32_t block_tx_max = 2'000;
  std::uint32_t block_interval_ms = 100;
  std::uint32_t empty_block_interval_ms = 1'000;
};

struct Genesis {
  std::string chain_id;             // 1..64 bytes
  std::string group_id = "group0";  // 1..64 bytes
  std::string suite;                // "sm" or "ecdsa"
  std::uint64_t timestamp_ms = 0;   // the genesis block's timestamp
  // Sealer i's public key (uncompressed x||y, 128 hex digits in the file), i = 0..n-1. Keys of
  // the suite's curve, no duplicates, 1..1024 of them.
  std::vector<crypto::PublicKey> sealers;
  ConsensusConfig consensus;
  // The application's name: "asset" or "kv" for the built-in ones (the only ones `trestle node
  // start` runs), or an embedding program's own (1..64 visible ASCII characters).
  std::string application = "asset";
  // The application's initial state, as JSON text (verbatim re-serialisation of the field's
  // value; "" when the field is absent). Application::genesis_state interprets it.
  std::string application_state_json;
};

struct Endpoint {
  std::string host;  // IP address or host name
  std::uint16_t port = 0;
};

struct PeerConfig {
  std::uint32_t index = 0;  // the sealer index in genesis.json
  Endpoint endpoint;        // where to dial it
};

struct NodeConfig {
  std::filesystem::path genesis;   // genesis.json (required)
  std::filesystem::path key;       // this node's private key, PEM (required)
  std::filesystem::path data_dir;  // the ledger directory (required; created if missing)
  Endpoint p2p{"127.0.0.1", 0};    // listen address for peers (port required)
  Endpoint rpc{"127.0.0.1", 0};    // listen address for JSON-RPC and /metrics (port required)
  std::vector<PeerConfig> peers;   // the other sealers to dial
  std::string log_level = "info";  // trace, debug, info, warn, error, off
  // fsync on every commit (see LmdbOptions::sync before turning it off).
  bool sync = true;
  std::size_t pool_capacity = 200'000;
  // Signature-checking threads of the tx pool; 0: one per hardware thread.
  std::size_t verify_threads = 0;
  // JSON-RPC request bodies larger than this are refused.
  std::size_t rpc_body_max_bytes = 8u << 20;
};

// Parse from text; `source` names the file in error messages.
Result<Genesis> parse_genesis(std::string_view json_text, std::string_view source);
Result<NodeConfig> parse_node_config(std::string_view json_text, std::string_view source,
                                     const std::filesystem::path& base_dir);
// Read and parse a file. Errors: kNotFound / kIo reading it, then as parse_*.
Result<Genesis> load_genesis(const std::filesystem::path& file);
Result<NodeConfig> load_node_config(const std::filesystem::path& file);

// Canonical JSON text (2-space indent, fields in the documented order, trailing newline) that
// parses back to an equal value. For `trestle chain init` and for tests.
std::string genesis_to_json(const Genesis& genesis);
// Paths are written as given (chain init writes them relative to the config's directory).
std::string node_config_to_json(const NodeConfig& config);

// The suite named by genesis.suite (CryptoSuite::by_name).
const crypto::CryptoSuite& genesis_suite(const Genesis& genesis);

}  // namespace trestle::node
