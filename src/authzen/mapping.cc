#include "authzen/internal/mapping.h"

#include "core/error.h"
#include "encoding/json.h"

namespace mandate::authzen {
namespace {

std::string string_member(const nlohmann::json& object, const char* key, const std::string& field, bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) fail(ErrorKind::bad_input, field + "." + key + ": missing");
    return {};
  }
  if (!it->is_string()) fail(ErrorKind::bad_input, field + "." + key + ": expected a string");
  std::string value = it->get<std::string>();
  if (required && value.empty()) fail(ErrorKind::bad_input, field + "." + key + ": must not be empty");
  return value;
}

nlohmann::json properties_of(const nlohmann::json& entity, const std::string& field) {
  const auto it = entity.find("properties");
  if (it == entity.end() || it->is_null()) return nlohmann::json::object();
  if (!it->is_object()) fail(ErrorKind::bad_input, field + ".properties: expected an object");
  return *it;
}

}  // namespace

nlohmann::json parse_body(std::string_view body) {
  auto json = encoding::parse_json_strict(body);
  if (!json) fail(ErrorKind::bad_input, "body: " + json.error());
  if (!json->is_object()) fail(ErrorKind::bad_input, "body: expected a JSON object");
  return std::move(*json);
}

const nlohmann::json* object_member(const nlohmann::json& object, const std::string& key, const std::string& field,
                                    bool required) {
  const auto it = object.find(key);
  if (it == object.end()) {
    if (required) fail(ErrorKind::bad_input, field + ": missing");
    return nullptr;
  }
  if (!it->is_object()) fail(ErrorKind::bad_input, field + ": expected an object");
  return &*it;
}

broker::EntityRef parse_entity(const nlohmann::json& entity, const std::string& field, bool id_required) {
  if (!entity.is_object()) fail(ErrorKind::bad_input, field + ": expected an object");
  return {string_member(entity, "type", field, true), string_member(entity, "id", field, id_required),
          properties_of(entity, field)};
}

broker::EntityRef parse_action(const nlohmann::json& action, const std::string& field) {
  if (!action.is_object()) fail(ErrorKind::bad_input, field + ": expected an object");
  const std::string name = string_member(action, "name", field, true);
  // `Ns::Action::"name"`: a namespaced action, written as Cedar writes its uid.
  const auto marker = name.find("Action::\"");
  if (marker != std::string::npos && name.size() >= marker + 10 && name.back() == '"' &&
      (marker == 0 || (marker >= 2 && name.compare(marker - 2, 2, "::") == 0))) {
    return {name.substr(0, marker + 6), name.substr(marker + 9, name.size() - marker - 10), properties_of(action, field)};
  }
  return {"Action", name, properties_of(action, field)};
}

broker::Evaluation parse_evaluation(const nlohmann::json& request) {
  broker::Evaluation e;
  e.principal = parse_entity(*object_member(request, "subject", "subject", true), "subject", true);
  e.action = parse_action(*object_member(request, "action", "action", true), "action");
  e.resource = parse_entity(*object_member(request, "resource", "resource", true), "resource", true);
  if (const auto* context = object_member(request, "context", "context", false)) e.context = *context;
  return e;
}

std::string action_name(const broker::EntityRef& action) {
  if (action.type == "Action") return action.id;
  return action.type + "::\"" + action.id + "\"";
}

}  // namespace mandate::authzen
