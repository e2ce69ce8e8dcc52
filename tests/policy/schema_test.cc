#include "policy/schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "policy/entities.h"

namespace mandate::policy {
namespace {

constexpr const char* kSchema = R"(
  // comment
  namespace Photos {
    type Owner = User;
    @doc("an account")
    entity Account in [Group] = { owner: Owner, admins: Set<User>, "net"?: ipaddr, score: __cedar::decimal };
    entity User, Group;
    entity Doc tags Set<User>;
    action view, "edit" appliesTo { principal: [User], resource: Account, context: { from: ipaddr } };
  }
)";

TEST(PolicySchema, ParsesDeclarations) {
  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value()) << schema.error().to_string();
  ASSERT_TRUE(schema->entity_attrs.contains("Photos::Account"));
  const auto& fields = schema->entity_attrs.at("Photos::Account").fields;
  // Fields are sorted by name: admins, net, owner, score.
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].second.kind, SchemaType::Kind::Set);
  EXPECT_EQ(fields[1].second.name, "ipaddr");
  EXPECT_FALSE(fields[1].second.required);
  EXPECT_EQ(fields[2].second.kind, SchemaType::Kind::Entity);
  EXPECT_EQ(fields[2].second.name, "Photos::User");
  EXPECT_EQ(fields[3].second.name, "decimal");
  EXPECT_EQ(schema->entity_types.at("Photos::Account").member_of, std::set<std::string>{"Photos::Group"});
  const auto& view = schema->actions.at(EntityUid{"Photos::Action", "view"});
  EXPECT_EQ(view.principals, std::set<std::string>{"Photos::User"});
  EXPECT_EQ(view.resources, std::set<std::string>{"Photos::Account"});
  EXPECT_TRUE(schema->entity_attrs.contains("Photos::Group"));
  EXPECT_TRUE(schema->entity_tags.contains("Photos::Doc"));
  EXPECT_TRUE(schema->action_context.contains("Photos::Action::view"));
  EXPECT_TRUE(schema->action_context.contains("Photos::Action::edit"));
}

TEST(PolicySchema, ErrorsCarryPosition) {
  const auto bad = parse_schema("entity A;\nentity B = { x Long };");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().pos.line, 2);
  EXPECT_EQ(bad.error().pos.column, 16);
}

TEST(PolicySchema, DeepNestingIsASyntaxError) {
  std::string text = "type T = ";
  for (int i = 0; i < 100000; ++i) text += "Set<";
  EXPECT_FALSE(parse_schema(text).has_value());
}

TEST(PolicySchema, DirectsEntityJson) {
  const auto schema = parse_schema(kSchema);
  ASSERT_TRUE(schema.has_value());
  const auto entities = parse_entities(R"([
    {"uid": {"type": "Photos::Account", "id": "a"}, "parents": [],
     "attrs": {"owner": {"type": "Photos::User", "id": "u"}, "admins": [{"type": "Photos::User", "id": "v"}],
               "net": "10.0.0.0/8", "score": "0.5"}},
    {"uid": {"type": "Photos::Doc", "id": "d"}, "attrs": {}, "parents": [],
     "tags": {"t": [{"type": "Photos::User", "id": "u"}]}}
  ])",
                                       &*schema);
  ASSERT_TRUE(entities.has_value()) << entities.error();
  const Entity* account = entities->find({"Photos::Account", "a"});
  ASSERT_NE(account, nullptr);
  EXPECT_EQ(account->attrs.at("owner"), (Value{EntityUid{"Photos::User", "u"}}));
  EXPECT_EQ(account->attrs.at("admins"), make_set({Value{EntityUid{"Photos::User", "v"}}}));
  EXPECT_EQ(account->attrs.at("net"), Value{*parse_ip("10.0.0.0/8")});
  EXPECT_EQ(account->attrs.at("score"), Value{Decimal{5000}});
  const Entity* doc = entities->find({"Photos::Doc", "d"});
  ASSERT_NE(doc, nullptr);
  EXPECT_EQ(doc->tags.at("t"), make_set({Value{EntityUid{"Photos::User", "u"}}}));

  // Without a schema the same JSON is a record and a string.
  const auto plain = value_from_json(nlohmann::json::parse(R"({"type": "U", "id": "u"})"));
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->is_record());
}

}  // namespace
}  // namespace mandate::policy
