#include "policy/parser.h"

#include <gtest/gtest.h>

namespace mandate::policy {
namespace {

TEST(PolicyParser, ParsesScopeForms) {
  const auto set = parse_policies(R"(
    // comment
    @id("first") @advice
    permit (principal == User::"alice", action in [Action::"view", Action::"edit"], resource in Album::"a");
    forbid (principal is User in Group::"g", action == NS::Action::"x", resource is Photo)
      when { true } unless { false };
    permit (principal in Group::"g", action in Action::"all", resource);
  )");
  ASSERT_TRUE(set.has_value()) << set.error().to_string();
  ASSERT_EQ(set->policies.size(), 3u);
  const Policy& p0 = set->policies[0];
  EXPECT_EQ(p0.id, "policy0");
  EXPECT_EQ(p0.effect, Effect::Permit);
  ASSERT_EQ(p0.annotations.size(), 2u);
  EXPECT_EQ(p0.annotations[0], (std::pair<std::string, std::string>{"id", "first"}));
  EXPECT_EQ(p0.principal.kind, EntityScope::Kind::Eq);
  EXPECT_EQ(p0.principal.entity, (EntityUid{"User", "alice"}));
  EXPECT_EQ(p0.action.kind, ActionScope::Kind::In);
  EXPECT_EQ(p0.action.entities.size(), 2u);
  EXPECT_EQ(p0.resource.kind, EntityScope::Kind::In);
  const Policy& p1 = set->policies[1];
  EXPECT_EQ(p1.id, "policy1");
  EXPECT_EQ(p1.effect, Effect::Forbid);
  EXPECT_EQ(p1.principal.kind, EntityScope::Kind::IsIn);
  EXPECT_EQ(p1.principal.entity_type, "User");
  EXPECT_EQ(p1.action.entities[0], (EntityUid{"NS::Action", "x"}));
  EXPECT_EQ(p1.resource.kind, EntityScope::Kind::Is);
  EXPECT_EQ(p1.conditions.size(), 2u);
  EXPECT_FALSE(p1.conditions[1].is_when);
  EXPECT_EQ(set->policies[2].resource.kind, EntityScope::Kind::Any);
}

TEST(PolicyParser, StringEscapes) {
  const auto set = parse_policies(R"(permit (principal == User::"a\"b\u{1F}\n\x41", action, resource);)");
  ASSERT_TRUE(set.has_value()) << set.error().to_string();
  EXPECT_EQ(set->policies[0].principal.entity.id, std::string("a\"b\x1F\nA"));
  EXPECT_FALSE(parse_policies(R"(permit (principal == User::"\q", action, resource);)").has_value());
  EXPECT_FALSE(parse_policies(R"(permit (principal == User::"\u{D800}", action, resource);)").has_value());
}

TEST(PolicyParser, ErrorsCarryLineAndColumn) {
  const auto missing_comma = parse_policies("permit (\n  principal\n  action, resource);");
  ASSERT_FALSE(missing_comma.has_value());
  EXPECT_EQ(missing_comma.error().pos.line, 3);
  EXPECT_EQ(missing_comma.error().pos.column, 3);
  EXPECT_EQ(missing_comma.error().to_string().substr(0, 4), "3:3:");

  const auto bad_effect =
      parse_policies("permit(principal, action, resource);\n  allow(principal, action, resource);");
  ASSERT_FALSE(bad_effect.has_value());
  EXPECT_EQ(bad_effect.error().pos.line, 2);
  EXPECT_EQ(bad_effect.error().pos.column, 3);

  const auto unterminated = parse_policies("permit(principal == User::\"abc, action, resource);");
  ASSERT_FALSE(unterminated.has_value());
  EXPECT_EQ(unterminated.error().pos.column, 27);

  const auto missing_semicolon = parse_policies("permit(principal, action, resource)");
  ASSERT_FALSE(missing_semicolon.has_value());
  EXPECT_EQ(missing_semicolon.error().pos.column, 36);
}

TEST(PolicyParser, RejectsUnknownCallsAndLongUnaryChains) {
  const auto bad_method = parse_expression("[1].has_it(1)");
  ASSERT_FALSE(bad_method.has_value());
  EXPECT_EQ(bad_method.error().pos.column, 5);
  const auto bad_function = parse_expression("1 == frobnicate(2)");
  ASSERT_FALSE(bad_function.has_value());
  EXPECT_EQ(bad_function.error().pos.column, 6);
  EXPECT_TRUE(parse_expression("!!!!true").has_value());
  EXPECT_FALSE(parse_expression("!!!!!true").has_value());
  EXPECT_TRUE(parse_expression("!-!-1").has_value());
}

// As cedar-wasm 4.13: the built-in methods' arity is a parse error (found by
// the differential test with a fresh seed); the extension methods' is not.
TEST(PolicyParser, BuiltInMethodsTakeTheirArity) {
  const auto with = [](const std::string& condition) {
    return parse_policies("permit (principal, action, resource) when { " + condition + " };");
  };
  for (const char* bad : {"principal.getTag()", "principal.hasTag(\"a\", \"b\")", "[1].contains()", "[1].contains(1, 2)",
                          "[1].containsAll()", "[1].containsAny(1, 2)", "[1].isEmpty(1)"}) {
    EXPECT_FALSE(with(bad).has_value()) << bad;
  }
  const auto refused = with("principal.getTag()");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().message, "call to `getTag` requires exactly 1 argument, but got 0 arguments");
  for (const char* good : {"principal.getTag(\"a\") == 1", "[1].isEmpty()", "ip(\"::1\").isIpv4(1)", "decimal(\"1.0\").lessThan()"}) {
    EXPECT_TRUE(with(good).has_value()) << good;
  }
}

TEST(PolicyParser, DeepNestingIsASyntaxError) {
  EXPECT_TRUE(parse_expression(std::string(100, '(') + "1" + std::string(100, ')')).has_value());
  const auto deep = parse_expression(std::string(100000, '[') + std::string(100000, ']'));
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().message, "expression nested too deeply");
}

TEST(PolicyParser, IntegerLiteralLimits) {
  EXPECT_TRUE(parse_expression("-9223372036854775808").has_value());
  EXPECT_TRUE(parse_expression("9223372036854775807").has_value());
  EXPECT_FALSE(parse_expression("9223372036854775808").has_value());
}

TEST(PolicyParser, ExpressionForms) {
  for (const char* text : {"if a.b then 1 else 2", "principal.x has y && context has \"z y\"",
                           "resource[\"a b\"].c like \"*x\\*\"", "principal is NS::User in Group::\"g\"",
                           "[1, 2].containsAll([1]) || {a: 1, \"b\": [true]}.a == 1",
                           "ip(\"10.0.0.1\").isInRange(ip(\"10.0.0.0/8\"))", "!!-(-3) * 2 - 1 + 4 < 7"}) {
    if (std::string(text).starts_with("if a")) continue;  // `a` is not a variable
    EXPECT_TRUE(parse_expression(text).has_value())
        << text << ": " << parse_expression(text).error().to_string();
  }
  EXPECT_FALSE(parse_expression("if a.b then 1 else 2").has_value());
  EXPECT_FALSE(parse_expression("1 +").has_value());
  EXPECT_FALSE(parse_expression("{a: 1, a: 2}").has_value());
}

}  // namespace
}  // namespace mandate::policy
