#include "core/scope.h"

#include <algorithm>

#include "core/ids.h"
#include "core/internal/validation.h"

namespace mandate::core {
namespace {

bool contains_all(const std::vector<std::string>& outer, const std::vector<std::string>& inner) {
  return std::ranges::all_of(inner, [&](const std::string& s) {
    return std::ranges::find(outer, s) != outer.end();
  });
}

std::string_view normalized_extra(std::string_view extra) {
  return extra == "{}" ? std::string_view{} : extra;
}

}  // namespace

bool covers(const AuthorizationDetail& parent, const AuthorizationDetail& child) {
  return parent.type == child.type && contains_all(parent.actions, child.actions) &&
         contains_all(parent.locations, child.locations) &&
         contains_all(parent.resources, child.resources) &&
         normalized_extra(parent.extra) == normalized_extra(child.extra);
}

bool is_subset(const Scope& child, const Scope& parent) {
  return std::ranges::all_of(child, [&](const AuthorizationDetail& c) {
    return std::ranges::any_of(parent, [&](const AuthorizationDetail& p) { return covers(p, c); });
  });
}

std::expected<void, std::string> validate_scope(const Scope& scope) {
  for (std::size_t i = 0; i < scope.size(); ++i) {
    const AuthorizationDetail& d = scope[i];
    const std::string where = "authorization detail " + std::to_string(i) + ": ";
    if (auto ok = check_id(d.type); !ok) return detail::about(where + "type", ok);
    if (auto ok = check_distinct_ids(d.actions); !ok) return detail::about(where + "actions", ok);
    if (auto ok = check_distinct_ids(d.locations); !ok) return detail::about(where + "locations", ok);
    if (auto ok = check_distinct_ids(d.resources); !ok) return detail::about(where + "resources", ok);
    // Only the outline is checked: core parses no JSON, and the module that
    // produced `extra` is the one that canonicalised it.
    if (!d.extra.empty()) {
      if (d.extra.front() != '{' || d.extra.back() != '}') {
        return detail::refuse(where + "extra is not a JSON object");
      }
      if (auto ok = check_text(d.extra); !ok) return detail::about(where + "extra", ok);
    }
  }
  return {};
}

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

std::string describe(const AuthorizationDetail& detail) {
  std::string out = detail.type + ":";
  out += detail.actions.empty() ? " no action named" : " " + joined(detail.actions);
  if (!detail.resources.empty()) out += " on " + joined(detail.resources);
  if (!detail.locations.empty()) out += " at " + joined(detail.locations);
  if (!detail.extra.empty() && detail.extra != "{}") out += " (with " + detail.extra + ")";
  return out;
}

}  // namespace mandate::core
