// Regression tests for differences from the reference engine
// (@cedar-policy/cedar-wasm 4.13) that the differential test
// (tests/policy/differential) found; each expectation is the reference's
// answer on the same input.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "policy/entities.h"
#include "policy/evaluator.h"
#include "policy/extensions.h"
#include "policy/parser.h"

namespace mandate::policy {
namespace {

std::expected<Value, std::string> eval_with(const std::string& text, const std::string& entities_json) {
  auto expr = parse_expression(text);
  if (!expr) return std::unexpected("parse: " + expr.error().to_string());
  auto entities = parse_entities(entities_json);
  if (!entities) return std::unexpected("entities: " + entities.error());
  Request request;
  request.principal = {"User", "a"};
  return evaluate(**expr, request, *entities);
}

TEST(ReferenceAgreement, LeastDurationParses) {
  const auto least = parse_duration("-9223372036854775808ms");
  ASSERT_TRUE(least.has_value());
  EXPECT_EQ(least->ms, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parse_duration("-1d2h")->ms, -(86'400'000 + 2 * 3'600'000));
  EXPECT_FALSE(parse_duration("9223372036854775808ms").has_value());
  EXPECT_FALSE(parse_duration("-9223372036854775809ms").has_value());
  EXPECT_FALSE(parse_duration("-1d9223372036854775807ms").has_value());
}

TEST(ReferenceAgreement, HasWithAttributePath) {
  const std::string entities = R"([{"uid": {"type": "User", "id": "a"}, "parents": [],
    "attrs": {"p": {"q": {"r": 1}}, "n": 5}}])";
  EXPECT_EQ(eval_with("principal has p.q.r", entities), Value{true});
  EXPECT_EQ(eval_with("principal has p.q.s", entities), Value{false});
  EXPECT_EQ(eval_with("principal has p.x.r", entities), Value{false});
  EXPECT_EQ(eval_with("principal has missing.q", entities), Value{false});
  // `e has n.q` is `e has n && e.n has q`: `has` on a Long is a type error.
  EXPECT_FALSE(eval_with("principal has n.q", entities).has_value());
  EXPECT_EQ(eval_with("(if true then principal else principal) has p.q", entities), Value{true});
  EXPECT_FALSE(parse_expression("principal has p.\"q\"").has_value());
}

TEST(ReferenceAgreement, ReservedIdentifiersAreRejected) {
  for (const char* text : {"principal.has", "principal.if == 1", "principal has in", "principal has a.like",
                           "{then: 1}", "else::\"a\"", "A::is::\"a\"", "principal is true", "principal.__cedar",
                           "{__cedar: 1}", "__cedar::X::\"a\"", "principal.true()"}) {
    EXPECT_FALSE(parse_expression(text).has_value()) << text;
  }
  for (const char* text : {"principal.permit", "principal.__cedarx", "{\"if\": 1}", "permit::\"a\"",
                           "principal[\"has\"]"}) {
    EXPECT_TRUE(parse_expression(text).has_value()) << text;
  }
  EXPECT_TRUE(parse_policies("@if(\"x\") @has permit(principal, action, resource);").has_value());
}

TEST(ReferenceAgreement, HierarchyCyclesAreRejected) {
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "attrs": {},
    "parents": [{"type": "U", "id": "a"}]}])").has_value());
  EXPECT_FALSE(parse_entities(R"([
    {"uid": {"type": "U", "id": "a"}, "attrs": {}, "parents": [{"type": "G", "id": "g"}]},
    {"uid": {"type": "G", "id": "g"}, "attrs": {}, "parents": [{"type": "G", "id": "h"}]},
    {"uid": {"type": "G", "id": "h"}, "attrs": {}, "parents": [{"type": "U", "id": "a"}]}])").has_value());
  // A diamond is not a cycle.
  EXPECT_TRUE(parse_entities(R"([
    {"uid": {"type": "U", "id": "a"}, "attrs": {}, "parents": [{"type": "G", "id": "g"}, {"type": "G", "id": "h"}]},
    {"uid": {"type": "G", "id": "g"}, "attrs": {}, "parents": [{"type": "G", "id": "top"}]},
    {"uid": {"type": "G", "id": "h"}, "attrs": {}, "parents": [{"type": "G", "id": "top"}]}])").has_value());
}

TEST(ReferenceAgreement, IdenticalDuplicateEntitiesAreOne) {
  const std::string same = R"({"uid": {"type": "U", "id": "a"}, "attrs": {"x": 1},
    "parents": [{"type": "G", "id": "g"}, {"type": "G", "id": "h"}]})";
  const std::string reordered = R"({"uid": {"type": "U", "id": "a"}, "attrs": {"x": 1},
    "parents": [{"type": "G", "id": "h"}, {"type": "G", "id": "g"}]})";
  const std::string different = R"({"uid": {"type": "U", "id": "a"}, "attrs": {"x": 2}, "parents": []})";
  const auto twice = parse_entities("[" + same + "," + reordered + "]");
  ASSERT_TRUE(twice.has_value()) << twice.error();
  EXPECT_EQ(twice->size(), 1u);
  EXPECT_FALSE(parse_entities("[" + same + "," + different + "]").has_value());
}

TEST(ReferenceAgreement, MalformedEscapesAreRecords) {
  const std::string entities = R"([{"uid": {"type": "User", "id": "a"}, "parents": [], "attrs": {
    "e": {"__entity": {"type": "User"}}, "x": {"__extn": {"fn": "ip"}}, "n": {"__entity": 1}}}])";
  EXPECT_EQ(eval_with("principal.e has __entity", entities), Value{true});
  EXPECT_EQ(eval_with("principal.e.__entity.type == \"User\"", entities), Value{true});
  EXPECT_EQ(eval_with("principal.x has __extn", entities), Value{true});
  EXPECT_EQ(eval_with("principal.n.__entity == 1", entities), Value{true});
  // A well-formed escape with a bad argument is still an error.
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "parents": [],
    "attrs": {"x": {"__extn": {"fn": "ip", "arg": "nonsense"}}}}])").has_value());
}

TEST(ReferenceAgreement, ListsTakeATrailingComma) {
  for (const char* text : {"[1, 2,] == [1, 2]", "[1,] == [1]", "{a: 1,} == {a: 1}", "ip(\"1.1.1.1\",).isIpv4()",
                           "[1].contains(1,)"}) {
    const auto expr = parse_expression(text);
    ASSERT_TRUE(expr.has_value()) << text << ": " << expr.error().to_string();
    EXPECT_EQ(evaluate(**expr, Request{}, Entities{}), Value{true}) << text;
  }
  for (const char* text : {"[,] == []", "{,} == {}", "[1,,] == [1]", "ip(,)"}) {
    EXPECT_FALSE(parse_expression(text).has_value()) << text;
  }
  EXPECT_TRUE(parse_policies("permit(principal, action in [Action::\"a\",], resource,);").has_value());
  EXPECT_FALSE(parse_policies("permit(principal, action in [,], resource);").has_value());
  EXPECT_FALSE(parse_policies("permit(principal, action, resource,,);").has_value());
}

TEST(ReferenceAgreement, ActionsHaveOnlyActionParents) {
  const auto entity = [](const std::string& type, const std::string& parent_type) {
    return "[{\"uid\": {\"type\": \"" + type + "\", \"id\": \"a\"}, \"attrs\": {}, \"parents\": [{\"type\": \"" +
           parent_type + "\", \"id\": \"p\"}]}]";
  };
  EXPECT_FALSE(parse_entities(entity("Action", "Photo")).has_value());
  EXPECT_FALSE(parse_entities(entity("NS::Action", "User")).has_value());
  EXPECT_TRUE(parse_entities(entity("Action", "NS::Action")).has_value());
  EXPECT_TRUE(parse_entities(entity("NS::Action", "Action")).has_value());
  EXPECT_TRUE(parse_entities(entity("User", "Action")).has_value());
  EXPECT_TRUE(parse_entities(entity("Actions", "User")).has_value());
  EXPECT_TRUE(parse_entities(entity("Action::X", "User")).has_value());
}

TEST(ReferenceAgreement, ActionScopeHoldsOnlyActions) {
  for (const char* scope : {"action == User::\"a\"", "action in User::\"a\"", "action in [Action::\"a\", User::\"b\"]",
                            "action == Action::X::\"a\"", "action in [Acti::\"read\"]"}) {
    EXPECT_FALSE(parse_policies(std::string("permit(principal, ") + scope + ", resource);").has_value()) << scope;
  }
  EXPECT_TRUE(parse_policies("permit(principal, action == NS::Action::\"a\", resource);").has_value());
  EXPECT_TRUE(parse_policies("permit(principal in Action::\"a\", action, resource) when "
                             "{ action == User::\"a\" };").has_value());
}

}  // namespace
}  // namespace mandate::policy
