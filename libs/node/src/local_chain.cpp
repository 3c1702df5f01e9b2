#include "trestle/node/local_chain.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "trestle/core/hex.hpp"
#include "trestle/crypto/random.hpp"
#include "trestle/node/apps.hpp"

namespace trestle::node {
namespace {

Result<std::uint16_t> free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Error(ErrorCode::kIo, "local chain: cannot open a socket to pick a port");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) return Error(ErrorCode::kIo, "local chain: cannot pick a free port on 127.0.0.1");
  return static_cast<std::uint16_t>(ntohs(address.sin_port));
}

Status write_private_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Error(ErrorCode::kIo, "local chain: cannot write " + path.string());
  std::error_code ec;
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  return {};
}

std::uint64_t wall_clock_ms() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

}  // namespace

struct LocalChain::State {
  LocalChainOptions options;
  Genesis genesis;
  std::vector<crypto::PrivateKey> accounts;
  std::vector<NodeConfig> configs;
  std::vector<std::unique_ptr<Node>> nodes;
};

LocalChain::LocalChain(std::unique_ptr<State> state) : state_(std::move(state)) {}

LocalChain::~LocalChain() {
  for (auto& node : state_->nodes) node.reset();
  if (state_->options.remove_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(state_->options.dir, ignored);
  }
}

Result<std::unique_ptr<LocalChain>> LocalChain::create(LocalChainOptions options) {
  if (options.nodes == 0) return Error(ErrorCode::kInvalidArgument, "local chain: at least one node");
  if (options.dir.empty()) return Error(ErrorCode::kInvalidArgument, "local chain: no directory");
  auto state = std::make_unique<State>();
  Genesis& genesis = state->genesis;
  genesis.chain_id = "local";
  genesis.suite = options.suite;
  genesis.timestamp_ms = wall_clock_ms();
  genesis.consensus = options.consensus;
  genesis.consensus.engine = options.engine;
  genesis.application = options.application;
  TRESTLE_TRY(const crypto::CryptoSuite* suite, crypto::CryptoSuite::by_name(options.suite));
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Error(ErrorCode::kIo, "local chain: cannot create " + options.dir.string() + ": " + ec.message());

  std::vector<crypto::PrivateKey> sealer_keys;
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    TRESTLE_TRY(crypto::PrivateKey key, suite->generate_key());
    genesis.sealers.push_back(key.public_key());
    sealer_keys.push_back(std::move(key));
  }
  if (options.application == "asset") {
    std::string accounts = "{\"accounts\":[";
    for (std::size_t i = 0; i < options.accounts; ++i) {
      TRESTLE_TRY(crypto::PrivateKey key, suite->generate_key());
      accounts += (i == 0 ? "" : ",") + std::string("{\"address\":\"") + to_hex(suite->address(key.public_key())) +
                  "\",\"balance\":" + std::to_string(options.balance) + "}";
      state->accounts.push_back(std::move(key));
    }
    genesis.application_state_json = accounts + "]}";
  }

  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    NodeConfig config;
    const auto node_dir = options.dir / ("node" + std::to_string(i));
    std::filesystem::create_directories(node_dir, ec);
    if (ec) return Error(ErrorCode::kIo, "local chain: cannot create " + node_dir.string() + ": " + ec.message());
    config.genesis = options.dir / "genesis.json";
    config.key = node_dir / "node.pem";
    TRESTLE_TRY_STATUS(write_private_file(config.key, crypto::private_key_to_pem(sealer_keys[i])));
    config.data_dir = node_dir / "data";
    TRESTLE_TRY(std::uint16_t p2p_port, free_port());
    TRESTLE_TRY(std::uint16_t rpc_port, free_port());
    config.p2p = Endpoint{"127.0.0.1", p2p_port};
    config.rpc = Endpoint{"127.0.0.1", rpc_port};
    config.sync = options.sync;
    config.verify_threads = options.verify_threads;
    state->configs.push_back(std::move(config));
  }
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    for (std::uint32_t j = 0; j < options.nodes; ++j) {
      if (i != j) state->configs[i].peers.push_back(PeerConfig{j, state->configs[j].p2p});
    }
  }
  // The files a `trestle node start` would read, so a local chain can also be run by hand.
  TRESTLE_TRY_STATUS(write_private_file(options.dir / "genesis.json", genesis_to_json(genesis)));
  for (std::uint32_t i = 0; i < options.nodes; ++i) {
    TRESTLE_TRY_STATUS(write_private_file(options.dir / ("node" + std::to_string(i)) / "config.json",
                                          node_config_to_json(state->configs[i])));
  }
  state->nodes.resize(options.nodes);
  state->options = std::move(options);
  return std::unique_ptr<LocalChain>(new LocalChain(std::move(state)));
}

Status LocalChain::start(std::uint32_t i) {
  if (i >= size()) return Error(ErrorCode::kInvalidArgument, "local chain: no node " + std::to_string(i));
  state_->nodes[i].reset();
  std::unique_ptr<Application> app;
  if (state_->options.make_application) {
    app = state_->options.make_application();
  } else {
    TRESTLE_TRY(app, make_application(state_->genesis.application));
  }
  TRESTLE_TRY(auto node, Node::create(state_->genesis, state_->configs[i], std::move(app)));
  TRESTLE_TRY_STATUS(node->start());
  state_->nodes[i] = std::move(node);
  return {};
}

Status LocalChain::start_all() {
  for (std::uint32_t i = 0; i < size(); ++i) TRESTLE_TRY_STATUS(start(i));
  return {};
}

void LocalChain::stop(std::uint32_t i) {
  if (i < size()) state_->nodes[i].reset();
}

std::uint32_t LocalChain::size() const { return static_cast<std::uint32_t>(state_->nodes.size()); }
bool LocalChain::running(std::uint32_t i) const { return i < size() && state_->nodes[i] != nullptr; }
Node& LocalChain::node(std::uint32_t i) { return *state_->nodes.at(i); }
const Genesis& LocalChain::genesis() const { return state_->genesis; }
const NodeConfig& LocalChain::config(std::uint32_t i) const { return state_->configs.at(i); }
const crypto::CryptoSuite& LocalChain::suite() const { return genesis_suite(state_->genesis); }
const std::filesystem::path& LocalChain::dir() const { return state_->options.dir; }
std::size_t LocalChain::account_count() const { return state_->accounts.size(); }
const crypto::PrivateKey& LocalChain::account(std::size_t i) const { return state_->accounts.at(i); }
Address LocalChain::address(std::size_t i) const { return suite().address(account(i).public_key()); }

ledger::Height LocalChain::height(std::uint32_t i) const {
  if (!running(i)) return 0;
  auto tip = state_->nodes[i]->store().tip();
  return tip ? tip->height : 0;
}

ledger::Height LocalChain::max_height() const {
  ledger::Height highest = 0;
  for (std::uint32_t i = 0; i < size(); ++i) highest = std::max(highest, height(i));
  return highest;
}

Result<ledger::Transaction> LocalChain::transfer(std::size_t from, std::size_t to, std::uint64_t amount,
                                                 std::optional<ledger::Height> block_limit) const {
  if (from >= account_count() || to >= account_count()) {
    return Error(ErrorCode::kInvalidArgument, "local chain: no such account");
  }
  ledger::Transaction tx;
  tx.chain_id = state_->genesis.chain_id;
  tx.group_id = state_->genesis.group_id;
  TRESTLE_TRY(tx.nonce, crypto::random_bytes(16));
  tx.block_limit = block_limit ? *block_limit : max_height() + 500;
  tx.target = address(to);
  tx.payload = asset::encode_transfer(amount);
  tx.timestamp_ms = wall_clock_ms();
  TRESTLE_TRY_STATUS(tx.sign(suite(), account(from)));
  return tx;
}

}  // namespace trestle::node
