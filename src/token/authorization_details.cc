#include "token/internal/authorization_details.h"

#include <array>

#include <nlohmann/json.hpp>

#include "encoding/json.h"
#include "token/internal/json_writer.h"

namespace mandate::token {
namespace {

using Refusal = std::unexpected<std::string>;
using Json = nlohmann::json;

constexpr std::array<const char*, 3> kListFields{"actions", "locations", "resources"};

std::vector<std::string>& list_of(core::AuthorizationDetail& detail, std::size_t field) {
  return field == 0 ? detail.actions : field == 1 ? detail.locations : detail.resources;
}
const std::vector<std::string>& list_of(const core::AuthorizationDetail& detail, std::size_t field) {
  return field == 0 ? detail.actions : field == 1 ? detail.locations : detail.resources;
}

bool is_common_field(const std::string& name) {
  return name == "type" || name == "actions" || name == "locations" || name == "resources";
}

std::expected<core::AuthorizationDetail, std::string> detail_from_json(const Json& item, const std::string& where) {
  if (!item.is_object()) return Refusal(where + " is not a JSON object");
  core::AuthorizationDetail detail;
  const auto type = item.find("type");
  if (type == item.end() || !type->is_string()) return Refusal(where + " has no string \"type\"");
  detail.type = type->get<std::string>();
  for (std::size_t f = 0; f < kListFields.size(); ++f) {
    const auto it = item.find(kListFields[f]);
    if (it == item.end()) continue;
    if (!it->is_array()) return Refusal(where + " \"" + kListFields[f] + "\" is not an array");
    for (const Json& entry : *it) {
      if (!entry.is_string()) return Refusal(where + " \"" + kListFields[f] + "\" holds a non-string");
      list_of(detail, f).push_back(entry.get<std::string>());
    }
  }
  Json extra = Json::object();
  for (const auto& [name, value] : item.items()) {
    if (!is_common_field(name)) extra[name] = value;
  }
  if (!extra.empty()) {
    auto canonical = encoding::canonicalize(extra);
    if (!canonical) return Refusal(where + " has a member that I-JSON cannot carry: " + canonical.error());
    detail.extra = std::move(*canonical);
  }
  return detail;
}

// The members of a detail's `extra`: a JSON object that repeats none of
// the common fields.
std::expected<Json, std::string> extra_members(const std::string& extra, std::size_t index) {
  if (extra.empty()) return Json::object();
  auto json = encoding::parse_json_strict(extra);
  if (!json || !json->is_object()) {
    return Refusal("authorization detail " + std::to_string(index) + ": extra is not a JSON object");
  }
  for (const auto& [name, value] : json->items()) {
    if (is_common_field(name)) {
      return Refusal("authorization detail " + std::to_string(index) + ": extra repeats the member \"" + name + "\"");
    }
  }
  return std::move(*json);
}

}  // namespace

std::expected<core::Scope, std::string> scope_from_json(const Json& details) {
  if (!details.is_array()) return Refusal("authorization_details is not a JSON array");
  core::Scope scope;
  scope.reserve(details.size());
  for (std::size_t i = 0; i < details.size(); ++i) {
    auto detail = detail_from_json(details[i], "authorization detail " + std::to_string(i));
    if (!detail) return Refusal(detail.error());
    scope.push_back(std::move(*detail));
  }
  if (auto ok = core::validate_scope(scope); !ok) return Refusal(ok.error());
  return scope;
}

std::expected<core::Scope, std::string> scope_from_json_text(std::string_view text) {
  auto json = encoding::parse_json_strict(text);
  if (!json) return Refusal("authorization_details is not valid JSON: " + json.error());
  return scope_from_json(*json);
}

std::expected<Json, std::string> scope_to_json(const core::Scope& scope) {
  Json out = Json::array();
  for (std::size_t i = 0; i < scope.size(); ++i) {
    const core::AuthorizationDetail& detail = scope[i];
    auto extra = extra_members(detail.extra, i);
    if (!extra) return Refusal(extra.error());
    Json item = std::move(*extra);
    item["type"] = detail.type;
    for (std::size_t f = 0; f < kListFields.size(); ++f) {
      if (!list_of(detail, f).empty()) item[kListFields[f]] = list_of(detail, f);
    }
    out.push_back(std::move(item));
  }
  return out;
}

namespace detail {

std::expected<void, std::string> write_scope(JsonWriter& out, const core::Scope& scope) {
  out.open_array();
  for (std::size_t i = 0; i < scope.size(); ++i) {
    const core::AuthorizationDetail& d = scope[i];
    out.open_object();
    out.member("type", d.type);
    for (std::size_t f = 0; f < kListFields.size(); ++f) {
      if (list_of(d, f).empty()) continue;
      out.key(kListFields[f]);
      out.open_array();
      for (const std::string& entry : list_of(d, f)) out.value(entry);
      out.close_array();
    }
    if (!d.extra.empty() && d.extra != "{}") {
      auto extra = extra_members(d.extra, i);
      if (!extra) return Refusal(extra.error());
      for (const auto& [name, value] : extra->items()) {
        out.key(name);
        out.raw(value.dump());
      }
    }
    out.close_object();
  }
  out.close_array();
  return {};
}

}  // namespace detail

}  // namespace mandate::token
