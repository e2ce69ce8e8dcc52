// Templates: `?principal`/`?resource` slots in the scope, linking to
// concrete policies that the authorizer evaluates like any other.
#include "policy/internal/template.h"

#include <gtest/gtest.h>

#include "policy/authorizer.h"
#include "policy/parser.h"

namespace mandate::policy {
namespace {

constexpr const char* kPolicies = R"(
permit(principal, action == Action::"read", resource) when { resource.public };
@id("owner-edit")
permit(principal == ?principal, action == Action::"edit", resource in ?resource)
  when { context.mfa };
forbid(principal in ?principal, action, resource);
)";

EntityUid uid(const char* type, const char* id) { return {type, id}; }

TEST(PolicyTemplates, SlotsParseIntoTemplatesWithSharedIds) {
  const auto set = parse_policies(kPolicies);
  ASSERT_TRUE(set.has_value()) << set.error().to_string();
  ASSERT_EQ(set->policies.size(), 1u);
  ASSERT_EQ(set->templates.size(), 2u);
  EXPECT_EQ(set->policies[0].id, "policy0");
  EXPECT_EQ(set->templates[0].id, "policy1");
  EXPECT_EQ(set->templates[1].id, "policy2");
  EXPECT_TRUE(set->templates[0].principal.slot);
  EXPECT_TRUE(set->templates[0].resource.slot);
  EXPECT_EQ(set->templates[1].resource.kind, EntityScope::Kind::Any);
}

TEST(PolicyTemplates, MisplacedSlotsAreSyntaxErrors) {
  const auto wrong_var = parse_policies("permit(principal == ?resource, action, resource);");
  ASSERT_FALSE(wrong_var.has_value());
  EXPECT_EQ(wrong_var.error().to_string(), "1:21: expected the slot ?principal here, found ?resource");
  const auto in_body = parse_policies("permit(principal, action, resource)\nwhen { principal == ?principal };");
  ASSERT_FALSE(in_body.has_value());
  EXPECT_EQ(in_body.error().to_string(), "2:21: template slots are allowed only in the policy scope");
  EXPECT_FALSE(parse_policies("permit(principal, action == ?action, resource);").has_value());
  EXPECT_FALSE(
      parse_policies("permit(principal is User, action, resource);\npermit(principal == ?p, action, resource);")
          .has_value());
}

TEST(PolicyTemplates, LinkedPoliciesAuthorize) {
  auto set = parse_policies(kPolicies);
  ASSERT_TRUE(set.has_value());
  const auto linked = link_templates(*set, {{"policy1", "alice-docs", uid("User", "alice"), uid("Folder", "docs")}});
  ASSERT_TRUE(linked.has_value()) << linked.error();
  ASSERT_EQ(set->policies.size(), 2u);
  EXPECT_EQ(set->policies[1].id, "alice-docs");
  EXPECT_EQ(set->policies[1].annotations.front().second, "owner-edit");

  auto entities = parse_entities(R"([
    {"uid": {"type": "Folder", "id": "docs"}, "attrs": {}, "parents": []},
    {"uid": {"type": "Doc", "id": "plan"}, "attrs": {"public": false}, "parents": [{"type": "Folder", "id": "docs"}]}
  ])");
  ASSERT_TRUE(entities.has_value()) << entities.error();
  Request request{uid("User", "alice"), uid("Action", "edit"), uid("Doc", "plan"), make_record({{"mfa", Value{true}}})};
  const auto allow = authorize(*set, request, *entities);
  EXPECT_EQ(allow.decision, Decision::Allow);
  EXPECT_EQ(allow.reasons, std::vector<std::string>{"alice-docs"});

  request.principal = uid("User", "bob");  // not the linked principal
  EXPECT_EQ(authorize(*set, request, *entities).decision, Decision::Deny);

  // A forbid template linked to bob's group denies although alice's permit applies.
  request.principal = uid("User", "alice");
  ASSERT_TRUE(link_templates(*set, {{"policy2", "ban-alice", uid("User", "alice"), std::nullopt}}).has_value());
  const auto deny = authorize(*set, request, *entities);
  EXPECT_EQ(deny.decision, Decision::Deny);
  EXPECT_EQ(deny.reasons, std::vector<std::string>{"ban-alice"});
}

TEST(PolicyTemplates, BadLinksChangeNothing) {
  auto set = parse_policies(kPolicies);
  ASSERT_TRUE(set.has_value());
  const auto missing = link_templates(*set, {{"policy1", "x", uid("User", "a"), std::nullopt}});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), "template policy1 needs a value for ?resource");
  EXPECT_EQ(link_templates(*set, {{"policy2", "x", uid("User", "a"), uid("Doc", "d")}}).error(),
            "template policy2 has no ?resource slot");
  EXPECT_EQ(link_templates(*set, {{"policy9", "x", uid("User", "a"), std::nullopt}}).error(),
            "no template with id policy9");
  EXPECT_EQ(link_templates(*set, {{"policy2", "policy0", uid("User", "a"), std::nullopt}}).error(),
            "policy id policy0 is already in use");
  // All or nothing: the first link is fine, the second is not.
  EXPECT_FALSE(link_templates(*set, {{"policy2", "ok", uid("User", "a"), std::nullopt},
                                     {"policy2", "ok", uid("User", "b"), std::nullopt}})
                   .has_value());
  EXPECT_EQ(set->policies.size(), 1u);
}

TEST(PolicyTemplates, CloneCopiesTheWholeTree) {
  const auto expr = parse_expression(
      R"(if principal has a then [1, -2, {k: "v"}].contains(context.x) else ip("10.0.0.1").isLoopback() && ("s" like "s*"))");
  ASSERT_TRUE(expr.has_value());
  const ExprPtr copy = clone(**expr);
  const Request request{uid("User", "u"), uid("Action", "a"), uid("Doc", "d"),
                        make_record({{"x", Value{std::int64_t{1}}}})};
  const auto a = evaluate(**expr, request, Entities{});
  const auto b = evaluate(*copy, request, Entities{});
  ASSERT_EQ(a.has_value(), b.has_value());
  if (a) {
    EXPECT_EQ(*a, *b);
  } else {
    EXPECT_EQ(a.error(), b.error());
  }
  EXPECT_NE(copy.get(), expr->get());
}

}  // namespace
}  // namespace mandate::policy
