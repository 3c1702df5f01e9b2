#include "ledger_json.hpp"

#include "trestle/core/hex.hpp"

namespace trestle::capi {

std::string dump(const nlohmann::ordered_json& value) {
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace trestle::capi
