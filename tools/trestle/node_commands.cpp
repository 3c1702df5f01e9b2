// `trestle node start`: runs a node with its JSON-RPC server in the foreground until SIGINT or
// SIGTERM.

#include <csignal>
#include <memory>
#include <string>

#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "trestle/node/apps.hpp"
#include "trestle/node/config.hpp"
#include "trestle/node/node.hpp"
#include "trestle/node/rpc_server.hpp"

namespace trestle::cli {
namespace {

struct StartOptions {
  std::string config;
  std::string log_level;
};

Status set_up_logging(const std::string& level) {
  // Logs go to stderr, one event per line: time, logger, level, message.
  spdlog::set_default_logger(spdlog::stderr_color_mt("trestle"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %n %l %v");
  spdlog::flush_on(spdlog::level::info);
  return node::set_log_level(level);
}

Outcome run_node(const StartOptions& options) {
  TRESTLE_TRY(node::NodeConfig config, node::load_node_config(options.config));
  TRESTLE_TRY(node::Genesis genesis, node::load_genesis(config.genesis));
  TRESTLE_TRY_STATUS(set_up_logging(options.log_level.empty() ? config.log_level : options.log_level));
  TRESTLE_TRY(auto app, node::make_application(genesis.application));

  // Signals are taken by sigwait on this thread: block them before any thread starts, so every
  // thread inherits the mask and none is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  node::RpcServerOptions rpc_options;
  rpc_options.host = config.rpc.host;
  rpc_options.port = config.rpc.port;
  rpc_options.body_max_bytes = config.rpc_body_max_bytes;
  TRESTLE_TRY(auto node, node::Node::create(std::move(genesis), std::move(config), std::move(app)));
  TRESTLE_TRY_STATUS(node->start());
  auto rpc = node::RpcServer::start(*node, rpc_options);
  if (!rpc.ok()) {
    node->stop();
    return rpc.error();
  }
  spdlog::info("JSON-RPC at http://{}:{}/ (metrics at /metrics)", rpc_options.host, rpc.value()->port());

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("{} received, stopping", received == SIGINT ? "SIGINT" : "SIGTERM");
  rpc.value()->stop();
  node->stop();
  spdlog::shutdown();
  return kExitOk;
}

}  // namespace

void add_node_commands(CLI::App& app, Action& action) {
  CLI::App* node = app.add_subcommand("node", "Run a node of a chain");
  node->require_subcommand(1);

  auto options = std::make_shared<StartOptions>();
  CLI::App* start = node->add_subcommand("start", "Run a node in the foreground until SIGINT or SIGTERM");
  start->add_option("--config", options->config, "The node's config.json (see docs/node.md)")->required();
  start->add_option("--log-level", options->log_level,
                    "trace, debug, info, warn, error or off (default: the config's log_level)");
  add_details(*start,
              "Logs go to standard error. The node restarts from its data directory: stop it with Ctrl-C or "
              "SIGTERM and start it again with the same config.");
  start->callback([&action, options] { action = [options]() { return run_node(*options); }; });
}

}  // namespace trestle::cli
