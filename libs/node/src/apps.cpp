#include "trestle/node/apps.hpp"

#include <string>

namespace trestle::node {

Result<std::unique_ptr<Application>> make_application(std::string_view name) {
  if (name == "asset") return make_asset_application();
  if (name == "kv") return make_kv_application();
  return Error(ErrorCode::kInvalidArgument, "unknown application \"" + std::string(name) + "\": expected asset or kv");
}

}  // namespace trestle::node
