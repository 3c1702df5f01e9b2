#pragma once
// LocalChain: a whole chain of nodes inside one process, on loopback, for tests, benchmarks,
// experiments and examples. It makes the sealer keys, funded accounts, genesis and configs in a
// directory and runs each node as a Node object (each with its own store, transport and threads,
// exactly as `trestle node start` runs it).
//
// Ports are picked free at creation (bind to port 0, then release): another program may take one
// before the node binds it, which start() then reports as kIo. Fine for tests on one machine; a
// deployment writes its ports into config files (`trestle chain init`).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trestle/core/result.hpp"
#include "trestle/crypto/keys.hpp"
#include "trestle/ledger/transaction.hpp"
#include "trestle/node/config.hpp"
#include "trestle/node/node.hpp"

namespace trestle::node {

struct LocalChainOptions {
  std::uint32_t nodes = 4;
  std::string suite = "sm";
  std::string engine = "pbft";
  std::string application = "asset";
  // Makes each node's application. Empty: the built-in one named by `application`. A custom
  // application's name() must equal `application`.
  std::function<std::unique_ptr<Application>()> make_application;
  // Funded accounts of the asset application, each with `balance`.
  std::size_t accounts = 16;
  std::uint64_t balance = 1'000'000'000;
  // Where keys, configs and data go; created, and removed by the destructor when remove_dir.
  std::filesystem::path dir;
  bool remove_dir = true;
  // fsync on commit (NodeConfig::sync). Off by default: a local chain survives its process
  // dying, not a power loss.
  bool sync = false;
  std::size_t verify_threads = 0;  // NodeConfig::verify_threads
  ConsensusConfig consensus;
};

class LocalChain {
 public:
  // Errors: kInvalidArgument (options), kIo (the directory or key files cannot be written).
  static Result<std::unique_ptr<LocalChain>> create(LocalChainOptions options);
  ~LocalChain();  // stops every node
  LocalChain(const LocalChain&) = delete;
  LocalChain& operator=(const LocalChain&) = delete;

  // Creates node i from its config and data directory (restarting it if it ran before) and
  // starts it. Errors: as Node::create and Node::start.
  Status start(std::uint32_t i);
  Status start_all();
  // Stops node i and destroys it (its data directory stays).
  void stop(std::uint32_t i);

  std::uint32_t size() const;
  bool running(std::uint32_t i) const;
  Node& node(std::uint32_t i);  // precondition: running(i)
  const Genesis& genesis() const;
  const NodeConfig& config(std::uint32_t i) const;
  const crypto::CryptoSuite& suite() const;
  const std::filesystem::path& dir() const;

  std::size_t account_count() const;
  const crypto::PrivateKey& account(std::size_t i) const;
  Address address(std::size_t i) const;

  // The committed height of node i (0 when not running), and the highest over running nodes.
  ledger::Height height(std::uint32_t i) const;
  ledger::Height max_height() const;

  // A signed transfer of `amount` from account `from` to account `to`, with a random nonce and,
  // unless given, a block limit 500 blocks above the highest node.
  Result<ledger::Transaction> transfer(std::size_t from, std::size_t to, std::uint64_t amount,
                                       std::optional<ledger::Height> block_limit = std::nullopt) const;

 private:
  struct State;
  explicit LocalChain(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace trestle::node
