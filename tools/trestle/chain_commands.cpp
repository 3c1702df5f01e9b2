// trestle chain init: the genesis, node configurations, node keys and funded accounts of a new
// chain, laid out as docs/node.md describes.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "trestle/core/hex.hpp"
#include "trestle/node/config.hpp"

namespace trestle::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kNodeCountMax = 64;
constexpr std::uint32_t kAccountCountMax = 10'000;
constexpr std::uint32_t kPortMax = 65'535;

struct InitOptions {
  std::uint32_t nodes = 0;
  std::string suite;
  std::string consensus = "pbft";
  std::uint32_t base_port = 30'300;
  std::uint32_t accounts = 10;
  std::string out;
  std::string chain_id = "trestle-local";
  std::uint64_t balance = 1'000'000'000;
  std::string application = "asset";
  std::vector<std::string> hosts;
};

// A file to create, with the mode it gets.
struct PlannedFile {
  fs::path path;
  std::string content;
  bool secret = false;
};

// Creates a new file (never replaces one) with mode 0644; secrets go through write_private_file.
// Wipes the secret contents of planned files however run_init returns.
class SecretWiper {
 public:
  explicit SecretWiper(std::vector<PlannedFile>& files) : files_(files) {}
  SecretWiper(const SecretWiper&) = delete;
  SecretWiper& operator=(const SecretWiper&) = delete;
  ~SecretWiper() {
    for (PlannedFile& file : files_) {
      if (file.secret) wipe(file.content);
    }
  }

 private:
  std::vector<PlannedFile>& files_;
};

Status write_public_file(const fs::path& path, std::string_view content) {
  const std::string name = path.string();
  int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Error(ErrorCode::kIo, name + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  Status status;
  while (done < content.size() && status.ok()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Error(ErrorCode::kIo, name + ": cannot write: " + std::strerror(errno));
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  if (status.ok() && ::fsync(fd) != 0) status = Error(ErrorCode::kIo, name + ": cannot write: " + std::strerror(errno));
  if (::close(fd) != 0 && status.ok()) {
    status = Error(ErrorCode::kIo, name + ": cannot write: " + std::strerror(errno));
  }
  if (!status.ok()) ::unlink(name.c_str());
  return status;
}

// Visible ASCII only: ids and hosts end up in JSON, URLs and log lines.
bool is_visible_ascii(std::string_view text) {
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return !text.empty();
}

// "host:port" and "http://host:port/", with an IPv6 address in brackets.
std::string host_port(const node::Endpoint& endpoint) {
  const bool ipv6 = endpoint.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

Status check_options(const InitOptions& options) {
  if (options.chain_id.size() > 64 || !is_visible_ascii(options.chain_id)) {
    return Error(ErrorCode::kInvalidArgument,
                 "--chain-id: expected 1 to 64 visible ASCII characters, got '" + options.chain_id + "'");
  }
  if (!options.hosts.empty() && options.hosts.size() != options.nodes) {
    return Error(ErrorCode::kInvalidArgument, "--hosts: expected one address per node (" +
                                                  std::to_string(options.nodes) + "), got " +
                                                  std::to_string(options.hosts.size()));
  }
  for (const std::string& host : options.hosts) {
    if (host.size() > 253 || !is_visible_ascii(host)) {
      return Error(ErrorCode::kInvalidArgument, "--hosts: '" + host + "' is not a host name or address");
    }
  }
  const std::uint64_t last_port = std::uint64_t{options.base_port} + 2 * std::uint64_t{options.nodes} - 1;
  if (last_port > kPortMax) {
    return Error(ErrorCode::kInvalidArgument, "--base-port: " + std::to_string(options.nodes) + " nodes need ports " +
                                                  std::to_string(options.base_port) + " to " +
                                                  std::to_string(last_port) + ", beyond " + std::to_string(kPortMax));
  }
  return ok_status();
}

// Node `node`'s peer address: its --hosts entry (127.0.0.1 without one), port P + 2I.
node::Endpoint p2p_endpoint(const InitOptions& options, std::uint32_t node) {
  std::string host = options.hosts.empty() ? "127.0.0.1" : options.hosts[node];
  return {std::move(host), static_cast<std::uint16_t>(options.base_port + 2 * node)};
}

// Node `node`'s JSON-RPC address: always 127.0.0.1, port P + 2I + 1. JSON-RPC is plain HTTP that
// accepts transactions from anyone who reaches it, so exposing it is the operator's explicit edit.
node::Endpoint rpc_endpoint(const InitOptions& options, std::uint32_t node) {
  return {"127.0.0.1", static_cast<std::uint16_t>(options.base_port + 2 * node + 1)};
}

std::uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<std::uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Outcome run_init(const InitOptions& options) {
  TRESTLE_TRY_STATUS(check_options(options));
  TRESTLE_TRY(const crypto::CryptoSuite* suite, crypto::CryptoSuite::by_name(options.suite));
  const fs::path dir(options.out);
  const fs::path genesis_path = dir / "genesis.json";
  std::error_code exists_error;
  if (fs::exists(genesis_path, exists_error)) {
    return Error(ErrorCode::kInvalidArgument, genesis_path.string() +
                                                  " exists; refusing to overwrite a chain (remove it or choose "
                                                  "another --out)");
  }

  // Every key and file is made in memory first, so a bad option or an existing file stops the
  // command before anything is written.
  std::vector<PlannedFile> files;
  SecretWiper wiper(files);
  node::Genesis genesis;
  genesis.chain_id = options.chain_id;
  genesis.suite = std::string(suite->name());
  genesis.timestamp_ms = now_ms();
  genesis.consensus.engine = options.consensus;
  genesis.application = options.application;
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    TRESTLE_TRY(crypto::PrivateKey key, suite->generate_key());
    genesis.sealers.push_back(key.public_key());
    files.push_back({dir / ("node" + std::to_string(i)) / "node.pem", crypto::private_key_to_pem(key), true});
  }
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    node::NodeConfig config;
    config.genesis = "../genesis.json";
    config.key = "node.pem";
    config.data_dir = "data";
    config.p2p = p2p_endpoint(options, i);
    config.rpc = rpc_endpoint(options, i);
    for (std::uint32_t j = 0; j < options.nodes; ++j) {
      if (j != i) config.peers.push_back({j, p2p_endpoint(options, j)});
    }
    files.push_back({dir / ("node" + std::to_string(i)) / "config.json", node::node_config_to_json(config), false});
  }
  const bool funded = options.application == "asset";
  nlohmann::ordered_json accounts = nlohmann::ordered_json::array();
  nlohmann::ordered_json balances = nlohmann::ordered_json::array();
  for (std::uint32_t j = 0; j < options.accounts; ++j) {
    TRESTLE_TRY(crypto::PrivateKey key, suite->generate_key());
    const std::string address = to_hex(suite->address(key.public_key()));
    const std::string name = "account" + std::to_string(j) + ".pem";
    files.push_back({dir / "accounts" / name, crypto::private_key_to_pem(key), true});
    accounts.push_back({{"address", address}, {"key", name}, {"balance", funded ? options.balance : 0}});
    balances.push_back({{"address", address}, {"balance", options.balance}});
  }
  files.push_back({dir / "accounts" / "accounts.json", accounts.dump(2) + "\n", false});
  if (funded) genesis.application_state_json = nlohmann::ordered_json{{"accounts", balances}}.dump();
  const std::string genesis_text = node::genesis_to_json(genesis);
  // The file must load as every node will load it.
  auto reparsed = node::parse_genesis(genesis_text, genesis_path.string());
  if (!reparsed.ok()) return reparsed.error();
  // Written last: its presence marks a complete chain directory.
  files.push_back({genesis_path, genesis_text, false});

  for (const PlannedFile& file : files) {
    if (fs::exists(file.path, exists_error)) {
      return Error(ErrorCode::kInvalidArgument,
                   file.path.string() + " exists; chain init never replaces files (remove it or choose another --out)");
    }
  }
  for (const PlannedFile& file : files) {
    std::error_code error;
    fs::create_directories(file.path.parent_path(), error);
    if (error) return Error(ErrorCode::kIo, file.path.parent_path().string() + ": cannot create: " + error.message());
    Status written = file.secret ? write_private_file(file.path.string(), as_bytes(file.content), false)
                                 : write_public_file(file.path, file.content);
    TRESTLE_TRY_STATUS(written);
  }

  if (options.consensus == "pbft" && options.nodes < 4) {
    print_error("warning: pbft with " + std::to_string(options.nodes) +
                " nodes tolerates no Byzantine fault (that takes at least 4)");
  }
  std::string summary = "chain " + genesis.chain_id + ": " + std::to_string(options.nodes) + " nodes (" +
                        genesis.suite + ", " + genesis.consensus.engine + "), " + std::to_string(options.accounts) +
                        " accounts in " + dir.string() + "\n";
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    summary += "node" + std::to_string(i) + ": p2p " + host_port(p2p_endpoint(options, i)) + ", rpc http://" +
               host_port(rpc_endpoint(options, i)) + "/\n";
  }
  TRESTLE_TRY_STATUS(write_stdout(as_bytes(summary)));
  return kExitOk;
}

}  // namespace

void add_chain_commands(CLI::App& app, Action& action) {
  CLI::App* chain = app.add_subcommand("chain", "Create the configuration of a new chain");
  chain->require_subcommand(1);

  auto init = std::make_shared<InitOptions>();
  CLI::App* init_command =
      chain->add_subcommand("init", "Write genesis.json, node keys and configs, and funded accounts into a directory");
  add_details(*init_command,
              "Writes DIR/genesis.json, DIR/nodeI/{node.pem,config.json} for I = 0..N-1 and "
              "DIR/accounts/{accountJ.pem,accounts.json} for J = 0..K-1; keys get mode 0600. Node I listens for "
              "peers on port P+2I and for JSON-RPC on P+2I+1. Start a node with `trestle node start --config "
              "DIR/nodeI/config.json`. An existing DIR/genesis.json is never replaced (exit 2). "
              "docs/node.md describes every file.");
  init_command->add_option("--nodes", init->nodes, "Number of sealer nodes")
      ->required()
      ->check(CLI::Range(1u, kNodeCountMax))
      ->type_name("N");
  init_command->add_option("--suite", init->suite, "sm: SM2/SM3/SM4; ecdsa: secp256k1/Keccak-256/AES-GCM")
      ->required()
      ->check(CLI::IsMember({"sm", "ecdsa"}));
  init_command->add_option("--consensus", init->consensus, "Consensus engine")
      ->check(CLI::IsMember({"pbft", "raft"}))
      ->capture_default_str();
  init_command->add_option("--base-port", init->base_port, "First port: node I uses P+2I (p2p) and P+2I+1 (rpc)")
      ->check(CLI::Range(1u, kPortMax))
      ->type_name("P")
      ->capture_default_str();
  init_command->add_option("--accounts", init->accounts, "Number of client accounts to create (and fund)")
      ->check(CLI::Range(0u, kAccountCountMax))
      ->type_name("K")
      ->capture_default_str();
  init_command->add_option("--out", init->out, "Directory to write the chain into (created if missing)")
      ->required()
      ->type_name("DIR");
  init_command->add_option("--chain-id", init->chain_id, "Chain id: 1 to 64 visible ASCII characters")
      ->type_name("ID")
      ->capture_default_str();
  init_command->add_option("--balance", init->balance, "Initial balance of each account (application asset)")
      ->type_name("B")
      ->capture_default_str();
  init_command->add_option("--application", init->application, "Application the chain runs")
      ->check(CLI::IsMember({"asset", "kv"}))
      ->capture_default_str();
  init_command
      ->add_option("--hosts", init->hosts,
                   "One address per node, comma-separated: where node I listens for peers and where they dial "
                   "it (default 127.0.0.1 for all; JSON-RPC stays on 127.0.0.1)")
      ->delimiter(',')
      ->type_name("H0,H1,...");
  init_command->callback([init, &action] { action = [init] { return run_init(*init); }; });
}

}  // namespace trestle::cli
