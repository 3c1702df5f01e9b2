#pragma once
// Logging for the network library through spdlog.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "trestle/network/transport.hpp"

namespace trestle::network::detail {

// The logger registered under `name`, or else a copy of spdlog's default logger named `name`
// (not registered: the library adds nothing to spdlog's global registry).
std::shared_ptr<spdlog::logger> network_logger(const std::string& name);

// The first 4 bytes of a node id in hex: enough to tell the nodes of one chain apart in logs.
std::string short_id(const NodeId& id);

}  // namespace trestle::network::detail
