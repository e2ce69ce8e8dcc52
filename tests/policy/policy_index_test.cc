// The scope index must never change a decision: seeded random policy sets
// over a random hierarchy, every request answered by the indexed authorizer
// and by a full scan, compared field by field (decision, reasons and errors
// in order, error messages). And it must prune: candidate counts are checked
// on sets where the answer is known.
#include "policy/policy_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "policy/authorizer.h"
#include "policy/parser.h"

namespace mandate::policy {
namespace {

class RandomWorld {
 public:
  explicit RandomWorld(std::uint32_t seed) : rng_(seed) {}

  std::string pick(const std::vector<std::string>& from) { return from[rng_() % from.size()]; }
  bool chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }

  // Users in groups in groups, photos in albums, actions in action groups;
  // some parents and some request uids are missing from the store.
  Entities entities() {
    std::string json = "[";
    auto add = [&](const std::string& uid, const std::string& attrs, const std::vector<std::string>& parents) {
      if (json.size() > 1) json += ",";
      json += R"({"uid":)" + uid + R"(,"attrs":)" + attrs + R"(,"parents":[)";
      for (std::size_t i = 0; i < parents.size(); ++i) json += (i ? "," : "") + parents[i];
      json += "]}";
    };
    for (int g = 0; g < 6; ++g) {
      std::vector<std::string> parents;
      if (g > 0 && chance(70)) parents.push_back(json_uid("Group", "g" + std::to_string(rng_() % g)));
      if (chance(10)) parents.push_back(json_uid("Group", "ghost"));
      add(json_uid("Group", "g" + std::to_string(g)), "{}", parents);
    }
    for (int u = 0; u < 8; ++u) {
      std::vector<std::string> parents;
      for (int k = 0; k < 2; ++k) {
        if (chance(60)) parents.push_back(json_uid("Group", "g" + std::to_string(rng_() % 6)));
      }
      const std::string attrs = chance(80) ? R"({"age":)" + std::to_string(rng_() % 60) + "}" : "{}";
      add(json_uid("User", "u" + std::to_string(u)), attrs, parents);
    }
    for (int a = 0; a < 3; ++a) add(json_uid("Album", "al" + std::to_string(a)), "{}", {});
    for (int p = 0; p < 6; ++p) {
      std::vector<std::string> parents;
      if (chance(80)) parents.push_back(json_uid("Album", "al" + std::to_string(rng_() % 3)));
      const std::string owner = json_uid("User", "u" + std::to_string(rng_() % 8));
      const std::string attrs = chance(70) ? R"({"owner":{"__entity":)" + owner + "}}" : "{}";
      add(json_uid("Photo", "p" + std::to_string(p)), attrs, parents);
    }
    add(json_uid("Action", "readers"), "{}", {});
    for (const char* a : {"view", "comment"}) add(json_uid("Action", a), "{}", {json_uid("Action", "readers")});
    add(json_uid("Action", "edit"), "{}", {});
    auto loaded = parse_entities(json + "]");
    if (!loaded) throw std::runtime_error(loaded.error());
    return std::move(*loaded);
  }

  std::string policies(int count) {
    std::string text;
    for (int i = 0; i < count; ++i) {
      text += chance(30) ? "forbid(" : "permit(";
      text += entity_scope("principal", principals_, "User") + ", " + action_scope() + ", " +
              entity_scope("resource", resources_, "Photo") + ")";
      if (chance(60)) text += std::string(chance(70) ? " when { " : " unless { ") + pick(conditions_) + " }";
      text += ";\n";
    }
    return text;
  }

  Request request() {
    Request r;
    r.principal = uid(pick(principals_));
    r.action = uid(pick(actions_));
    r.resource = uid(pick(resources_));
    r.context = make_record({{"n", Value{static_cast<std::int64_t>(rng_() % 3)}}});
    return r;
  }

 private:
  static std::string json_uid(const std::string& type, const std::string& id) {
    return R"({"type":")" + type + R"(","id":")" + id + R"("})";
  }
  static EntityUid uid(const std::string& text) {
    const auto sep = text.find("::");
    return {text.substr(0, sep), text.substr(sep + 3, text.size() - sep - 4)};
  }

  std::string entity_scope(const std::string& var, const std::vector<std::string>& pool, const std::string& type) {
    switch (rng_() % 5) {
      case 0:
        return var;
      case 1:
        return var + " == " + pick(pool);
      case 2:
        return var + " in " + pick(pool);
      case 3:
        return var + " is " + (chance(80) ? type : "Group");
      default:
        return var + " is " + type + " in " + pick(pool);
    }
  }

  std::string action_scope() {
    switch (rng_() % 4) {
      case 0:
        return "action";
      case 1:
        return "action == " + pick(actions_);
      case 2:
        return "action in " + pick(actions_);
      default: {
        std::string list = "action in [" + pick(actions_);
        for (int k = static_cast<int>(rng_() % 3); k > 0; --k) list += ", " + pick(actions_);
        return list + "]";
      }
    }
  }

  std::mt19937 rng_;
  std::vector<std::string> principals_{R"(User::"u0")",  R"(User::"u3")",  R"(User::"u5")",     R"(User::"u7")",
                                       R"(Group::"g0")", R"(Group::"g2")", R"(Group::"g5")",    R"(Group::"ghost")",
                                       R"(User::"nobody")"};
  std::vector<std::string> resources_{R"(Photo::"p0")",  R"(Photo::"p2")",   R"(Photo::"p5")", R"(Album::"al0")",
                                      R"(Album::"al2")", R"(Photo::"gone")", R"(Group::"g1")"};
  std::vector<std::string> actions_{R"(Action::"view")", R"(Action::"comment")", R"(Action::"edit")",
                                    R"(Action::"readers")", R"(Action::"missing")"};
  // Some always hold, some depend on the entities, some error on the
  // entities that lack an attribute or are missing from the store.
  std::vector<std::string> conditions_{"true",
                                       "principal.age > 20",
                                       "principal has age && principal.age < 40",
                                       "resource.owner == principal",
                                       "resource has owner && resource.owner in principal",
                                       "context.n == 1",
                                       "principal in resource",
                                       "1 + context.n > 2",
                                       "context.nope"};
};

TEST(PolicyIndex, IndexedDecisionsEqualFullScan) {
  int compared = 0, allowed = 0, errored = 0;
  for (std::uint32_t seed = 1; seed <= 100; ++seed) {
    RandomWorld world(seed);
    const Entities entities = world.entities();
    const std::string text = world.policies(1 + static_cast<int>(seed % 40));
    auto scanned = parse_policies(text);
    auto prepared = parse_policies(text);
    ASSERT_TRUE(scanned.has_value() && prepared.has_value()) << "seed " << seed << ": " << text;
    const Authorizer authorizer(std::move(*prepared));
    for (int r = 0; r < 50; ++r) {
      const Request request = world.request();
      const Response want = authorize_by_scan(*scanned, request, entities);
      EXPECT_EQ(authorizer.authorize(request, entities), want) << "seed " << seed << " request " << r;
      EXPECT_EQ(authorize(*scanned, request, entities), want) << "seed " << seed << " request " << r;
      ++compared;
      allowed += want.decision == Decision::Allow;
      errored += !want.errors.empty();
    }
  }
  // The generator must exercise every outcome, or the comparison proves little.
  EXPECT_GT(allowed, compared / 10);
  EXPECT_GT(errored, compared / 10);
  EXPECT_LT(allowed, compared);
}

// Sets large enough that the other variables narrow the enumerated one.
TEST(PolicyIndex, IndexedDecisionsEqualFullScanInLargeSets) {
  int compared = 0, allowed = 0, decided_by_policies = 0;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    RandomWorld world(1000 + seed);
    const Entities entities = world.entities();
    const std::string text = world.policies(150 + static_cast<int>(seed) * 20);
    auto scanned = parse_policies(text);
    auto prepared = parse_policies(text);
    ASSERT_TRUE(scanned.has_value() && prepared.has_value()) << "seed " << seed;
    const Authorizer authorizer(std::move(*prepared));
    for (int r = 0; r < 100; ++r) {
      const Request request = world.request();
      const Response want = authorize_by_scan(*scanned, request, entities);
      EXPECT_EQ(authorizer.authorize(request, entities), want) << "seed " << seed << " request " << r;
      ++compared;
      allowed += want.decision == Decision::Allow;
      decided_by_policies += !want.reasons.empty();
    }
  }
  // With a third of the policies forbids, most requests meet one: the
  // comparison is of the policies that determined them, and of some allows.
  EXPECT_GT(allowed, 0);
  EXPECT_GT(decided_by_policies, compared / 2);
}

std::vector<PolicyPosition> candidates_for(const std::string& text, const Request& r, const Entities& entities) {
  auto parsed = parse_policies(text);
  EXPECT_TRUE(parsed.has_value());
  const PolicyIndex index(parsed->policies);
  std::vector<PolicyPosition> out;
  index.candidates(r.principal, r.action, r.resource, entities, out);
  return out;
}

TEST(PolicyIndex, OffersOnlyPoliciesWhoseScopeCanMatch) {
  auto entities = parse_entities(R"([
    {"uid":{"type":"User","id":"alice"},"attrs":{},"parents":[{"type":"Group","id":"eng"}]},
    {"uid":{"type":"Group","id":"eng"},"attrs":{},"parents":[{"type":"Group","id":"all"}]},
    {"uid":{"type":"Action","id":"view"},"attrs":{},"parents":[{"type":"Action","id":"read"}]}
  ])");
  ASSERT_TRUE(entities.has_value());
  Request r;
  r.principal = {"User", "alice"};
  r.action = {"Action", "view"};
  r.resource = {"Doc", "d"};
  std::string text;
  for (int i = 0; i < 500; ++i) text += "permit(principal == User::\"u" + std::to_string(i) + "\", action, resource);\n";
  text += "permit(principal in Group::\"all\", action, resource);\n";           // 500: via an ancestor
  text += "permit(principal == User::\"alice\", action, resource);\n";          // 501
  text += "permit(principal is User, action in [Action::\"read\"], resource);\n";  // 502
  text += "permit(principal is Admin, action, resource);\n";
  text += "permit(principal in Group::\"ops\", action, resource);\n";
  EXPECT_EQ(candidates_for(text, r, *entities), (std::vector<PolicyPosition>{500, 501, 502}));

  // The resource narrows when the principal cannot: the smaller side is enumerated.
  std::string by_resource;
  for (int i = 0; i < 300; ++i) by_resource += "permit(principal, action, resource == Doc::\"x" + std::to_string(i) + "\");\n";
  by_resource += "permit(principal, action, resource == Doc::\"d\");\n";
  EXPECT_EQ(candidates_for(by_resource, r, *entities), (std::vector<PolicyPosition>{300}));

  // An action listed twice, or both the action and its group listed: once.
  // (Three unconstrained policies make the action the narrowest variable.)
  std::string by_action = "permit(principal, action in [Action::\"view\", Action::\"read\", Action::\"view\"], resource);\n";
  for (int i = 0; i < 3; ++i) by_action += "permit(principal, action == Action::\"edit\", resource);\n";
  EXPECT_EQ(candidates_for(by_action, r, *entities), (std::vector<PolicyPosition>{0}));

  // Many candidates on the narrowest side: the others' buckets narrow them,
  // as a policy must match all three.
  std::string narrowed;
  for (int i = 0; i < 20; ++i) narrowed += "permit(principal == User::\"alice\", action == Action::\"edit\", resource);\n";
  narrowed += "permit(principal == User::\"alice\", action == Action::\"view\", resource);\n";  // 20
  for (int i = 0; i < 60; ++i) narrowed += "permit(principal == User::\"bob\", action == Action::\"view\", resource);\n";
  EXPECT_EQ(candidates_for(narrowed, r, *entities), (std::vector<PolicyPosition>{20}));
}

}  // namespace
}  // namespace mandate::policy
