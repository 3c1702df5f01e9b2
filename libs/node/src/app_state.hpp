#pragma once
// What the built-in applications share for reading genesis.json's "application_state": error
// messages that name the field, and the one shape both accept, {"<list>": [ ... ]}.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "trestle/core/result.hpp"

namespace trestle::node::detail {

inline Error field_error(const std::string& field, const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, field + ": " + message);
}

// The array under `list` of the object application_state must be, strictly (no other member);
// nullopt when the state is absent (""), which means an empty state.
inline Result<std::optional<nlohmann::json>> state_list(std::string_view application_state_json,
                                                        const std::string& list) {
  if (application_state_json.empty()) return std::optional<nlohmann::json>();
  nlohmann::json state;
  try {
    state = nlohmann::json::parse(application_state_json);
  } catch (const nlohmann::json::exception& e) {
    return field_error("application_state", std::string("not valid JSON: ") + e.what());
  }
  if (!state.is_object()) return field_error("application_state", "expected an object with \"" + list + "\"");
  for (const auto& [key, value] : state.items()) {
    if (key != list) return field_error("application_state." + key, "unknown field (expected " + list + ")");
  }
  if (!state.contains(list)) return field_error("application_state." + list, "missing");
  nlohmann::json items = std::move(state.at(list));
  if (!items.is_array()) return field_error("application_state." + list, "expected an array");
  return std::optional<nlohmann::json>(std::move(items));
}

}  // namespace trestle::node::detail
