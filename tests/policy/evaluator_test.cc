#include "policy/evaluator.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "policy/authorizer.h"
#include "policy/parser.h"

namespace mandate::policy {
namespace {

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = parse_entities(R"([
      {"uid": {"type": "User", "id": "alice"}, "attrs": {"age": 30, "tags": ["a", "b"],
        "manager": {"__entity": {"type": "User", "id": "bob"}}, "ip": {"__extn": {"fn": "ip", "arg": "10.1.2.3"}}},
        "parents": [{"type": "Group", "id": "eng"}], "tags": {"level": 3}},
      {"uid": {"type": "User", "id": "bob"}, "attrs": {"age": 50}, "parents": []},
      {"uid": {"type": "Group", "id": "eng"}, "attrs": {}, "parents": [{"type": "Group", "id": "all"}]},
      {"uid": {"type": "Group", "id": "all"}, "attrs": {}, "parents": []}
    ])");
    ASSERT_TRUE(loaded.has_value()) << loaded.error();
    entities_ = std::move(*loaded);
    request_.principal = {"User", "alice"};
    request_.action = {"Action", "view"};
    request_.resource = {"Photo", "p"};
    request_.context = *value_from_json(nlohmann::json::parse(R"({"n": 9223372036854775807, "s": "hello"})"));
  }

  std::expected<Value, std::string> run(const std::string& text) {
    auto expr = parse_expression(text);
    if (!expr) return std::unexpected("parse: " + expr.error().to_string());
    return evaluate(**expr, request_, entities_);
  }
  void expect_true(const std::string& text) {
    const auto v = run(text);
    ASSERT_TRUE(v.has_value()) << text << ": " << v.error();
    EXPECT_EQ(*v, Value{true}) << text;
  }
  void expect_error(const std::string& text) { EXPECT_FALSE(run(text).has_value()) << text; }

  Entities entities_;
  Request request_;
};

TEST_F(EvaluatorTest, ArithmeticAndOverflow) {
  expect_true("1 + 2 * 3 == 7");
  expect_true("-(3 - 5) == 2");
  expect_true("context.n == 9223372036854775807");
  expect_error("context.n + 1");
  expect_error("-9223372036854775808 * -1");
  expect_error("-(-9223372036854775808)");
  expect_error("1 + \"a\"");
}

TEST_F(EvaluatorTest, HierarchyAndAttributes) {
  expect_true("principal in Group::\"all\"");
  expect_true("principal in [Group::\"x\", Group::\"eng\"]");
  expect_true("!(User::\"bob\" in Group::\"eng\")");
  expect_true("User::\"nobody\" in User::\"nobody\"");
  expect_true("principal.manager.age == 50");
  expect_true("principal has age && !(principal has height) && !(User::\"ghost\" has age)");
  expect_error("principal.height");
  expect_error("User::\"ghost\".age");
  expect_true("principal is User && !(principal is Group) && principal is User in Group::\"eng\"");
  expect_true("principal.getTag(\"level\") == 3 && principal.hasTag(\"level\") && !principal.hasTag(\"x\")");
  expect_error("principal.getTag(\"x\")");
}

TEST_F(EvaluatorTest, ShortCircuitAndConditionals) {
  expect_true("(false && (1 + \"a\")) == false");
  expect_true("true || principal.nope");
  expect_true("if principal has age then principal.age > 18 else false");
  expect_error("if 1 then true else false");
  expect_error("true && 1");
  expect_true("(1 == \"1\") == false");
}

TEST_F(EvaluatorTest, StringsSetsRecords) {
  expect_true("context.s like \"h*o\" && !(context.s like \"h*x\") && \"a*b\" like \"a\\*b\"");
  expect_true("\"\" like \"*\" && \"abc\" like \"*b*\"");
  expect_true(
      "[1, 2, 2] == [2, 1] && [1, 2].contains(2) && [1, 2].containsAll([1]) && [1].containsAny([3, 1])");
  expect_true("[].isEmpty() && !principal.tags.isEmpty()");
  expect_true("{a: 1, b: {c: true}}.b.c && {a: 1} has a && {a: 1}[\"a\"] == 1");
  expect_error("1.contains(1)");
}

// `like` works on code points, not bytes: a `*` and a literal both step
// over multi-byte characters whole.
TEST_F(EvaluatorTest, LikeMatchesCodePoints) {
  expect_true(R"("h\u{e9}llo" like "h*o" && "h\u{e9}llo" like "h\u{e9}*" && !("h\u{e9}llo" like "he*"))");
  expect_true(R"("\u{65e5}\u{672c}\u{8a9e}" like "*\u{8a9e}" && "\u{65e5}\u{672c}" like "\u{65e5}*\u{672c}")");
  expect_true(R"("aXbXc" like "a*b*c" && !("aXbX" like "a*b*c") && "\u{1F600}x" like "*x" && "h\u{e9}" like "h*")");
  expect_true(R"(!("\u{e9}" like "\u{e8}") && "\u{e9}\u{e9}" like "*\u{e9}")");
}

// Values computed on the way (record literals, if-then-else, attributes of
// attributes) must outlive the expression that reads from them.
TEST_F(EvaluatorTest, AttributesOfComputedValues) {
  expect_true("{a: {b: {c: \"deep\"}}}.a.b.c == \"deep\"");
  expect_true("(if context.s == \"hello\" then {x: [1, 2]} else {x: [3]}).x.contains(2)");
  expect_true("principal.manager.age == 50 && (if true then principal else resource).age == 30");
  expect_true("{r: principal}.r.manager == User::\"bob\" && [principal.tags, [1]].contains([\"a\", \"b\"])");
}

TEST_F(EvaluatorTest, Extensions) {
  expect_true(
      "decimal(\"1.5\").lessThan(decimal(\"1.51\")) && decimal(\"-0.1\").lessThanOrEqual(decimal(\"0.0\"))");
  expect_true("decimal(\"2.0\") == decimal(\"2.0000\")");
  expect_error("decimal(\"1.23456\")");
  expect_error("decimal(\"922337203685477.5808\")");
  expect_true("principal.ip.isInRange(ip(\"10.0.0.0/8\")) && principal.ip.isIpv4()");
  expect_true("ip(\"127.0.0.1\").isLoopback() && ip(\"::1\").isLoopback() && ip(\"ff02::1\").isMulticast()");
  expect_true("ip(\"224.1.2.3\").isMulticast() && !ip(\"10.0.0.0/8\").isInRange(ip(\"10.1.0.0/16\"))");
  expect_true("ip(\"::ffff:102:304\").isIpv6() && ip(\"10.0.0.1\") == ip(\"10.0.0.1/32\")");
  expect_true("ip(\"10.0.0.1/24\") != ip(\"10.0.0.0/24\")");
  expect_error("ip(\"::ffff:1.2.3.4\")");  // Cedar rejects embedded IPv4
  expect_error("ip(\"1.2.3\")");
  expect_error("ip(\"01.2.3.4\")");
  expect_error("ip(\"1.2.3.4/33\")");
}

TEST_F(EvaluatorTest, DatetimeAndDuration) {
  expect_true(R"(datetime("1970-01-02") == datetime("1970-01-01").offset(duration("1d")))");
  expect_true(R"(datetime("2024-02-29T12:00:00+0100") == datetime("2024-02-29T11:00:00Z"))");
  expect_true(R"(datetime("2024-01-01T00:00:00.001Z") > datetime("2024-01-01"))");
  expect_true(R"(duration("-1d2h3m4s5ms").toMilliseconds() == -93784005)");
  expect_true(R"(duration("90m").toHours() == 1 && duration("-90m").toHours() == -1)");
  expect_true(R"(datetime("1969-12-31T23:00:00Z").toDate() == datetime("1969-12-31"))");
  expect_true(R"(datetime("1969-12-31T23:00:00Z").toTime() == duration("23h"))");
  // The earliest datetime's midnight is before the earliest datetime: an
  // overflow, as in cedar-wasm (found by the differential test); its time
  // of day is still defined.
  const std::string earliest = R"(datetime("1970-01-01").offset(duration("-9223372036854775808ms")))";
  expect_error(earliest + ".toDate()");
  expect_true(earliest + ".toTime() == duration(\"16h47m4s192ms\")");
  expect_true(R"(datetime("2024-01-02").durationSince(datetime("2024-01-01")) == duration("24h"))");
  expect_error(R"(datetime("2023-02-29"))");
  expect_error(R"(datetime("2024-01-01T24:00:00Z"))");
  expect_error(R"(duration("1h1d"))");
  expect_error(R"(duration(""))");
  expect_error(R"(duration("1d") < 1)");
}

TEST(Entities, RejectsConflictingDuplicatesAndCycles) {
  // As the reference (cedar-wasm 4.13): duplicates must agree, cycles are refused,
  // and attrs and parents are required.
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "attrs": {"x": 1}, "parents": []},
                                  {"uid": {"type": "U", "id": "a"}, "attrs": {}, "parents": []}])"));
  EXPECT_FALSE(parse_entities(R"([
    {"uid": {"type": "G", "id": "a"}, "attrs": {}, "parents": [{"type": "G", "id": "b"}]},
    {"uid": {"type": "G", "id": "b"}, "attrs": {}, "parents": [{"type": "G", "id": "a"}]}])"));
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "parents": []}])"));
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "attrs": {}}])"));
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "attrs": null, "parents": []}])"));
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "attrs": {}, "parents": {}}])"));
  EXPECT_FALSE(parse_entities(R"([{"uid": {"type": "U", "id": "a"}, "attrs": {}, "parents": [], "tags": null}])"));
}

TEST(Entities, ReadsEscapesAnd64BitIntegers) {
  const auto v = value_from_json(nlohmann::json::parse(
      R"({"big": -9223372036854775808, "e": {"__entity": {"type": "A::B", "id": "x\u0000y"}},
          "d": {"__extn": {"fn": "decimal", "arg": "-1.5"}}, "s": [1, 1, 2]})"));
  ASSERT_TRUE(v.has_value()) << v.error();
  const Record& r = *std::get<RecordPtr>(v->data);
  EXPECT_EQ(r.at("big"), Value{std::numeric_limits<std::int64_t>::min()});
  EXPECT_EQ(r.at("e"), (Value{EntityUid{"A::B", std::string("x\0y", 3)}}));
  EXPECT_EQ(r.at("d"), Value{Decimal{-15000}});
  EXPECT_EQ(std::get<SetPtr>(r.at("s").data)->size(), 2u);
  EXPECT_FALSE(value_from_json(nlohmann::json::parse("18446744073709551615")).has_value());
}

TEST_F(EvaluatorTest, AuthorizerForbidWinsAndErrorsAreSkipped) {
  auto policies = parse_policies(R"(
    permit (principal in Group::"eng", action, resource);
    permit (principal, action == Action::"view", resource) when { principal.age > 18 };
    forbid (principal, action, resource) when { principal.missing };
    forbid (principal, action, resource is Photo) unless { principal.age > 10 };
  )");
  ASSERT_TRUE(policies.has_value()) << policies.error().to_string();
  Response r = authorize(*policies, request_, entities_);
  EXPECT_EQ(r.decision, Decision::Allow);
  EXPECT_EQ(r.reasons, (std::vector<std::string>{"policy0", "policy1"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].policy_id, "policy2");

  request_.principal = {"User", "bob"};
  request_.action = {"Action", "edit"};
  r = authorize(*policies, request_, entities_);
  EXPECT_EQ(r.decision, Decision::Deny);
  EXPECT_TRUE(r.reasons.empty());

  auto forbid_all =
      parse_policies("permit(principal, action, resource); forbid(principal, action, resource);");
  r = authorize(*forbid_all, request_, entities_);
  EXPECT_EQ(r.decision, Decision::Deny);
  EXPECT_EQ(r.reasons, (std::vector<std::string>{"policy1"}));
}

}  // namespace
}  // namespace mandate::policy
