// Parse and decide: policies (and optionally entities) from an attacker,
// evaluated against every request the entity store suggests. Input layout:
// policy text, then optionally a NUL byte and entities JSON.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "policy/authorizer.h"
#include "policy/entities.h"
#include "policy/parser.h"

namespace {

using mandate::policy::EntityUid;

// Used when the input carries no (valid) entities: a small hierarchy with
// values of every type, so attribute access, tags and `in` have something
// to find.
constexpr std::string_view kDefaultEntities = R"([
  {"uid": {"type": "User", "id": "alice"}, "parents": [{"type": "Group", "id": "staff"}],
   "attrs": {"age": 42, "name": "Alice", "admin": false, "roles": ["dev", "ops"],
             "manager": {"__entity": {"type": "User", "id": "bob"}},
             "addr": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}},
             "limit": {"__extn": {"fn": "decimal", "arg": "1.5"}},
             "since": {"__extn": {"fn": "datetime", "arg": "2024-10-15T11:35:00Z"}},
             "ttl": {"__extn": {"fn": "duration", "arg": "1h30m"}},
             "profile": {"team": "core", "level": 3}},
   "tags": {"env": "prod", "tier": 2}},
  {"uid": {"type": "User", "id": "bob"}, "parents": [], "attrs": {"age": -1}},
  {"uid": {"type": "Group", "id": "staff"}, "parents": [{"type": "Group", "id": "all"}], "attrs": {}},
  {"uid": {"type": "Group", "id": "all"}, "parents": [], "attrs": {}},
  {"uid": {"type": "Action", "id": "view"}, "parents": [{"type": "Action", "id": "read"}], "attrs": {}},
  {"uid": {"type": "Action", "id": "read"}, "parents": [], "attrs": {}},
  {"uid": {"type": "Photo", "id": "p"}, "parents": [{"type": "Album", "id": "a"}],
   "attrs": {"owner": {"__entity": {"type": "User", "id": "alice"}}, "private": true}}
])";

// Principals: four fixed uids and the first two of the store; resources: a
// photo, a missing entity and the last principal. 18 requests per input
// keep each run fast.
constexpr std::size_t kPrincipals = 6;

std::vector<EntityUid> request_uids(const nlohmann::json& entities_json) {
  std::vector<EntityUid> uids{{"User", "alice"}, {"Photo", "p"}, {"Action", "view"}, {"User", "nobody"}};
  for (const auto& e : entities_json) {
    if (uids.size() >= kPrincipals) break;
    if (auto uid = mandate::policy::uid_from_json(e.at("uid"))) uids.push_back(std::move(*uid));
  }
  return uids;
}

struct Store {
  nlohmann::json json;
  mandate::policy::Entities entities;
};

// Built once and never changed: most inputs carry no entities of their own.
const Store& default_store() {
  static const Store store = [] {
    Store s{nlohmann::json::parse(kDefaultEntities), {}};
    auto entities = mandate::policy::entities_from_json(s.json);
    if (!entities) __builtin_trap();  // the built-in store must always load
    s.entities = std::move(*entities);
    return s;
  }();
  return store;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const auto policies = mandate::policy::parse_policies(input.substr(0, split));
  if (!policies) return 0;
  const auto json = nlohmann::json::parse(
      split == std::string_view::npos ? std::string_view{} : input.substr(split + 1), nullptr, false);
  auto own = mandate::policy::entities_from_json(json);
  const nlohmann::json& store_json = own ? json : default_store().json;
  const mandate::policy::Entities& entities = own ? *own : default_store().entities;

  const auto uids = request_uids(store_json);
  const auto context = mandate::policy::value_from_json(nlohmann::json::parse(R"({"ip": "127.0.0.1", "n": 7})"));
  for (const auto& principal : uids) {
    for (const auto& resource : {uids[1], uids[3], uids.back()}) {
      const mandate::policy::Request request{principal, {"Action", "view"}, resource, *context};
      const auto response = mandate::policy::authorize(*policies, request, entities);
      (void)response;
    }
  }
  return 0;
}
