#include "log.hpp"

#include "trestle/core/hex.hpp"

namespace trestle::network::detail {

std::shared_ptr<spdlog::logger> network_logger(const std::string& name) {
  if (auto logger = spdlog::get(name)) return logger;
  return spdlog::default_logger()->clone(name);
}

std::string short_id(const NodeId& id) { return to_hex(id.view().first(4)); }

}  // namespace trestle::network::detail
