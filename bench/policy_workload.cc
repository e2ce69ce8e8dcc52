#include "policy_workload.h"

#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace mandate::bench {
namespace {

using policy::EntityUid;
using Json = nlohmann::json;

// The organisation's shape. Entity count: 10 + 90 + 5,000 users + 20 + 380
// + 11 actions + the documents that fill it up to kWorkloadEntities.
constexpr std::size_t kDepartments = 10, kTeams = 90, kNestedTeams = 30, kUsers = 5'000;
constexpr std::size_t kRoots = 20, kFolders = 380;
constexpr std::array<const char*, 8> kActions{"read", "list", "download", "comment", "edit", "share", "delete", "admin"};
// Action groups: an action may sit in two of them.
constexpr std::array<std::pair<const char*, const char*>, 9> kActionParents{{{"read", "readOnly"},
                                                                            {"list", "readOnly"},
                                                                            {"download", "readOnly"},
                                                                            {"comment", "write"},
                                                                            {"edit", "write"},
                                                                            {"share", "write"},
                                                                            {"share", "manage"},
                                                                            {"delete", "manage"},
                                                                            {"admin", "manage"}}};
constexpr std::array<const char*, 3> kActionGroups{"readOnly", "write", "manage"};
constexpr std::size_t kActionEntities = kActions.size() + kActionGroups.size();
constexpr std::size_t kDocuments =
    kWorkloadEntities - kDepartments - kTeams - kUsers - kRoots - kFolders - kActionEntities;
constexpr std::array<const char*, 3> kLevels{"public", "internal", "secret"};
constexpr std::array<const char*, 4> kRoles{"viewer", "editor", "owner", "auditor"};
constexpr std::array<const char*, 5> kTags{"shareable", "confidential", "legal", "draft", "finance"};
constexpr std::array<const char*, 3> kNetworks{"corp", "vpn", "public"};

// Organisation-wide rules every deployment has, whatever its size.
constexpr std::array<const char*, 7> kGeneralPolicies{
    R"(forbid(principal, action in Action::"write", resource) when { resource.classification == "secret" && principal.clearance != "secret" };)",
    R"(permit(principal, action in [Action::"read", Action::"edit", Action::"share"], resource is Document) when { resource.owner == principal };)",
    R"(permit(principal is User, action == Action::"read", resource) when { resource has public && resource.public };)",
    R"(forbid(principal, action, resource) unless { principal.active };)",
    R"(forbid(principal, action == Action::"delete", resource) unless { context.mfa };)",
    R"(forbid(principal, action in Action::"write", resource in Folder::"root-0") unless { context.network == "corp" };)",
    R"(permit(principal, action == Action::"download", resource) when { principal.email like "*@example.com" && resource.size < 5000000 && context.network != "public" };)",
};

std::size_t below(std::mt19937_64& rng, std::size_t n) { return static_cast<std::size_t>(rng() % n); }
bool chance(std::mt19937_64& rng, unsigned percent) { return rng() % 100 < percent; }

EntityUid uid(const char* type, const char* prefix, std::size_t n) { return {type, prefix + std::to_string(n)}; }
EntityUid user(std::size_t n) { return uid("User", "user-", n); }
EntityUid team(std::size_t n) { return uid("Group", "team-", n); }
EntityUid department(std::size_t n) { return uid("Group", "dept-", n); }
EntityUid root(std::size_t n) { return uid("Folder", "root-", n); }
EntityUid folder(std::size_t n) { return uid("Folder", "folder-", n); }
EntityUid document(std::size_t n) { return uid("Document", "doc-", n); }
EntityUid action(const std::string& id) { return {"Action", id}; }

std::string cedar(const EntityUid& uid) { return uid.type + "::\"" + uid.id + "\""; }
Json json(const EntityUid& uid) { return {{"type", uid.type}, {"id", uid.id}}; }
Json entity(const EntityUid& uid, Json attrs, const std::vector<EntityUid>& parents) {
  Json p = Json::array();
  for (const auto& parent : parents) p.push_back(json(parent));
  return {{"uid", json(uid)}, {"attrs", std::move(attrs)}, {"parents", std::move(p)}};
}

template <std::size_t N>
Json some_of(std::mt19937_64& rng, const std::array<const char*, N>& names, unsigned percent) {
  Json out = Json::array();
  for (const char* name : names) {
    if (chance(rng, percent)) out.push_back(name);
  }
  return out;
}

std::size_t team_number(const EntityUid& uid) { return std::stoul(uid.id.substr(5)); }
std::size_t folder_number(const EntityUid& uid) { return std::stoul(uid.id.substr(uid.id.find('-') + 1)); }

}  // namespace

PolicyWorkload::PolicyWorkload(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  build_entities(rng);
}

void PolicyWorkload::build_entities(std::mt19937_64& rng) {
  Json all = Json::array();
  for (std::size_t d = 0; d < kDepartments; ++d) all.push_back(entity(department(d), Json::object(), {}));
  for (std::size_t t = 0; t < kTeams; ++t) {
    // Groups in groups in groups: the first teams also sit inside a larger team.
    std::vector<EntityUid> parents{department(t % kDepartments)};
    if (t < kNestedTeams) parents.push_back(team(t + kNestedTeams));
    all.push_back(entity(team(t), Json::object(), parents));
  }
  team_members_.assign(kTeams, {});
  for (std::size_t u = 0; u < kUsers; ++u) {
    std::vector<EntityUid> parents{team(u % kTeams)};
    team_members_[u % kTeams].push_back(u);
    if (chance(rng, 40)) {
      const std::size_t second = below(rng, kTeams);
      parents.push_back(team(second));
      team_members_[second].push_back(u);
    }
    Json attrs = {{"department", "dept-" + std::to_string(u % kTeams % kDepartments)},
                  {"level", static_cast<std::int64_t>(1 + below(rng, 10))},
                  {"email", "user-" + std::to_string(u) + (chance(rng, 90) ? "@example.com" : "@contractor.example")},
                  {"roles", some_of(rng, kRoles, 40)},
                  {"clearance", kLevels[below(rng, kLevels.size())]},
                  {"active", chance(rng, 97)}};
    if (chance(rng, 70)) attrs["manager"] = {{"__entity", json(user(below(rng, kUsers)))}};
    all.push_back(entity(user(u), std::move(attrs), parents));
  }
  for (std::size_t r = 0; r < kRoots; ++r) all.push_back(entity(root(r), Json::object(), {}));
  for (std::size_t f = 0; f < kFolders; ++f) all.push_back(entity(folder(f), Json::object(), {root(f % kRoots)}));
  folder_docs_.assign(kFolders, {});
  for (std::size_t k = 0; k < kDocuments; ++k) {
    const std::size_t f = k < kFolders ? k : below(rng, kFolders);  // no folder stays empty
    folder_docs_[f].push_back(k);
    Json attrs = {{"owner", {{"__entity", json(user(below(rng, kUsers)))}}},
                  {"classification", kLevels[below(rng, kLevels.size())]},
                  {"tags", some_of(rng, kTags, 25)},
                  {"size", static_cast<std::int64_t>(below(rng, 10'000'000))}};
    if (chance(rng, 30)) attrs["public"] = chance(rng, 50);
    all.push_back(entity(document(k), std::move(attrs), {folder(f)}));
  }
  for (const char* group : kActionGroups) all.push_back(entity(action(group), Json::object(), {}));
  for (const char* name : kActions) {
    std::vector<EntityUid> parents;
    for (const auto& [child, parent] : kActionParents) {
      if (std::string_view(child) == name) parents.push_back(action(parent));
    }
    all.push_back(entity(action(name), Json::object(), parents));
  }
  if (all.size() != kWorkloadEntities) throw std::logic_error("workload entity count is off");
  entities_json_ = all.dump();
}

PolicyWorkload::Generated PolicyWorkload::specific_policy(std::mt19937_64& rng) const {
  const EntityUid u = user(below(rng, kUsers));
  const EntityUid t = team(below(rng, kTeams));
  const EntityUid f = folder(below(rng, kFolders));
  const EntityUid doc = document(below(rng, kDocuments));
  const std::vector<std::string> read_only{"read", "list", "download"};
  const unsigned pick = static_cast<unsigned>(rng() % 100);
  if (pick < 30) {
    return {"permit(principal == " + cedar(u) + R"(, action in [Action::"read", Action::"comment"], resource == )" +
                cedar(doc) + R"() when { context.network != "public" };)",
            {u, {"read", "comment"}, doc}};
  }
  if (pick < 55) {
    const std::string level = std::to_string(1 + below(rng, 6));
    const std::string principal = chance(rng, 50) ? "principal is User in " : "principal in ";
    return {"permit(" + principal + cedar(t) + R"(, action in Action::"readOnly", resource in )" + cedar(f) +
                ") when { principal.level >= " + level + " };",
            {t, read_only, f}};
  }
  if (pick < 65) {
    const EntityUid d = department(below(rng, kDepartments));
    return {"permit(principal in " + cedar(d) + R"(, action in [Action::"comment", Action::"edit"], resource in )" +
                cedar(f) + R"() when { context.mfa && principal.roles.contains("editor") };)",
            {d, {"comment", "edit"}, f}};
  }
  if (pick < 80) {
    return {"permit(principal == " + cedar(u) + ", action, resource in " + cedar(f) +
                ") when { context.hour >= 8 && context.hour < 18 };",
            {u, {kActions.begin(), kActions.end()}, f}};
  }
  if (pick < 88) {
    return {"forbid(principal in " + cedar(t) + R"(, action == Action::"share", resource in )" + cedar(f) +
                R"() when { resource.tags.containsAny(["confidential", "legal"]) };)",
            {t, {"share"}, f}};
  }
  if (pick < 95) {
    return {"permit(principal in " + cedar(t) + R"(, action == Action::"share", resource == )" + cedar(doc) +
                R"() when { resource.tags.contains("shareable") || principal.level > 7 };)",
            {t, {"share"}, doc}};
  }
  return {"forbid(principal == " + cedar(u) + ", action, resource in " + cedar(f) + ") unless { principal has manager };",
          {u, {kActions.begin(), kActions.end()}, f}};
}

std::vector<PolicyWorkload::Generated> PolicyWorkload::generate(std::size_t count, std::uint64_t seed) const {
  std::mt19937_64 rng(seed);
  std::vector<Generated> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (i < kGeneralPolicies.size()) {
      out.push_back({kGeneralPolicies[i], {}});
    } else {
      out.push_back(specific_policy(rng));
    }
  }
  return out;
}

std::string PolicyWorkload::policies(std::size_t count, std::uint64_t seed) const {
  std::string text;
  for (const Generated& g : generate(count, seed)) text += g.text + "\n";
  return text;
}

EntityUid PolicyWorkload::member_of(const EntityUid& group, std::mt19937_64& rng) const {
  if (group.type == "User") return group;
  std::size_t t = 0;
  if (group.id.starts_with("dept-")) {
    t = std::stoul(group.id.substr(5)) + kDepartments * below(rng, kTeams / kDepartments);
  } else {
    t = team_number(group);
  }
  const auto& members = team_members_[t];
  return user(members[below(rng, members.size())]);
}

EntityUid PolicyWorkload::document_in(const EntityUid& container, std::mt19937_64& rng) const {
  if (container.type == "Document") return container;
  const auto& docs = folder_docs_[folder_number(container)];
  return document(docs[below(rng, docs.size())]);
}

policy::Value PolicyWorkload::random_context(std::mt19937_64& rng) const {
  return policy::make_record({{"mfa", policy::Value{chance(rng, 70)}},
                              {"hour", policy::Value{static_cast<std::int64_t>(below(rng, 24))}},
                              {"network", policy::Value{std::string(kNetworks[below(rng, kNetworks.size())])}}});
}

namespace {

Json context_json(const policy::Value& context) {
  Json out = Json::object();
  for (const auto& [key, value] : *std::get<policy::RecordPtr>(context.data)) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::string>) {
            out[key] = v;
          }
        },
        value.data);
  }
  return out;
}

// The request's entities and all their ancestors: what a caller that
// cannot keep an entity store in the engine passes with every request.
Json slice(const policy::Request& r, const policy::Entities& entities) {
  Json out = Json::array();
  for (const EntityUid* uid : {&r.principal, &r.action, &r.resource}) {
    out.push_back(json(*uid));
    if (const policy::Entity* e = entities.find(*uid)) {
      for (const EntityUid& a : e->ancestors) out.push_back(json(a));
    }
  }
  return out;
}

}  // namespace

std::vector<WorkloadRequest> PolicyWorkload::requests(std::size_t policy_count, std::uint64_t policy_seed,
                                                      std::size_t count, const policy::Entities& entities) const {
  const std::vector<Generated> generated = generate(policy_count, policy_seed);
  std::mt19937_64 rng(policy_seed ^ 0x5eed);
  std::vector<WorkloadRequest> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    policy::Request r;
    const std::size_t specific = generated.size() > kGeneralPolicies.size() ? generated.size() - kGeneralPolicies.size() : 0;
    if (i % 2 == 0 && specific > 0) {
      const std::size_t target = kGeneralPolicies.size() + below(rng, specific);
      const Scope& scope = generated[target].scope;
      r.principal = member_of(scope.principal, rng);
      r.action = action(scope.actions[below(rng, scope.actions.size())]);
      r.resource = document_in(scope.resource, rng);
    } else {
      r.principal = user(below(rng, kUsers));
      r.action = action(kActions[below(rng, kActions.size())]);
      r.resource = document(below(rng, kDocuments));
    }
    r.context = random_context(rng);
    Json j = {{"principal", json(r.principal)},
              {"action", json(r.action)},
              {"resource", json(r.resource)},
              {"context", context_json(r.context)},
              {"slice", slice(r, entities)}};
    out.push_back({std::move(r), j.dump()});
  }
  return out;
}

}  // namespace mandate::bench
