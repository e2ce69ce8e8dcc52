// Subject, resource and action search, with paging.
#include "authzen_fixture.h"

namespace mandate::authzen {
namespace {

class SearchTest : public AuthzenTest {
 protected:
  void SetUp() override {
    AuthzenTest::SetUp();
    load_policies(R"(
      permit (principal in Team::"readers", action == Action::"read", resource is Doc);
      permit (principal, action == Action::"edit", resource is Doc) when { resource.owner == principal };
      permit (principal, action == Action::"archive", resource is Box);
    )");
    load_entities(nlohmann::json::parse(R"([
      {"uid": {"type": "Team", "id": "readers"}, "attrs": {}, "parents": []},
      {"uid": {"type": "User", "id": "ann"}, "attrs": {}, "parents": [{"type": "Team", "id": "readers"}]},
      {"uid": {"type": "User", "id": "ben"}, "attrs": {}, "parents": []},
      {"uid": {"type": "User", "id": "cat"}, "attrs": {}, "parents": [{"type": "Team", "id": "readers"}]},
      {"uid": {"type": "User", "id": "dan"}, "attrs": {}, "parents": [{"type": "Team", "id": "readers"}]},
      {"uid": {"type": "Doc", "id": "plan"}, "attrs": {"owner": {"__entity": {"type": "User", "id": "ann"}}}, "parents": []},
      {"uid": {"type": "Doc", "id": "memo"}, "attrs": {"owner": {"__entity": {"type": "User", "id": "ben"}}}, "parents": []},
      {"uid": {"type": "Action", "id": "delete"}, "attrs": {}, "parents": []}
    ])"));
  }
  static std::vector<std::string> ids(const Answer& a, const char* key = "id") {
    std::vector<std::string> out;
    for (const auto& r : a.body.at("results")) out.push_back(r.at(key).get<std::string>());
    return out;
  }
};

TEST_F(SearchTest, SubjectsOfATypeThatMayDoTheActionTransitively) {
  const nlohmann::json r = {{"subject", {{"type", "User"}}}, {"action", {{"name", "read"}}}, {"resource", entity("Doc", "plan")}};
  const std::uint64_t before = ledger_size();
  const Answer a = search_subject(call, r.dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(ids(a), (std::vector<std::string>{"ann", "cat", "dan"}));
  EXPECT_EQ(a.body["results"][0], entity("User", "ann"));
  EXPECT_EQ(a.body["page"]["next_token"], "");
  EXPECT_EQ(a.body["page"]["total"], 3);
  EXPECT_EQ(ledger_size(), before + 1);  // one search, one record
  const auto e = entry(a.body["context"]["ledger_index"].get<std::uint64_t>());
  EXPECT_EQ(e["type"], "search");
  EXPECT_EQ(e["data"]["matches"].size(), 3u);
}

TEST_F(SearchTest, PagesFollowTheirToken) {
  nlohmann::json r = {{"subject", {{"type", "User"}, {"id", "ignored"}}}, {"action", {{"name", "read"}}},
                      {"resource", entity("Doc", "plan")}, {"page", {{"limit", 2}}}};
  const Answer first = search_subject(call, r.dump());
  EXPECT_EQ(ids(first), (std::vector<std::string>{"ann", "cat"}));
  EXPECT_EQ(first.body["page"]["count"], 2);
  const std::string token = first.body["page"]["next_token"];
  ASSERT_FALSE(token.empty());
  r["page"]["token"] = token;
  const Answer second = search_subject(call, r.dump());
  EXPECT_EQ(ids(second), (std::vector<std::string>{"dan"}));
  EXPECT_EQ(second.body["page"]["next_token"], "");
  // A token belongs to its query.
  nlohmann::json other = r;
  other["action"]["name"] = "edit";
  const Answer refused = search_subject(call, other.dump());
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body["error"].get<std::string>().find("page.token"), std::string::npos);
  r["page"] = {{"limit", -1}};
  EXPECT_EQ(search_subject(call, r.dump()).status, 400);
}

TEST_F(SearchTest, ResourcesOfATypeTheSubjectMayActOn) {
  const nlohmann::json r = {{"subject", entity("User", "ben")}, {"action", {{"name", "edit"}}}, {"resource", {{"type", "Doc"}}}};
  const Answer a = search_resource(call, r.dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(ids(a), (std::vector<std::string>{"memo"}));
}

TEST_F(SearchTest, ActionsTheSubjectMayDoOnTheResource) {
  const nlohmann::json r = {{"subject", entity("User", "ann")}, {"resource", entity("Doc", "plan")}};
  const Answer a = search_action(call, r.dump());
  ASSERT_EQ(a.status, 200) << a.body.dump();
  EXPECT_EQ(ids(a, "name"), (std::vector<std::string>{"edit", "read"}));
  const nlohmann::json box = {{"subject", entity("User", "ben")}, {"resource", entity("Box", "b1")}};
  EXPECT_EQ(ids(search_action(call, box.dump()), "name"), (std::vector<std::string>{"archive"}));
}

TEST_F(SearchTest, MalformedSearchesAre400s) {
  const std::uint64_t before = ledger_size();
  EXPECT_EQ(search_subject(call, R"({"action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan"}})").body["error"],
            "subject: missing");
  EXPECT_EQ(search_subject(call, R"({"subject": {}, "action": {"name": "read"}, "resource": {"type": "Doc", "id": "plan"}})").body["error"],
            "subject.type: missing");
  EXPECT_EQ(search_resource(call, R"({"subject": {"type": "User", "id": "ann"}, "action": {"name": "read"}})").body["error"],
            "resource: missing");
  EXPECT_EQ(search_action(call, R"({"subject": {"type": "User"}, "resource": {"type": "Doc", "id": "plan"}})").body["error"],
            "subject.id: missing");
  EXPECT_EQ(ledger_size(), before);
}

}  // namespace
}  // namespace mandate::authzen
