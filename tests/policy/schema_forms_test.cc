// The two schema forms (human-readable and JSON) into one model, Cedar's
// name resolution, and errors that say where.
#include <gtest/gtest.h>

#include <string>

#include "policy/schema.h"

namespace mandate::policy {
namespace {

constexpr const char* kHuman = R"(
  type Tagged = { label: String };
  entity Team;
  namespace Shop {
    type Money = decimal;
    type Address = { street: String, zip?: Long };
    entity Customer in [Team, Region] = {
      name: String, "home address": Address, spent: Money, seen?: datetime,
      prefs: { vip: Bool, tags?: Set<String> }, meta: Tagged
    } tags Long;
    entity Region;
    entity Size enum ["S", "M"];
    action browse;
    action buy in [browse] appliesTo {
      principal: Customer, resource: [Size, Region], context: { from: ipaddr, wait?: duration }
    };
    action "gift card" in [Shop::Action::"buy"];
  }
)";

constexpr const char* kJson = R"({
  "": {
    "commonTypes": {"Tagged": {"type": "Record", "attributes": {"label": {"type": "String"}}}},
    "entityTypes": {"Team": {}}
  },
  "Shop": {
    "commonTypes": {
      "Money": {"type": "Extension", "name": "decimal"},
      "Address": {"type": "Record", "attributes": {
        "street": {"type": "String"}, "zip": {"type": "Long", "required": false}}}
    },
    "entityTypes": {
      "Customer": {
        "memberOfTypes": ["Team", "Region"],
        "shape": {"type": "Record", "attributes": {
          "name": {"type": "String"},
          "home address": {"type": "Address"},
          "spent": {"type": "EntityOrCommon", "name": "Money"},
          "seen": {"type": "Extension", "name": "datetime", "required": false},
          "prefs": {"type": "Record", "attributes": {
            "vip": {"type": "Boolean"},
            "tags": {"type": "Set", "element": {"type": "String"}, "required": false}}},
          "meta": {"type": "Tagged"}
        }},
        "tags": {"type": "Long"}
      },
      "Region": {},
      "Size": {"enum": ["S", "M"]}
    },
    "actions": {
      "browse": {},
      "buy": {
        "memberOf": [{"id": "browse"}],
        "appliesTo": {
          "principalTypes": ["Customer"], "resourceTypes": ["Size", "Region"],
          "context": {"type": "Record", "attributes": {
            "from": {"type": "Extension", "name": "ipaddr"},
            "wait": {"type": "Extension", "name": "duration", "required": false}}}
        }
      },
      "gift card": {"memberOf": [{"id": "buy", "type": "Shop::Action"}]}
    }
  }
})";

TEST(PolicySchemaForms, HumanAndJsonGiveTheSameModel) {
  const auto human = parse_schema(kHuman);
  ASSERT_TRUE(human.has_value()) << human.error().to_string();
  const auto json = parse_schema_json(kJson);
  ASSERT_TRUE(json.has_value()) << json.error();
  EXPECT_TRUE(human->same_model(*json));

  const auto& customer = human->entity_types.at("Shop::Customer");
  EXPECT_EQ(customer.member_of, (std::set<std::string>{"Shop::Region", "Team"}));
  ASSERT_TRUE(customer.tags.has_value());
  EXPECT_EQ(customer.tags->kind, SchemaType::Kind::Long);
  const auto& fields = customer.attrs.fields;
  ASSERT_EQ(fields.size(), 6u);
  EXPECT_EQ(fields[0].first, "home address");
  EXPECT_EQ(fields[0].second.fields.size(), 2u);  // the common type, expanded
  EXPECT_EQ(fields[1].first, "meta");             // a common type of the empty namespace
  EXPECT_EQ(fields[4].first, "seen");
  EXPECT_FALSE(fields[4].second.required);
  EXPECT_EQ(fields[5].second.name, "decimal");
  ASSERT_TRUE(human->entity_types.at("Shop::Size").enum_ids.has_value());

  const auto& buy = human->actions.at(EntityUid{"Shop::Action", "buy"});
  EXPECT_EQ(buy.member_of, (std::set<EntityUid>{{"Shop::Action", "browse"}}));
  EXPECT_EQ(buy.resources, (std::set<std::string>{"Shop::Region", "Shop::Size"}));
  EXPECT_EQ(buy.context.fields.size(), 2u);
  EXPECT_TRUE(human->actions.at(EntityUid{"Shop::Action", "browse"}).principals.empty());
  EXPECT_TRUE(human->action_context.contains("Shop::Action::gift card"));

  // A change on one side is seen.
  auto other =
      parse_schema_json(std::string(kJson).replace(std::string(kJson).find("\"S\", \"M\""), 8, "\"S\", \"L\""));
  ASSERT_TRUE(other.has_value()) << other.error();
  EXPECT_FALSE(human->same_model(*other));
}

TEST(PolicySchemaForms, UnqualifiedNamesPreferTheirNamespace) {
  // Inside NS, `User` is NS::User although the empty namespace has one too;
  // `Group` exists only in the empty namespace; an entity type named
  // `String` shadows the built-in, which stays reachable as __cedar::String.
  const auto schema = parse_schema(R"(
    entity User; entity Group;
    namespace NS {
      entity User = { boss: User, team: Group, name: String, label: __cedar::String };
      entity String;
    }
  )");
  ASSERT_TRUE(schema.has_value()) << schema.error().to_string();
  const auto& f = schema->entity_types.at("NS::User").attrs.fields;  // boss, label, name, team
  EXPECT_EQ(f[0].second.name, "NS::User");
  EXPECT_EQ(f[1].second.kind, SchemaType::Kind::String);
  EXPECT_EQ(f[2].second.kind, SchemaType::Kind::Entity);
  EXPECT_EQ(f[2].second.name, "NS::String");
  EXPECT_EQ(f[3].second.name, "Group");
  // A common type wins over an entity type of the same name.
  const auto common = parse_schema("namespace N { type T = Long; entity T; entity E = { t: T }; }");
  ASSERT_TRUE(common.has_value()) << common.error().to_string();
  EXPECT_EQ(common->entity_types.at("N::E").attrs.fields[0].second.kind, SchemaType::Kind::Long);
}

TEST(PolicySchemaForms, HumanErrorsCarryLineAndColumn) {
  const auto undeclared = parse_schema("entity A;\nentity B = {\n  owner: Nobody };");
  ASSERT_FALSE(undeclared.has_value());
  EXPECT_EQ(undeclared.error().to_string(), "3:10: undeclared type Nobody");
  const auto parent = parse_schema("entity A in [Ghost];");
  ASSERT_FALSE(parent.has_value());
  EXPECT_EQ(parent.error().pos.column, 14);
  EXPECT_NE(parent.error().message.find("undeclared entity type Ghost"), std::string::npos);
  EXPECT_FALSE(parse_schema("entity A; entity A;").has_value());
  const auto cycle = parse_schema("action a in [b];\naction b in [a];");
  ASSERT_FALSE(cycle.has_value());
  EXPECT_EQ(cycle.error().to_string(), "2:1: action groups form a cycle through Action::\"b\"");
  EXPECT_FALSE(parse_schema("type T = T; entity A = { t: T };").has_value());
  EXPECT_FALSE(parse_schema("entity A = { x: Long, x: String };").has_value());
  EXPECT_FALSE(parse_schema("entity A; action a appliesTo { principal: [A], owner: [A] };").has_value());
  EXPECT_FALSE(parse_schema("type C = Long; action a appliesTo { context: C };").has_value());
}

TEST(PolicySchemaForms, ExponentialCommonTypesAreRefused) {
  std::string text = "type T0 = Long;\n";
  for (int i = 1; i <= 40; ++i) {
    const std::string prev = "T" + std::to_string(i - 1);
    text += "type T" + std::to_string(i) + " = { a: " + prev + ", b: " + prev + " };\n";
  }
  text += "entity E = { t: T40 };";
  const auto schema = parse_schema(text);
  ASSERT_FALSE(schema.has_value());
  EXPECT_NE(schema.error().message.find("too large"), std::string::npos) << schema.error().to_string();
}

TEST(PolicySchemaForms, JsonErrorsNameThePath) {
  const auto missing = parse_schema_json(R"({"NS": {"entityTypes": {"A": {"shape": {"type": "Record",
      "attributes": {"x": {"type": "Set"}}}}}}})");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), "/NS/entityTypes/A/shape/attributes/x: missing \"element\"");
  const auto undeclared = parse_schema_json(R"({"": {"entityTypes": {"A": {"memberOfTypes": ["B"]}}}})");
  ASSERT_FALSE(undeclared.has_value());
  EXPECT_EQ(undeclared.error(), "//entityTypes/A/memberOfTypes/0: undeclared entity type B");
  EXPECT_EQ(parse_schema_json(R"({"": {"entityTyps": {}}})").error(), "//entityTyps: unknown member \"entityTyps\"");
  EXPECT_EQ(parse_schema_json("[").error(), "schema: not valid JSON");
  EXPECT_FALSE(parse_schema_json(R"({"": {"actions": {"a": {"memberOf": [{"id": "b"}]}}}})").has_value());
}

TEST(PolicySchemaForms, LoadChoosesTheFormByNameThenContent) {
  EXPECT_TRUE(load_schema(kJson, "s.json").has_value());
  EXPECT_TRUE(load_schema(kHuman, "s.cedarschema").has_value());
  EXPECT_TRUE(load_schema(kJson, "schema").has_value());
  EXPECT_TRUE(load_schema(kHuman, "schema").has_value());
  const auto wrong = load_schema(kHuman, "s.json");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error(), "schema: not valid JSON");
  EXPECT_EQ(load_schema("entity A = { x: Nope };", "a.cedarschema").error(), "1:17: undeclared type Nope");
}

}  // namespace
}  // namespace mandate::policy
