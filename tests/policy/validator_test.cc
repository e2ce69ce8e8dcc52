// Strict validation. Every expected outcome here was checked against the
// reference validator (cedar-wasm 4.13, strict mode). Since Cedar 4.13
// "unable to find an applicable action" is a warning, not an error.
#include "policy/validator.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/parser.h"
#include "policy/schema.h"

namespace mandate::policy {
namespace {

constexpr const char* kSchema = R"(
namespace App {
  type Addr = { street: String, zip?: Long };
  entity Group;
  entity User in [Group] = { name: String, age?: Long, addr: Addr, tags: Set<String>, manager?: User, ip: ipaddr,
                             score: decimal, born: datetime, wait: duration, rec?: { a: Long, b?: String } } tags String;
  entity Doc in [Folder] = { owner: User, public: Bool, labels: Set<Long> };
  entity Folder in [Folder];
  entity Color enum ["red", "green"];
  action read, write appliesTo { principal: [User], resource: [Doc, Folder], context: { ip: ipaddr, n?: Long, flag: Bool } };
  action admin in [write] appliesTo { principal: User, resource: Doc, context: {} };
  action paint appliesTo { principal: User, resource: Color };
}
)";

struct Case {
  const char* policy;
  const char* error;  // nullptr: validates; else a part of the first error
};

const Case kCases[] = {
    {"permit(principal, action, resource);", nullptr},
    {"permit(principal is App::User, action == App::Action::\"read\", resource is App::Doc) when { resource.owner == "
     "principal };",
     nullptr},
    {"permit(principal, action, resource) when { principal.age > 3 };", "optional attribute `age`"},
    {"permit(principal, action, resource) when { principal has age && principal.age > 3 };", nullptr},
    {"permit(principal, action, resource) when { principal.addr.zip == 3 };", "optional attribute `zip`"},
    {"permit(principal, action, resource) when { principal.addr has zip && principal.addr.zip == 3 };", nullptr},
    {"permit(principal, action, resource) when { principal.nope };",
     "attribute `nope` on entity type App::User not found"},
    {"permit(principal, action == App::Action::\"read\", resource) when { resource.public };",
     "attribute `public` on entity type App::Folder not found"},
    {"permit(principal, action == App::Action::\"admin\", resource) when { resource.public };", nullptr},
    {"permit(principal, action in [App::Action::\"read\"], resource) when { if context.flag then 1 else \"a\" };",
     "not compatible"},
    {"permit(principal, action in [App::Action::\"read\"], resource) when { (if context.flag then 1 else 2) > 0 };",
     nullptr},
    {"permit(principal, action, resource) when { [1, \"a\"].contains(1) };", "not compatible"},
    {"permit(principal, action, resource) when { [].isEmpty() };", "empty set literals are forbidden"},
    {"permit(principal, action, resource) when { principal.tags.contains(1) };", "not compatible"},
    {"permit(principal, action, resource) when { principal.tags.containsAll([\"a\"]) };", nullptr},
    {"permit(principal, action, resource) when { principal.tags.containsAny([1]) };", "are not compatible"},
    {"permit(principal, action, resource) when { principal.getTag(\"x\") == \"y\" };", "access to tag"},
    {"permit(principal, action, resource) when { principal.hasTag(\"x\") && principal.getTag(\"x\") == \"y\" };",
     nullptr},
    {"permit(principal, action, resource) when { principal.hasTag(\"x\") && principal.getTag(\"z\") == \"y\" };",
     "access to tag"},
    {"permit(principal, action, resource) when { principal.score.lessThan(decimal(\"1.5\")) };", nullptr},
    {"permit(principal, action, resource) when { principal.score < decimal(\"1.5\") };", "unexpected type"},
    {"permit(principal, action, resource) when { principal.born.offset(principal.wait) > datetime(\"2024-01-01\") };",
     nullptr},
    {"permit(principal, action, resource) when { ip(\"1.2.3.4.5\") == principal.ip };", "failed to parse as IP"},
    {"permit(principal, action, resource) when { decimal(principal.name) == principal.score };", "non-literal"},
    {"permit(principal, action, resource) when { principal.ip.isIpv4(1) };", "wrong number of arguments"},
    {"permit(principal, action in [App::Action::\"read\"], resource) when { context has n && context.n == 1 };",
     nullptr},
    // No action applies to these scopes: a warning only (Cedar 4.13).
    {"permit(principal in App::Doc::\"g\", action, resource);", nullptr},
    {"permit(principal, action, resource is App::Folder in App::Doc::\"d\");", nullptr},
    {"permit(principal, action in [App::Action::\"write\"], resource);", nullptr},
    {"permit(principal, action in [App::Action::\"admin\"], resource is App::Folder);", nullptr},
    {"permit(principal, action == App::Action::\"paint\", resource == App::Color::\"blue\");", "enumerated"},
    {"permit(principal, action, resource) when { principal == 1 };", "not compatible"},
    {"permit(principal, action, resource) when { {a: 1} == {a: 2, b: 3} };", "not compatible"},
    {"permit(principal, action, resource) when { principal has rec && principal.rec has b && principal.rec.b == \"x\" "
     "};",
     nullptr},
    {"permit(principal, action, resource) when { action in [App::Action::\"write\", App::Action::\"nope\"] };",
     "unrecognized action"},
    {"permit(principal, action, resource) when { App::Unknown::\"x\" == principal };", "unrecognized entity type"},
    {"permit(principal, action, resource) when { (principal has age || principal has manager) && principal.age == 1 };",
     "optional attribute `age`"},
    {"permit(principal, action, resource) when { if principal has age then principal.age == 1 else false };", nullptr},
    {"permit(principal, action, resource) when { principal has age } when { principal.age == 1 };", nullptr},
    {"permit(principal, action, resource) when { false && principal.nope };", nullptr},
    {"permit(principal, action, resource) when { true || principal.nope };", nullptr},
    {"permit(principal, action, resource) when { [principal, resource].contains(principal) };", "not compatible"},
    {"permit(principal, action, resource) when { principal.addr == {street: \"x\", zip: 1} };", "not compatible"},
    {"permit(principal, action, resource) when { -principal.age < 0 };", "optional attribute `age`"},
    {"permit(principal, action, resource) when { principal.name has foo };", "unexpected type"},
    {"permit(principal, action, resource) when { [{a: 1}, {b: 2}].isEmpty() };", "not compatible"},
    {"permit(principal == ?principal, action, resource);", nullptr},
    {"permit(principal in ?principal, action, resource in ?resource) when { principal.age == 1 };",
     "optional attribute `age`"},
    {"permit(principal in ?principal, action == App::Action::\"read\", resource == ?resource) when { resource.public "
     "};",
     "attribute `public` on entity type App::Folder not found"},
};

TEST(PolicyValidator, StrictOutcomesMatchTheReference) {
  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value()) << schema.error().to_string();
  for (const auto& c : kCases) {
    const std::string text = c.policy;
    const auto policies = parse_policies(text);
    ASSERT_TRUE(policies.has_value()) << text << ": " << policies.error().to_string();
    const auto result = validate(*policies, *schema);
    if (c.error == nullptr) {
      EXPECT_TRUE(result.passed()) << text << "\n  " << (result.errors.empty() ? "" : result.errors[0].to_string());
    } else {
      ASSERT_FALSE(result.passed()) << text;
      EXPECT_NE(result.errors[0].message.find(c.error), std::string::npos)
          << text << "\n  got " << result.errors[0].to_string() << "\n  want " << c.error;
    }
  }
}

TEST(PolicyValidator, ErrorsPointAtTheExpression) {
  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value());
  const auto policies = parse_policies(
      "permit(principal, action, resource);\n"
      "forbid(principal, action, resource)\n  when { principal.age > 3 };");
  ASSERT_TRUE(policies.has_value());
  const auto result = validate(*policies, *schema);
  ASSERT_EQ(result.errors.size(), 1u);  // reported once, not once per request environment
  EXPECT_EQ(result.errors[0].policy_id, "policy1");
  EXPECT_EQ(result.errors[0].to_string(),
            "3:19: for policy `policy1`, unable to guarantee safety of access to optional attribute `age` on "
            "entity type App::User");
}

TEST(PolicyValidator, ImpossiblePoliciesAreOnlyWarnings) {
  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value());
  const auto policies = parse_policies("permit(principal, action, resource) when { principal is App::Doc };");
  ASSERT_TRUE(policies.has_value());
  const auto result = validate(*policies, *schema);
  EXPECT_TRUE(result.passed());
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_NE(result.warnings[0].message.find("impossible"), std::string::npos);
}

// Cedar 4.13: a scope no action applies to is a warning and the policy set
// still validates; the other checks still run on such a policy (unknown
// names are errors), and it is also reported as impossible. Checked against
// cedar-wasm 4.13's `validate`, which reports exactly these.
TEST(PolicyValidator, NoApplicableActionIsAWarningAndOtherChecksStillRun) {
  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value());
  const std::string kNoAction = "unable to find an applicable action given the policy scope constraints";
  const std::string kImpossible = "policy is impossible: the policy expression evaluates to false for all valid requests";
  auto check = [&](const std::string& text) {
    const auto policies = parse_policies(text);
    EXPECT_TRUE(policies.has_value()) << text;
    return policies ? validate(*policies, *schema) : ValidationResult{};
  };

  const auto alone = check("permit(principal, action in [App::Action::\"admin\"], resource is App::Folder);");
  EXPECT_TRUE(alone.passed()) << (alone.errors.empty() ? "" : alone.errors[0].to_string());
  ASSERT_EQ(alone.warnings.size(), 2u);
  EXPECT_EQ(alone.warnings[0].to_string(), "1:1: for policy `policy0`, " + kNoAction);
  EXPECT_EQ(alone.warnings[1].message, kImpossible);

  // The typecheck runs only in request environments the scope allows, and
  // there are none: an ill-typed condition adds no error (as the reference).
  const auto ill_typed =
      check("permit(principal, action in [App::Action::\"admin\"], resource is App::Folder) when { 1 + \"a\" == 2 };");
  EXPECT_TRUE(ill_typed.passed());
  EXPECT_EQ(ill_typed.warnings.size(), 2u);

  const auto unknown_action = check("permit(principal, action == App::Action::\"nope\", resource is App::Folder);");
  ASSERT_EQ(unknown_action.errors.size(), 1u);
  EXPECT_NE(unknown_action.errors[0].message.find("unrecognized action"), std::string::npos);
  ASSERT_FALSE(unknown_action.warnings.empty());
  EXPECT_EQ(unknown_action.warnings[0].message, kNoAction);

  const auto unknown_type = check(
      "permit(principal, action in [App::Action::\"admin\"], resource is App::Folder) when { App::Unknown::\"x\" == "
      "principal };");
  ASSERT_EQ(unknown_type.errors.size(), 1u);
  EXPECT_NE(unknown_type.errors[0].message.find("unrecognized entity type `App::Unknown`"), std::string::npos);

  const auto not_enumerated =
      check("permit(principal is App::Doc, action == App::Action::\"paint\", resource == App::Color::\"blue\");");
  ASSERT_EQ(not_enumerated.errors.size(), 1u);
  EXPECT_NE(not_enumerated.errors[0].message.find("enumerated"), std::string::npos);

  // Another policy of the same set is validated as usual.
  const auto two = check(
      "permit(principal in App::Doc::\"g\", action, resource);\n"
      "permit(principal, action, resource) when { principal.age > 3 };");
  ASSERT_EQ(two.errors.size(), 1u);
  EXPECT_EQ(two.errors[0].policy_id, "policy1");
  ASSERT_FALSE(two.warnings.empty());
  EXPECT_EQ(two.warnings[0].policy_id, "policy0");
  EXPECT_EQ(two.warnings[0].message, kNoAction);

  // Templates alike.
  const auto templ = check("permit(principal == ?principal, action in [App::Action::\"admin\"], resource is App::Folder);");
  EXPECT_TRUE(templ.passed());
  ASSERT_FALSE(templ.warnings.empty());
  EXPECT_EQ(templ.warnings[0].message, kNoAction);
}

}  // namespace
}  // namespace mandate::policy
